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
exports.Monitoring = void 0;
// The monitoring component: Prometheus, Alertmanager and a receiver on the lab network.
const pulumi = __importStar(require("@pulumi/pulumi"));
const resources_1 = require("../docker/resources");
const config_1 = require("./config");
const rules_1 = require("./rules");
/**
 * Prometheus, Alertmanager and the lab's alert receiver, each a container on the lab network with a
 * memory limit, published on 127.0.0.1. Prometheus keeps its TSDB and the receiver its SQLite file on
 * volumes, and both restart after a crash (e.g. an OOM kill), so an outage's data survives its monitor.
 * Configuration and rules travel in each container's definition: any change recreates that container.
 */
class Monitoring extends pulumi.ComponentResource {
    constructor(name, args, opts) {
        super("pgchaos:lab:Monitoring", name, {}, opts);
        const { naming, config } = args;
        const child = { parent: this };
        this.prometheusYaml = (0, config_1.renderPrometheusYaml)({
            lab: naming.prefix,
            scrapeIntervalSeconds: config.scrapeIntervalSeconds,
            evaluationIntervalSeconds: config.evaluationIntervalSeconds,
            members: args.members,
        });
        this.alertmanagerYaml = (0, config_1.renderAlertmanagerYaml)(config.alertmanager);
        this.ruleFiles = (0, rules_1.loadRuleFiles)(args.rulesDir ?? rules_1.DEFAULT_RULES_DIR);
        const volume = (member) => (0, resources_1.labVolume)(`${member}-data`, { volumeName: naming.volume(member), owner: naming.owner }, child);
        const container = (member, spec, dependsOn = []) => (0, resources_1.labContainer)(member, naming.container(member), {
            subnet: args.subnet,
            spec: pulumi.output(args.image).apply((image) => ({
                image,
                hostname: member,
                network: naming.network,
                labels: (0, resources_1.ownerLabels)(naming.owner, { "pgchaos.role": "monitoring", "pgchaos.member": member }),
                env: spec.env,
                ports: [{ host: spec.hostPort, container: spec.port }],
                volumes: spec.volumes,
                memoryMiB: spec.memoryMiB,
                // Python and the shell do not forward signals as PID 1; tini does, so `docker stop` is prompt.
                init: true,
                // Unlike lab members (whose stops are faults), the monitor comes back by itself after a crash.
                restart: "on-failure",
                command: spec.command,
            })),
        }, { ...child, dependsOn });
        const receiverVolume = volume(config_1.MONITORING_HOSTS.receiver);
        const receiver = container(config_1.MONITORING_HOSTS.receiver, {
            port: config_1.RECEIVER_PORT, hostPort: config.ports.receiver, memoryMiB: config.memoryLimitMiB.receiver,
            volumes: [{ name: naming.volume(config_1.MONITORING_HOSTS.receiver), path: config_1.RECEIVER_DATA_DIR }],
            command: (0, config_1.receiverArgs)(),
        }, [receiverVolume]);
        const alertmanager = container(config_1.MONITORING_HOSTS.alertmanager, {
            port: config_1.ALERTMANAGER_PORT, hostPort: config.ports.alertmanager, memoryMiB: config.memoryLimitMiB.alertmanager,
            env: { PGCHAOS_FILES_B64: (0, config_1.filesEnvValue)({ "alertmanager.yml": this.alertmanagerYaml }), GOMEMLIMIT: (0, config_1.goMemLimit)(config.memoryLimitMiB.alertmanager) },
            command: ["pgchaos-files-then", ...(0, config_1.alertmanagerArgs)()],
        }, [receiver.resource]);
        const prometheusVolume = volume(config_1.MONITORING_HOSTS.prometheus);
        const prometheus = container(config_1.MONITORING_HOSTS.prometheus, {
            port: config_1.PROMETHEUS_PORT, hostPort: config.ports.prometheus, memoryMiB: config.memoryLimitMiB.prometheus,
            env: {
                PGCHAOS_FILES_B64: (0, config_1.filesEnvValue)({ "prometheus.yml": this.prometheusYaml, ...this.ruleFiles }),
                GOMEMLIMIT: (0, config_1.goMemLimit)(config.memoryLimitMiB.prometheus),
            },
            volumes: [{ name: naming.volume(config_1.MONITORING_HOSTS.prometheus), path: config_1.PROMETHEUS_DATA_DIR }],
            command: ["pgchaos-files-then", ...(0, config_1.prometheusArgs)(config)],
        }, [prometheusVolume, alertmanager.resource]);
        this.containers = [receiver, alertmanager, prometheus];
        this.hosts = [
            { name: config_1.MONITORING_HOSTS.prometheus, container: prometheus.containerName, port: config_1.PROMETHEUS_PORT, hostPort: config.ports.prometheus, ip: prometheus.ip },
            { name: config_1.MONITORING_HOSTS.alertmanager, container: alertmanager.containerName, port: config_1.ALERTMANAGER_PORT, hostPort: config.ports.alertmanager, ip: alertmanager.ip },
        ];
        this.endpoints = {
            prometheus: `http://127.0.0.1:${config.ports.prometheus}`,
            alertmanager: `http://127.0.0.1:${config.ports.alertmanager}`,
            receiver: `http://127.0.0.1:${config.ports.receiver}`,
        };
        this.registerOutputs({ endpoints: this.endpoints });
    }
}
exports.Monitoring = Monitoring;
