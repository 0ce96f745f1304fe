// The whole lab as one component: images, network, etcd, Patroni, HAProxy, readiness, monitoring.
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import type { LabConfig } from "../../stacks/config";
import { labImage, labNetwork } from "../docker/resources";
import { EtcdCluster } from "../etcd/cluster";
import { Haproxy } from "../haproxy/haproxy";
import { Monitoring, type MonitoringEndpoints, type MonitoringHost } from "../monitoring/monitoring";
import { PatroniCluster } from "../patroni/cluster";
import { PATRONI_REST_PORT, POSTGRES_PORT } from "../patroni/config";
import { stackPassword } from "../secrets/password";
import { etcdMemberNames, HAPROXY_MEMBER, labNaming, patroniNodeNames } from "./naming";
import { labReadiness } from "./readiness";
import { labSshKey } from "./ssh";
import { labInventory, labSshTargets, type InventoryMember, type LabSshTargets } from "./lab-inventory";

export type { InventoryMember } from "./lab-inventory";

export interface LabArgs {
  config: LabConfig;
  project: string;
  stack: string;
  /** Directory holding the Dockerfiles (images/ in the repo). */
  imagesDir: string;
  baseImage: string;
}

/**
 * The whole lab: images, a private network, etcd, Patroni/PostgreSQL and HAProxy, ending with a wait for
 * a healthy cluster, then (pgchaos:monitoring.enabled) Prometheus, Alertmanager and the alert receiver.
 */
export class Lab extends pulumi.ComponentResource {
  public readonly network: string;
  public readonly subnet: pulumi.Output<string>;
  public readonly superuserPassword: pulumi.Output<string>;
  public readonly readWriteConnection: pulumi.Output<string>;
  public readonly readOnlyConnection: pulumi.Output<string>;
  public readonly inventory: pulumi.Output<InventoryMember[]>;
  public readonly leader: pulumi.Output<string>;
  public readonly secondsToHealthy: pulumi.Output<number>;
  /** SSH mode: the inventory a chaos stack takes as pgchaos:targets, and the key (a secret). */
  public readonly sshTargets?: pulumi.Output<LabSshTargets>;
  public readonly sshPrivateKey?: pulumi.Output<string>;
  /** URLs on 127.0.0.1 of Prometheus, Alertmanager and the alert receiver (monitoring on). */
  public readonly monitoring?: MonitoringEndpoints;

