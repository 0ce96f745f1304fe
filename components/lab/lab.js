"use strict";
var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __setModuleDefault = (this && this.__setModuleDefault) || (Object.create ? (function(o, v) {
    Object.defineProperty(o, "default", { enumerable: true, value: v });
}) : function(o, v) {
    o["default"] = v;
});
var __importStar = (this && this.__importStar) || (function () {
    var ownKeys = function(o) {
        ownKeys = Object.getOwnPropertyNames || function (o) {
            var ar = [];
            for (var k in o) if (Object.prototype.hasOwnProperty.call(o, k)) ar[ar.length] = k;
            return ar;
        };
        return ownKeys(o);
    };
    return function (mod) {
        if (mod && mod.__esModule) return mod;
        var result = {};
        if (mod != null) for (var k = ownKeys(mod), i = 0; i < k.length; i++) if (k[i] !== "default") __createBinding(result, mod, k[i]);
        __setModuleDefault(result, mod);
        return result;
    };
})();
Object.defineProperty(exports, "__esModule", { value: true });
exports.Lab = void 0;
// The whole lab as one component: images, network, etcd, Patroni, HAProxy, readiness, monitoring.
const path = __importStar(require("path"));
const pulumi = __importStar(require("@pulumi/pulumi"));
const resources_1 = require("../docker/resources");
const cluster_1 = require("../etcd/cluster");
const haproxy_1 = require("../haproxy/haproxy");
const monitoring_1 = require("../monitoring/monitoring");
const cluster_2 = require("../patroni/cluster");
const config_1 = require("../patroni/config");
const password_1 = require("../secrets/password");
const naming_1 = require("./naming");
const readiness_1 = require("./readiness");
const ssh_1 = require("./ssh");
const lab_inventory_1 = require("./lab-inventory");
/**
 * The whole lab: images, a private network, etcd, Patroni/PostgreSQL and HAProxy, ending with a wait for
 * a healthy cluster, then (pgchaos:monitoring.enabled) Prometheus, Alertmanager and the alert receiver.
 */
