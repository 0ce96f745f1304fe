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
exports.EtcdCluster = void 0;
// The etcd component: members on the lab network, each with a data volume and a client port on 127.0.0.1.
const pulumi = __importStar(require("@pulumi/pulumi"));
const ssh_1 = require("../lab/ssh");
const resources_1 = require("../docker/resources");
const exporters_1 = require("../lab/exporters");
const naming_1 = require("../lab/naming");
const config_1 = require("./config");
/** etcd members on the lab network, each with its own data volume and a client port on 127.0.0.1. */
class EtcdCluster extends pulumi.ComponentResource {
    constructor(name, args, opts) {
        super("pgchaos:lab:EtcdCluster", name, {}, opts);
        const { naming } = args;
        this.containers = args.members.map((member, i) => {
            const volume = (0, resources_1.labVolume)(`${member}-data`, { volumeName: naming.volume(member), owner: naming.owner }, { parent: this });
            return (0, resources_1.labContainer)(member, naming.container(member), {
                subnet: args.subnet,
                spec: pulumi.output(args.image).apply((image) => ({
                    image,
                    hostname: member,
                    ipHost: (0, naming_1.memberHostNumber)(member),
                    network: naming.network,
                    labels: (0, resources_1.ownerLabels)(naming.owner, { "pgchaos.role": "etcd", "pgchaos.member": member }),
                    ports: [{ host: args.clientPortBase + i, container: config_1.ETCD_CLIENT_PORT }],
                    volumes: [{ name: naming.volume(member), path: "/var/lib/etcd" }],
                    memoryMiB: args.memoryMiB,
                    capAdd: ["NET_ADMIN"],
                    command: (0, exporters_1.withNodeExporter)(args.nodeExporter, (0, config_1.etcdFlags)({ name: member, members: args.members, clusterToken: naming.prefix })),
                })),
                ssh: args.ssh ? args.ssh.authorizedKey.apply((authorizedKey) => ({ hostPort: (0, ssh_1.sshHostPort)(args.ssh.portBase, member), authorizedKey })) : undefined,
            }, { parent: this, dependsOn: [volume] });
        });
        this.members = args.members.map((member, i) => ({
            name: member,
            container: naming.container(member),
            ip: this.containers[i].ip,
            clientPort: config_1.ETCD_CLIENT_PORT,
            hostClientPort: args.clientPortBase + i,
        }));
        this.registerOutputs({ members: this.members });
    }
}
exports.EtcdCluster = EtcdCluster;