  constructor(name: string, args: LabArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pgchaos:lab:Lab", name, {}, opts);
    const { config } = args;
    const naming = labNaming(config.scope, args.project, args.stack);
    const child = { parent: this };

    const roleImage = roleImages(args, child);
    const [etcdImage, patroniImage, haproxyImage] = ["etcd", "patroni", "haproxy"].map(roleImage);

    const { network, subnet } = labNetwork("network", { networkName: naming.network, owner: naming.owner }, child);
    this.network = naming.network;
    this.subnet = subnet;

    const password = (role: string) => stackPassword(`password-${role}`, child);
    const passwords = { superuser: password("superuser"), replication: password("replication"), rewind: password("rewind") };
    this.superuserPassword = passwords.superuser;

    const exporters = config.monitoring.enabled;
    const key = config.ssh.enabled ? labSshKey("ssh-key", `pgchaos-lab-${args.stack}`, child) : undefined;
    const ssh = key ? { portBase: config.ssh.portBase, authorizedKey: key.publicKey } : undefined;
    const etcdMembers = etcdMemberNames(config.etcdMembers);
    const etcd = new EtcdCluster("etcd", {
      naming, image: etcdImage, subnet, members: etcdMembers, clientPortBase: config.ports.etcdClientBase, memoryMiB: config.memoryLimitMiB.etcd,
      nodeExporter: exporters, ssh,
    }, { ...child, dependsOn: [network] });

    const nodes = patroniNodeNames(config.patroniNodes);
    const patroni = new PatroniCluster("patroni", {
      naming, image: patroniImage, scope: config.scope, nodes, etcdHosts: etcdMembers, subnet,
      dcs: config.dcs, postgresParameters: config.postgresParameters, passwords,
      postgresPortBase: config.ports.postgresBase, restPortBase: config.ports.patroniRestBase, memoryMiB: config.memoryLimitMiB.patroni,
      exporters, ssh,
    }, { ...child, dependsOn: [network, etcd] });

    const haproxy = new Haproxy("haproxy", {
      naming, image: haproxyImage, subnet,
      nodes: nodes.map((n) => ({ name: n, postgresPort: POSTGRES_PORT, restPort: PATRONI_REST_PORT })), checks: config.haproxy,
      readWritePort: config.ports.readWrite, readOnlyPort: config.ports.readOnly, statsPort: config.ports.haproxyStats,
      memoryMiB: config.memoryLimitMiB.haproxy,
      nodeExporter: exporters, ssh,
    }, { ...child, dependsOn: [network, patroni] });

    const members = [...etcd.containers, ...patroni.containers, haproxy.container];
    const readiness = readinessOf(config, patroni, members, passwords.superuser, child);
    this.leader = readiness.leader;

    let monitoringHosts: MonitoringHost[] = [];
    if (config.monitoring.enabled) {
      // Its image builds with the others; its containers start once the lab is healthy, so the first
      // alerts are about faults, not about the lab coming up.
      const monitoring = new Monitoring("monitoring", {
        naming, image: roleImage("monitoring"), subnet, config: config.monitoring,
        members: { etcd: etcdMembers, patroni: nodes, haproxy: [HAPROXY_MEMBER] },
      }, { ...child, dependsOn: [readiness.command] });
      this.monitoring = monitoring.endpoints;
      monitoringHosts = monitoring.hosts;
    }
    this.secondsToHealthy = readiness.secondsToHealthy;

    const url = (port: number) => pulumi.interpolate`postgresql://postgres:${passwords.superuser}@127.0.0.1:${port}/postgres`;
    this.readWriteConnection = pulumi.secret(url(config.ports.readWrite));
    this.readOnlyConnection = pulumi.secret(url(config.ports.readOnly));

    const ports = { readWrite: config.ports.readWrite, readOnly: config.ports.readOnly, haproxyStats: config.ports.haproxyStats };
    this.inventory = pulumi
      .all([readiness.leader, etcd.members.map((m) => m.ip), patroni.nodes.map((n) => n.ip), haproxy.container.ip, monitoringHosts.map((h) => h.ip)])
      .apply(([leader, etcdIps, pgIps, haproxyIp, monitoringIps]) => labInventory({
        leader, ports,
        etcd: etcd.members.map((m, i) => ({ ...m, ip: etcdIps[i] })),
        patroni: patroni.nodes.map((n, i) => ({ ...n, ip: pgIps[i] })),
        haproxy: { container: haproxy.container.containerName, ip: haproxyIp },
        monitoring: monitoringHosts.map((h, i) => ({ ...h, ip: monitoringIps[i] })),
      }));
    if (key) {
      this.sshPrivateKey = key.privateKey;
      this.sshTargets = this.inventory.apply((inv) => labSshTargets(inv, config.scope, config.ssh.portBase, ports));
    }
    this.registerOutputs({ network: this.network, inventory: this.inventory, leader: this.leader });
  }
}

/** The base image, then a builder of each role's image on top of it. */
function roleImages(args: LabArgs, opts: pulumi.ResourceOptions): (role: string) => pulumi.Output<string> {
  const base = labImage("image-base", { repository: "pgchaos/base", contextDir: path.join(args.imagesDir, "base"), buildArgs: { BASE_IMAGE: args.baseImage } }, opts);
  return (role: string) =>
    labImage(`image-${role}`, { repository: `pgchaos/${role}`, contextDir: path.join(args.imagesDir, role), buildArgs: { PGCHAOS_BASE: base.tag } }, { ...opts, dependsOn: [base.image] }).image.imageId;
}

/** The wait for a healthy cluster, run again whenever a member is recreated. */
function readinessOf(config: LabConfig, patroni: PatroniCluster, members: { resource: pulumi.Resource & { id: pulumi.Output<string> } }[], password: pulumi.Output<string>, opts: pulumi.ResourceOptions) {
  return labReadiness("readiness", {
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