class Lab extends pulumi.ComponentResource {
    constructor(name, args, opts) {
        super("pgchaos:lab:Lab", name, {}, opts);
        const { config } = args;
        const naming = (0, naming_1.labNaming)(config.scope, args.project, args.stack);
        const child = { parent: this };
        const roleImage = roleImages(args, child);
        const [etcdImage, patroniImage, haproxyImage] = ["etcd", "patroni", "haproxy"].map(roleImage);
        const { network, subnet } = (0, resources_1.labNetwork)("network", { networkName: naming.network, owner: naming.owner }, child);
        this.network = naming.network;
        this.subnet = subnet;
        const password = (role) => (0, password_1.stackPassword)(`password-${role}`, child);
        const passwords = { superuser: password("superuser"), replication: password("replication"), rewind: password("rewind") };
        this.superuserPassword = passwords.superuser;
        const exporters = config.monitoring.enabled;
        const key = config.ssh.enabled ? (0, ssh_1.labSshKey)("ssh-key", `pgchaos-lab-${args.stack}`, child) : undefined;
        const ssh = key ? { portBase: config.ssh.portBase, authorizedKey: key.publicKey } : undefined;
        const etcdMembers = (0, naming_1.etcdMemberNames)(config.etcdMembers);
        const etcd = new cluster_1.EtcdCluster("etcd", {
            naming, image: etcdImage, subnet, members: etcdMembers, clientPortBase: config.ports.etcdClientBase, memoryMiB: config.memoryLimitMiB.etcd,
            nodeExporter: exporters, ssh,
        }, { ...child, dependsOn: [network] });
        const nodes = (0, naming_1.patroniNodeNames)(config.patroniNodes);
        const patroni = new cluster_2.PatroniCluster("patroni", {
            naming, image: patroniImage, scope: config.scope, nodes, etcdHosts: etcdMembers, subnet,
            dcs: config.dcs, postgresParameters: config.postgresParameters, passwords,
            postgresPortBase: config.ports.postgresBase, restPortBase: config.ports.patroniRestBase, memoryMiB: config.memoryLimitMiB.patroni,
            exporters, ssh,
        }, { ...child, dependsOn: [network, etcd] });
        const haproxy = new haproxy_1.Haproxy("haproxy", {
            naming, image: haproxyImage, subnet,
            nodes: nodes.map((n) => ({ name: n, postgresPort: config_1.POSTGRES_PORT, restPort: config_1.PATRONI_REST_PORT })), checks: config.haproxy,
            readWritePort: config.ports.readWrite, readOnlyPort: config.ports.readOnly, statsPort: config.ports.haproxyStats,
            memoryMiB: config.memoryLimitMiB.haproxy,
            nodeExporter: exporters, ssh,
        }, { ...child, dependsOn: [network, patroni] });
        const members = [...etcd.containers, ...patroni.containers, haproxy.container];
        const readiness = readinessOf(config, patroni, members, passwords.superuser, child);
        this.leader = readiness.leader;
        let monitoringHosts = [];
        if (config.monitoring.enabled) {
            // Its image builds with the others; its containers start once the lab is healthy, so the first
            // alerts are about faults, not about the lab coming up.
            const monitoring = new monitoring_1.Monitoring("monitoring", {
                naming, image: roleImage("monitoring"), subnet, config: config.monitoring,
                members: { etcd: etcdMembers, patroni: nodes, haproxy: [naming_1.HAPROXY_MEMBER] },
            }, { ...child, dependsOn: [readiness.command] });
            this.monitoring = monitoring.endpoints;
            monitoringHosts = monitoring.hosts;
        }
        this.secondsToHealthy = readiness.secondsToHealthy;
        const url = (port) => pulumi.interpolate `postgresql://postgres:${passwords.superuser}@127.0.0.1:${port}/postgres`;
        this.readWriteConnection = pulumi.secret(url(config.ports.readWrite));
        this.readOnlyConnection = pulumi.secret(url(config.ports.readOnly));
        const ports = { readWrite: config.ports.readWrite, readOnly: config.ports.readOnly, haproxyStats: config.ports.haproxyStats };
        this.inventory = pulumi
            .all([readiness.leader, etcd.members.map((m) => m.ip), patroni.nodes.map((n) => n.ip), haproxy.container.ip, monitoringHosts.map((h) => h.ip)])
            .apply(([leader, etcdIps, pgIps, haproxyIp, monitoringIps]) => (0, lab_inventory_1.labInventory)({
            leader, ports,
            etcd: etcd.members.map((m, i) => ({ ...m, ip: etcdIps[i] })),
            patroni: patroni.nodes.map((n, i) => ({ ...n, ip: pgIps[i] })),
            haproxy: { container: haproxy.container.containerName, ip: haproxyIp },
            monitoring: monitoringHosts.map((h, i) => ({ ...h, ip: monitoringIps[i] })),
        }));
        if (key) {
            this.sshPrivateKey = key.privateKey;
            this.sshTargets = this.inventory.apply((inv) => (0, lab_inventory_1.labSshTargets)(inv, config.scope, config.ssh.portBase, ports));
        }
        this.registerOutputs({ network: this.network, inventory: this.inventory, leader: this.leader });
    }
}
exports.Lab = Lab;
/** The base image, then a builder of each role's image on top of it. */
function roleImages(args, opts) {
    const base = (0, resources_1.labImage)("image-base", { repository: "pgchaos/base", contextDir: path.join(args.imagesDir, "base"), buildArgs: { BASE_IMAGE: args.baseImage } }, opts);
    return (role) => (0, resources_1.labImage)(`image-${role}`, { repository: `pgchaos/${role}`, contextDir: path.join(args.imagesDir, role), buildArgs: { PGCHAOS_BASE: base.tag } }, { ...opts, dependsOn: [base.image] }).image.imageId;
}
/** The wait for a healthy cluster, run again whenever a member is recreated. */
function readinessOf(config, patroni, members, password, opts) {
    return (0, readiness_1.labReadiness)("readiness", {
        patroniRest: Object.fromEntries(patroni.nodes.map((n) => [n.name, `http://127.0.0.1:${n.hostRestPort}`])),
        containers: Object.fromEntries(patroni.nodes.map((n) => [n.name, n.container])),
        readWritePort: config.ports.readWrite,
        readOnlyPort: config.ports.readOnly,
        password,
        timeoutSeconds: config.readinessTimeoutSeconds,
        // Any recreated member (new create script output) means the wait must run again.
        generation: pulumi.all(members.map((m) => m.resource.id)).apply((ids) => ids.join(",")),
    }, { ...opts, dependsOn: members.map((m) => m.resource) });
}
