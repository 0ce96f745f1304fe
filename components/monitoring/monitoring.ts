// The monitoring component: Prometheus, Alertmanager and a receiver on the lab network.
import * as pulumi from "@pulumi/pulumi";
import type { MonitoringConfig } from "../../stacks/config";
import type { ContainerSpec } from "../docker/commands";
import { labContainer, labVolume, ownerLabels, type LabContainer } from "../docker/resources";
import type { LabNaming } from "../lab/naming";
import {
  ALERTMANAGER_PORT,
  alertmanagerArgs,
  filesEnvValue,
  goMemLimit,
  MONITORING_HOSTS,
  PROMETHEUS_DATA_DIR,
  PROMETHEUS_PORT,
  prometheusArgs,
  RECEIVER_DATA_DIR,
  RECEIVER_PORT,
  receiverArgs,
  renderAlertmanagerYaml,
  renderPrometheusYaml,
  type LabMembers,
} from "./config";
import { DEFAULT_RULES_DIR, loadRuleFiles } from "./rules";

export interface MonitoringArgs {
  naming: LabNaming;
  /** The monitoring image (Prometheus, Alertmanager, the receiver). */
  image: pulumi.Input<string>;
  /** The lab network's /24 (monitoring containers take Docker-assigned addresses on its upper half). */
  subnet: pulumi.Input<string>;
  config: MonitoringConfig;
  members: LabMembers;
  /** Directory of `*.rules.yml` files; the repository's monitoring/rules by default. */
  rulesDir?: string;
}

/** A monitoring container as the lab's inventory lists it: a fault target for node-stop (monitoring down). */
export interface MonitoringHost {
  name: string;
  container: string;
  port: number;
  hostPort: number;
  /** The container's address on the lab network (docker.Container's networkDatas). */
  ip: pulumi.Output<string>;
}

export interface MonitoringEndpoints {
  prometheus: string;
  alertmanager: string;
  receiver: string;
}

/**
 * Prometheus, Alertmanager and the lab's alert receiver, each a container on the lab network with a
 * memory limit, published on 127.0.0.1. Prometheus keeps its TSDB and the receiver its SQLite file on
 * volumes, and both restart after a crash (e.g. an OOM kill), so an outage's data survives its monitor.
 * Configuration and rules travel in each container's definition: any change recreates that container.
 */
export class Monitoring extends pulumi.ComponentResource {
  public readonly endpoints: MonitoringEndpoints;
  public readonly prometheusYaml: string;
  public readonly alertmanagerYaml: string;
  public readonly ruleFiles: Record<string, string>;
  public readonly containers: LabContainer[];
  public readonly hosts: MonitoringHost[];

  constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pgchaos:lab:Monitoring", name, {}, opts);
    const { naming, config } = args;
    const child = { parent: this };
    this.prometheusYaml = renderPrometheusYaml({
      lab: naming.prefix,
      scrapeIntervalSeconds: config.scrapeIntervalSeconds,
      evaluationIntervalSeconds: config.evaluationIntervalSeconds,
      members: args.members,
    });
    this.alertmanagerYaml = renderAlertmanagerYaml(config.alertmanager);
    this.ruleFiles = loadRuleFiles(args.rulesDir ?? DEFAULT_RULES_DIR);

    const volume = (member: string) => labVolume(`${member}-data`, { volumeName: naming.volume(member), owner: naming.owner }, child);
    const container = (
      member: string,
      spec: { port: number; hostPort: number; memoryMiB: number; env?: Record<string, string>; volumes?: Array<{ name: string; path: string }>; command: string[] },
      dependsOn: pulumi.Resource[] = [],
    ) =>
      labContainer(member, naming.container(member), {
        subnet: args.subnet,
        spec: pulumi.output(args.image).apply((image): Omit<ContainerSpec, "name"> => ({
          image,
          hostname: member,
          network: naming.network,
          labels: ownerLabels(naming.owner, { "pgchaos.role": "monitoring", "pgchaos.member": member }),
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

    const receiverVolume = volume(MONITORING_HOSTS.receiver);
    const receiver = container(MONITORING_HOSTS.receiver, {
      port: RECEIVER_PORT, hostPort: config.ports.receiver, memoryMiB: config.memoryLimitMiB.receiver,
      volumes: [{ name: naming.volume(MONITORING_HOSTS.receiver), path: RECEIVER_DATA_DIR }],
      command: receiverArgs(),
    }, [receiverVolume]);

    const alertmanager = container(MONITORING_HOSTS.alertmanager, {
      port: ALERTMANAGER_PORT, hostPort: config.ports.alertmanager, memoryMiB: config.memoryLimitMiB.alertmanager,
      env: { PGCHAOS_FILES_B64: filesEnvValue({ "alertmanager.yml": this.alertmanagerYaml }), GOMEMLIMIT: goMemLimit(config.memoryLimitMiB.alertmanager) },
      command: ["pgchaos-files-then", ...alertmanagerArgs()],
    }, [receiver.resource]);

    const prometheusVolume = volume(MONITORING_HOSTS.prometheus);
    const prometheus = container(MONITORING_HOSTS.prometheus, {
      port: PROMETHEUS_PORT, hostPort: config.ports.prometheus, memoryMiB: config.memoryLimitMiB.prometheus,
      env: {
        PGCHAOS_FILES_B64: filesEnvValue({ "prometheus.yml": this.prometheusYaml, ...this.ruleFiles }),
        GOMEMLIMIT: goMemLimit(config.memoryLimitMiB.prometheus),
      },
      volumes: [{ name: naming.volume(MONITORING_HOSTS.prometheus), path: PROMETHEUS_DATA_DIR }],
      command: ["pgchaos-files-then", ...prometheusArgs(config)],
    }, [prometheusVolume, alertmanager.resource]);

    this.containers = [receiver, alertmanager, prometheus];
    this.hosts = [
      { name: MONITORING_HOSTS.prometheus, container: prometheus.containerName, port: PROMETHEUS_PORT, hostPort: config.ports.prometheus, ip: prometheus.ip },
      { name: MONITORING_HOSTS.alertmanager, container: alertmanager.containerName, port: ALERTMANAGER_PORT, hostPort: config.ports.alertmanager, ip: alertmanager.ip },
    ];
    this.endpoints = {
      prometheus: `http://127.0.0.1:${config.ports.prometheus}`,
      alertmanager: `http://127.0.0.1:${config.ports.alertmanager}`,
      receiver: `http://127.0.0.1:${config.ports.receiver}`,
    };
    this.registerOutputs({ endpoints: this.endpoints });
  }
}
