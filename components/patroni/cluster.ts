// The Patroni component: PostgreSQL members managed by Patroni on the lab network.
import * as pulumi from "@pulumi/pulumi";
import { sshHostPort } from "../lab/ssh";
import type { DcsConfig } from "../../stacks/config";
import { labContainer, labVolume, ownerLabels, type LabContainer } from "../docker/resources";
import { POSTGRES_EXPORTER_START, withNodeExporter } from "../lab/exporters";
import { memberHostNumber, type LabNaming } from "../lab/naming";
import { PATRONI_CONFIG_PATH, PATRONI_REST_PORT, PG_DATA_DIR, POSTGRES_PORT, renderPatroniYaml } from "./config";

export interface PatroniPasswords {
  superuser: pulumi.Input<string>;
  replication: pulumi.Input<string>;
  rewind: pulumi.Input<string>;
}

export interface PatroniClusterArgs {
  naming: LabNaming;
  image: pulumi.Input<string>;
  scope: string;
  nodes: string[];
  etcdHosts: string[];
  subnet: pulumi.Input<string>;
  dcs: DcsConfig;
  postgresParameters: Record<string, string | number | boolean>;
  passwords: PatroniPasswords;
  postgresPortBase: number;
  restPortBase: number;
  memoryMiB: number;
  /** Start the node exporter and the postgres exporter beside Patroni (monitoring on). */
  exporters?: boolean;
  /** The lab's SSH mode: sshd ports from this base (components/lab/ssh.ts) and the authorized key. */
  ssh?: { portBase: number; authorizedKey: pulumi.Output<string> };
}

export interface PatroniNodeInfo {
  name: string;
  container: string;
  ip: pulumi.Output<string>;
  postgresPort: number;
  restPort: number;
  hostPostgresPort: number;
  hostRestPort: number;
}

/** Patroni reads its passwords from these variables; their values never appear on a command line. */
export const PATRONI_SECRET_ENV = ["PATRONI_SUPERUSER_PASSWORD", "PATRONI_REPLICATION_PASSWORD", "PATRONI_REWIND_PASSWORD"];

/** The container's entrypoint: write patroni.yml from the environment (restart-safe), then run Patroni. */
export const PATRONI_ENTRYPOINT = [
  "bash", "-c",
  `printf '%s' "$PATRONI_YML_B64" | base64 -d > ${PATRONI_CONFIG_PATH} && exec patroni ${PATRONI_CONFIG_PATH}`,
];

/** The entrypoint with the exporters started first (each container start), Patroni still exec'd last. */
export const patroniEntrypoint = (exporters = false): string[] =>
  exporters
    ? withNodeExporter(true, [
      "bash", "-c",
      `printf '%s' "$PATRONI_YML_B64" | base64 -d > ${PATRONI_CONFIG_PATH} && ${POSTGRES_EXPORTER_START} && exec patroni ${PATRONI_CONFIG_PATH}`,
    ])
    : PATRONI_ENTRYPOINT;

/** PostgreSQL 15 under Patroni 3 (etcd3 DCS), one container and data volume per node. */
export class PatroniCluster extends pulumi.ComponentResource {
  public readonly nodes: PatroniNodeInfo[];
  public readonly containers: LabContainer[];

  constructor(name: string, args: PatroniClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pgchaos:lab:PatroniCluster", name, {}, opts);
    const { naming } = args;
    const secretEnvironment = pulumi.secret({
      PATRONI_SUPERUSER_PASSWORD: args.passwords.superuser,
      PATRONI_REPLICATION_PASSWORD: args.passwords.replication,
      PATRONI_REWIND_PASSWORD: args.passwords.rewind,
    });
    this.containers = args.nodes.map((node, i) => {
      const volume = labVolume(`${node}-data`, { volumeName: naming.volume(node), owner: naming.owner }, { parent: this });
      const yaml = pulumi.output(args.subnet).apply((subnet) =>
        renderPatroniYaml({ scope: args.scope, name: node, etcdHosts: args.etcdHosts, subnet, dcs: args.dcs, postgresParameters: args.postgresParameters }),
      );
      return labContainer(node, naming.container(node), {
        subnet: args.subnet,
        secretEnvironment,
        spec: pulumi.all([args.image, yaml]).apply(([image, y]) => ({
          image,
          hostname: node,
          ipHost: memberHostNumber(node),
          network: naming.network,
          labels: ownerLabels(naming.owner, { "pgchaos.role": "patroni", "pgchaos.member": node }),
          user: "postgres",
          env: { PATRONI_YML_B64: Buffer.from(y).toString("base64") },
          secretEnv: PATRONI_SECRET_ENV,
          ports: [
            { host: args.postgresPortBase + i, container: POSTGRES_PORT },
            { host: args.restPortBase + i, container: PATRONI_REST_PORT },
          ],
          volumes: [{ name: naming.volume(node), path: PG_DATA_DIR }],
          memoryMiB: args.memoryMiB,
          capAdd: ["NET_ADMIN"],
          init: true,
          command: patroniEntrypoint(args.exporters),
        })),
        ssh: args.ssh ? args.ssh.authorizedKey.apply((authorizedKey) => ({ hostPort: sshHostPort(args.ssh!.portBase, node), authorizedKey })) : undefined,
      }, { parent: this, dependsOn: [volume] });
    });
    this.nodes = args.nodes.map((node, i) => ({
      name: node,
      container: naming.container(node),
      ip: this.containers[i].ip,
      postgresPort: POSTGRES_PORT,
      restPort: PATRONI_REST_PORT,
      hostPostgresPort: args.postgresPortBase + i,
      hostRestPort: args.restPortBase + i,
    }));
    this.registerOutputs({ nodes: this.nodes });
  }
}
