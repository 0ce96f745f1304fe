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
import { LAB_SSH_USER, labSshKey, sshHostPort } from "./ssh";
import type { Targets } from "../../chaos/targets/inventory";

export interface LabArgs {
  config: LabConfig;
  project: string;
  stack: string;
  /** Directory holding the Dockerfiles (images/ in the repo). */
  imagesDir: string;
  baseImage: string;
}

export interface InventoryMember {
  name: string;
  kind: "etcd" | "patroni" | "haproxy" | "monitoring";
  roleAtCreation: string;
  container: string;
  ip: string;
  ports: Record<string, number>;
  hostPorts: Record<string, number>;
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
  public readonly sshTargets?: pulumi.Output<Targets>;
  public readonly sshPrivateKey?: pulumi.Output<string>;
  /** URLs on 127.0.0.1 of Prometheus, Alertmanager and the alert receiver (monitoring on). */
  public readonly monitoring?: MonitoringEndpoints;

  constructor(name: string, args: LabArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pgchaos:lab:Lab", name, {}, opts);
    const { config } = args;
    const naming = labNaming(config.scope, args.project, args.stack);
    const child = { parent: this };

    const base = labImage("image-base", { repository: "pgchaos/base", contextDir: path.join(args.imagesDir, "base"), buildArgs: { BASE_IMAGE: args.baseImage } }, child);
    const roleImage = (role: string) =>
      labImage(`image-${role}`, { repository: `pgchaos/${role}`, contextDir: path.join(args.imagesDir, role), buildArgs: { PGCHAOS_BASE: base.tag } }, { ...child, dependsOn: [base.image] }).image.imageId;
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
    const readiness = labReadiness("readiness", {
      patroniRest: Object.fromEntries(patroni.nodes.map((n) => [n.name, `http://127.0.0.1:${n.hostRestPort}`])),
      containers: Object.fromEntries(patroni.nodes.map((n) => [n.name, n.container])),
      readWritePort: config.ports.readWrite,
      readOnlyPort: config.ports.readOnly,
      password: passwords.superuser,
      timeoutSeconds: config.readinessTimeoutSeconds,
      // Any recreated member (new create script output) means the wait must run again.
      generation: pulumi.all(members.map((m) => m.resource.id)).apply((ids) => ids.join(",")),
    }, { ...child, dependsOn: members.map((m) => m.resource) });
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

    this.inventory = pulumi
      .all([readiness.leader, etcd.members.map((m) => m.ip), patroni.nodes.map((n) => n.ip), haproxy.container.ip, monitoringHosts.map((h) => h.ip)])
      .apply(([leader, etcdIps, pgIps, haproxyIp, monitoringIps]): InventoryMember[] => [
        ...etcd.members.map((m, i): InventoryMember => ({
          name: m.name, kind: "etcd", roleAtCreation: "member", container: m.container, ip: etcdIps[i],
          ports: { client: m.clientPort, peer: 2380 }, hostPorts: { client: m.hostClientPort },
        })),
        ...patroni.nodes.map((n, i): InventoryMember => ({
          name: n.name, kind: "patroni", roleAtCreation: n.name === leader ? "leader" : "replica", container: n.container, ip: pgIps[i],
          ports: { postgres: n.postgresPort, rest: n.restPort }, hostPorts: { postgres: n.hostPostgresPort, rest: n.hostRestPort },
        })),
        {
          name: HAPROXY_MEMBER, kind: "haproxy", roleAtCreation: "proxy", container: haproxy.container.containerName, ip: haproxyIp,
          ports: { readWrite: 5000, readOnly: 5001, stats: 8404 },
          hostPorts: { readWrite: config.ports.readWrite, readOnly: config.ports.readOnly, stats: config.ports.haproxyStats },
        },
        // Monitoring containers are fault targets too (node-stop only): what does an outage of the monitor do to alerting?
        ...monitoringHosts.map((h, i): InventoryMember => ({
          name: h.name, kind: "monitoring", roleAtCreation: "monitoring", container: h.container, ip: monitoringIps[i],
          ports: { http: h.port }, hostPorts: { http: h.hostPort },
        })),
      ]);
    if (key) {
      this.sshPrivateKey = key.privateKey;
      this.sshTargets = this.inventory.apply((inv): Targets => ({
        scope: config.scope,
        knownHosts: [],
        // Monitoring containers run no sshd: they stay docker-exec only (node-stop through Docker).
        hosts: inv.filter((m): m is InventoryMember & { kind: "etcd" | "patroni" | "haproxy" } => m.kind !== "monitoring").map((m) => ({
          name: m.name, address: "127.0.0.1", sshPort: sshHostPort(config.ssh.portBase, m.name), user: LAB_SSH_USER, sudo: true,
          runs: m.kind, clusterAddress: m.ip, lifecycle: "supervised" as const, postgresPort: m.hostPorts.postgres ?? 5432,
          ...(m.kind === "patroni" ? { restUrl: `http://127.0.0.1:${m.hostPorts.rest}`, postgresHost: "127.0.0.1" } : {}),
          ...(m.kind === "etcd" ? { clientUrl: `http://127.0.0.1:${m.hostPorts.client}` } : {}),
        })),
        // The experiment runner's workload goes through HAProxy's 127.0.0.1-published ports, as in docker-exec mode.
        workload: {
          readWrite: { host: "127.0.0.1", port: config.ports.readWrite }, readOnly: { host: "127.0.0.1", port: config.ports.readOnly },
          haproxyStatsUrl: `http://127.0.0.1:${config.ports.haproxyStats}`, user: "postgres", database: "postgres",
        },
      }));
    }
    this.registerOutputs({ network: this.network, inventory: this.inventory, leader: this.leader });
  }
}
