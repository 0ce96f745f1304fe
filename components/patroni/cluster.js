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
exports.PatroniCluster = exports.patroniEntrypoint = exports.PATRONI_ENTRYPOINT = exports.PATRONI_SECRET_ENV = void 0;
// The Patroni component: PostgreSQL members managed by Patroni on the lab network.
const pulumi = __importStar(require("@pulumi/pulumi"));
const ssh_1 = require("../lab/ssh");
const resources_1 = require("../docker/resources");
const exporters_1 = require("../lab/exporters");
const naming_1 = require("../lab/naming");
const config_1 = require("./config");
/** Patroni reads its passwords from these variables; their values never appear on a command line. */
exports.PATRONI_SECRET_ENV = ["PATRONI_SUPERUSER_PASSWORD", "PATRONI_REPLICATION_PASSWORD", "PATRONI_REWIND_PASSWORD"];
/** The container's entrypoint: write patroni.yml from the environment (restart-safe), then run Patroni. */
exports.PATRONI_ENTRYPOINT = [
    "bash", "-c",
    `printf '%s' "$PATRONI_YML_B64" | base64 -d > ${config_1.PATRONI_CONFIG_PATH} && exec patroni ${config_1.PATRONI_CONFIG_PATH}`,
];
/** The entrypoint with the exporters started first (each container start), Patroni still exec'd last. */
const patroniEntrypoint = (exporters = false) => exporters
    ? (0, exporters_1.withNodeExporter)(true, [
        "bash", "-c",
        `printf '%s' "$PATRONI_YML_B64" | base64 -d > ${config_1.PATRONI_CONFIG_PATH} && ${exporters_1.POSTGRES_EXPORTER_START} && exec patroni ${config_1.PATRONI_CONFIG_PATH}`,
    ])
    : exports.PATRONI_ENTRYPOINT;
exports.patroniEntrypoint = patroniEntrypoint;
/** PostgreSQL 15 under Patroni 3 (etcd3 DCS), one container and data volume per node. */
class PatroniCluster extends pulumi.ComponentResource {
    constructor(name, args, opts) {
        super("pgchaos:lab:PatroniCluster", name, {}, opts);
        const { naming } = args;
        const secretEnvironment = pulumi.secret({
            PATRONI_SUPERUSER_PASSWORD: args.passwords.superuser,
            PATRONI_REPLICATION_PASSWORD: args.passwords.replication,
            PATRONI_REWIND_PASSWORD: args.passwords.rewind,
        });
        this.containers = args.nodes.map((node, i) => {
            const volume = (0, resources_1.labVolume)(`${node}-data`, { volumeName: naming.volume(node), owner: naming.owner }, { parent: this });
            const yaml = pulumi.output(args.subnet).apply((subnet) => (0, config_1.renderPatroniYaml)({ scope: args.scope, name: node, etcdHosts: args.etcdHosts, subnet, dcs: args.dcs, postgresParameters: args.postgresParameters }));
            return (0, resources_1.labContainer)(node, naming.container(node), {
                subnet: args.subnet,
                secretEnvironment,
                spec: pulumi.all([args.image, yaml]).apply(([image, y]) => ({
                    image,
                    hostname: node,
                    ipHost: (0, naming_1.memberHostNumber)(node),
                    network: naming.network,
                    labels: (0, resources_1.ownerLabels)(naming.owner, { "pgchaos.role": "patroni", "pgchaos.member": node }),
                    user: "postgres",
                    env: { PATRONI_YML_B64: Buffer.from(y).toString("base64") },
                    secretEnv: exports.PATRONI_SECRET_ENV,
                    ports: [
                        { host: args.postgresPortBase + i, container: config_1.POSTGRES_PORT },
                        { host: args.restPortBase + i, container: config_1.PATRONI_REST_PORT },
                    ],
                    volumes: [{ name: naming.volume(node), path: config_1.PG_DATA_DIR }],
                    memoryMiB: args.memoryMiB,
                    capAdd: ["NET_ADMIN"],
                    init: true,
                    command: (0, exports.patroniEntrypoint)(args.exporters),
                })),
                ssh: args.ssh ? args.ssh.authorizedKey.apply((authorizedKey) => ({ hostPort: (0, ssh_1.sshHostPort)(args.ssh.portBase, node), authorizedKey })) : undefined,
            }, { parent: this, dependsOn: [volume] });
        });
        this.nodes = args.nodes.map((node, i) => ({
            name: node,
            container: naming.container(node),
            ip: this.containers[i].ip,
            postgresPort: config_1.POSTGRES_PORT,
            restPort: config_1.PATRONI_REST_PORT,
            hostPostgresPort: args.postgresPortBase + i,
            hostRestPort: args.restPortBase + i,
        }));
        this.registerOutputs({ nodes: this.nodes });
    }
}
exports.PatroniCluster = PatroniCluster;
