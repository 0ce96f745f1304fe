// The etcd component: members on the lab network, each with a data volume and a client port on 127.0.0.1.
import * as pulumi from "@pulumi/pulumi";
import { sshHostPort } from "../lab/ssh";
import { labContainer, labVolume, ownerLabels, type LabContainer } from "../docker/resources";
import { withNodeExporter } from "../lab/exporters";
import { memberHostNumber, type LabNaming } from "../lab/naming";
import { ETCD_CLIENT_PORT, etcdFlags } from "./config";

export interface EtcdClusterArgs {
  naming: LabNaming;
  image: pulumi.Input<string>;
  /** The lab network's /24: members take fixed addresses on it. */
  subnet: pulumi.Input<string>;
  members: string[];
  clientPortBase: number;
  memoryMiB: number;
  /** Start Prometheus' node exporter beside etcd (monitoring on). */
  nodeExporter?: boolean;
  /** The lab's SSH mode: sshd ports from this base (components/lab/ssh.ts) and the authorized key. */
  ssh?: { portBase: number; authorizedKey: pulumi.Output<string> };
}

export interface EtcdMemberInfo {
  name: string;
  container: string;
  ip: pulumi.Output<string>;
  clientPort: number;
  hostClientPort: number;
}

/** etcd members on the lab network, each with its own data volume and a client port on 127.0.0.1. */
export class EtcdCluster extends pulumi.ComponentResource {
  public readonly members: EtcdMemberInfo[];
  public readonly containers: LabContainer[];

  constructor(name: string, args: EtcdClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pgchaos:lab:EtcdCluster", name, {}, opts);
    const { naming } = args;
    this.containers = args.members.map((member, i) => {
      const volume = labVolume(`${member}-data`, { volumeName: naming.volume(member), owner: naming.owner }, { parent: this });
      return labContainer(member, naming.container(member), {
        subnet: args.subnet,
        spec: pulumi.output(args.image).apply((image) => ({
          image,
          hostname: member,
          ipHost: memberHostNumber(member),
          network: naming.network,
          labels: ownerLabels(naming.owner, { "pgchaos.role": "etcd", "pgchaos.member": member }),
          ports: [{ host: args.clientPortBase + i, container: ETCD_CLIENT_PORT }],
          volumes: [{ name: naming.volume(member), path: "/var/lib/etcd" }],
          memoryMiB: args.memoryMiB,
          capAdd: ["NET_ADMIN"],
          command: withNodeExporter(args.nodeExporter, etcdFlags({ name: member, members: args.members, clusterToken: naming.prefix })),
        })),
        ssh: args.ssh ? args.ssh.authorizedKey.apply((authorizedKey) => ({ hostPort: sshHostPort(args.ssh!.portBase, member), authorizedKey })) : undefined,
      }, { parent: this, dependsOn: [volume] });
    });
    this.members = args.members.map((member, i) => ({
      name: member,
      container: naming.container(member),
      ip: this.containers[i].ip,
      clientPort: ETCD_CLIENT_PORT,
      hostClientPort: args.clientPortBase + i,
    }));
    this.registerOutputs({ members: this.members });
  }
}
