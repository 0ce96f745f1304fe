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
exports.Haproxy = void 0;
// The HAProxy component: a read-write port to the Patroni leader and a read-only port to replicas.
const pulumi = __importStar(require("@pulumi/pulumi"));
const ssh_1 = require("../lab/ssh");
const resources_1 = require("../docker/resources");
const exporters_1 = require("../lab/exporters");
const naming_1 = require("../lab/naming");
const config_1 = require("./config");
/** HAProxy routing a read-write port to the Patroni leader and a read-only port to replicas. */
class Haproxy extends pulumi.ComponentResource {
    constructor(name, args, opts) {
        super("pgchaos:lab:Haproxy", name, {}, opts);
        const { naming } = args;
        this.config = (0, config_1.renderHaproxyCfg)({ nodes: args.nodes, checks: args.checks });
        this.container = (0, resources_1.labContainer)(naming_1.HAPROXY_MEMBER, naming.container(naming_1.HAPROXY_MEMBER), {
            subnet: args.subnet,
            spec: pulumi.output(args.image).apply((image) => ({
                image,
                hostname: naming_1.HAPROXY_MEMBER,
                ipHost: (0, naming_1.memberHostNumber)(naming_1.HAPROXY_MEMBER),
                network: naming.network,
                labels: (0, resources_1.ownerLabels)(naming.owner, { "pgchaos.role": "haproxy", "pgchaos.member": naming_1.HAPROXY_MEMBER }),
                env: { HAPROXY_CFG_B64: Buffer.from(this.config).toString("base64") },
                ports: [
                    { host: args.readWritePort, container: config_1.HAPROXY_RW_PORT },
                    { host: args.readOnlyPort, container: config_1.HAPROXY_RO_PORT },
                    { host: args.statsPort, container: config_1.HAPROXY_STATS_PORT },
                ],
                memoryMiB: args.memoryMiB,
                capAdd: ["NET_ADMIN"],
                command: (0, exporters_1.withNodeExporter)(args.nodeExporter, ["bash", "-c", `printf '%s' "$HAPROXY_CFG_B64" | base64 -d > /etc/haproxy/haproxy.cfg && exec haproxy -W -db -f /etc/haproxy/haproxy.cfg`]),
            })),
            ssh: args.ssh ? args.ssh.authorizedKey.apply((authorizedKey) => ({ hostPort: (0, ssh_1.sshHostPort)(args.ssh.portBase, naming_1.HAPROXY_MEMBER), authorizedKey })) : undefined,
        }, { parent: this });
        this.registerOutputs({ container: this.container.containerName });
    }
}
exports.Haproxy = Haproxy;
