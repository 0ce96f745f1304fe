// The HAProxy component: a read-write port to the Patroni leader and a read-only port to replicas.
import * as pulumi from "@pulumi/pulumi";
import { sshHostPort } from "../lab/ssh";
import { labContainer, ownerLabels, type LabContainer } from "../docker/resources";
import { withNodeExporter } from "../lab/exporters";
import { HAPROXY_MEMBER, memberHostNumber, type LabNaming } from "../lab/naming";
import { HAPROXY_RO_PORT, HAPROXY_RW_PORT, HAPROXY_STATS_PORT, renderHaproxyCfg, type HaproxyBackendNode, type HaproxyChecks } from "./config";

export interface HaproxyArgs {
  naming: LabNaming;
  image: pulumi.Input<string>;
  /** The lab network's /24: HAProxy takes a fixed address on it. */
  subnet: pulumi.Input<string>;
  nodes: HaproxyBackendNode[];
  checks: HaproxyChecks;
  readWritePort: number;
  readOnlyPort: number;
  statsPort: number;
  memoryMiB: number;
  /** Start Prometheus' node exporter beside HAProxy (monitoring on). */
  nodeExporter?: boolean;
  /** The lab's SSH mode: sshd ports from this base (components/lab/ssh.ts) and the authorized key. */
  ssh?: { portBase: number; authorizedKey: pulumi.Output<string> };
}

/** HAProxy routing a read-write port to the Patroni leader and a read-only port to replicas. */
export class Haproxy extends pulumi.ComponentResource {
  public readonly container: LabContainer;
  public readonly config: string;

  constructor(name: string, args: HaproxyArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pgchaos:lab:Haproxy", name, {}, opts);
    const { naming } = args;
    this.config = renderHaproxyCfg({ nodes: args.nodes, checks: args.checks });
    this.container = labContainer(HAPROXY_MEMBER, naming.container(HAPROXY_MEMBER), {
      subnet: args.subnet,
      spec: pulumi.output(args.image).apply((image) => ({
        image,
        hostname: HAPROXY_MEMBER,
        ipHost: memberHostNumber(HAPROXY_MEMBER),
        network: naming.network,
        labels: ownerLabels(naming.owner, { "pgchaos.role": "haproxy", "pgchaos.member": HAPROXY_MEMBER }),
        env: { HAPROXY_CFG_B64: Buffer.from(this.config).toString("base64") },
        ports: [
          { host: args.readWritePort, container: HAPROXY_RW_PORT },
          { host: args.readOnlyPort, container: HAPROXY_RO_PORT },
          { host: args.statsPort, container: HAPROXY_STATS_PORT },
        ],
        memoryMiB: args.memoryMiB,
        capAdd: ["NET_ADMIN"],
        command: withNodeExporter(args.nodeExporter, ["bash", "-c", `printf '%s' "$HAPROXY_CFG_B64" | base64 -d > /etc/haproxy/haproxy.cfg && exec haproxy -W -db -f /etc/haproxy/haproxy.cfg`]),
      })),
      ssh: args.ssh ? args.ssh.authorizedKey.apply((authorizedKey) => ({ hostPort: sshHostPort(args.ssh!.portBase, HAPROXY_MEMBER), authorizedKey })) : undefined,
    }, { parent: this });
    this.registerOutputs({ container: this.container.containerName });
  }
}
