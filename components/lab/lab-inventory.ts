// The lab's inventory as the chaos layer reads it (one row per member), and its SSH-mode targets (pgchaos:targets).
import type { MonitoringHost } from "../monitoring/monitoring";
import { HAPROXY_MEMBER } from "./naming";
import { LAB_SSH_USER, sshHostPort } from "./ssh";

export interface InventoryMember {
  name: string;
  kind: "etcd" | "patroni" | "haproxy" | "monitoring";
  roleAtCreation: string;
  container: string;
  ip: string;
  ports: Record<string, number>;
  hostPorts: Record<string, number>;
}

/** What the lab knows of its members once they run (IPs resolved, leader read by the readiness wait). */
export interface LabMembers {
  leader: string;
  etcd: { name: string; container: string; ip: string; clientPort: number; hostClientPort: number }[];
  patroni: { name: string; container: string; ip: string; postgresPort: number; restPort: number; hostPostgresPort: number; hostRestPort: number }[];
  haproxy: { container: string; ip: string };
  monitoring: (Omit<MonitoringHost, "ip"> & { ip: string })[];
  ports: { readWrite: number; readOnly: number; haproxyStats: number };
}

export function labInventory(m: LabMembers): InventoryMember[] {
  return [
    ...m.etcd.map((e): InventoryMember => ({
      name: e.name, kind: "etcd", roleAtCreation: "member", container: e.container, ip: e.ip,
      ports: { client: e.clientPort, peer: 2380 }, hostPorts: { client: e.hostClientPort },
    })),
    ...m.patroni.map((n): InventoryMember => ({
      name: n.name, kind: "patroni", roleAtCreation: n.name === m.leader ? "leader" : "replica", container: n.container, ip: n.ip,
      ports: { postgres: n.postgresPort, rest: n.restPort }, hostPorts: { postgres: n.hostPostgresPort, rest: n.hostRestPort },
    })),
    {
      name: HAPROXY_MEMBER, kind: "haproxy", roleAtCreation: "proxy", container: m.haproxy.container, ip: m.haproxy.ip,
      ports: { readWrite: 5000, readOnly: 5001, stats: 8404 },
      hostPorts: { readWrite: m.ports.readWrite, readOnly: m.ports.readOnly, stats: m.ports.haproxyStats },
    },
    // Monitoring containers are fault targets too (node-stop only): what does an outage of the monitor do to alerting?
    ...m.monitoring.map((h): InventoryMember => ({
      name: h.name, kind: "monitoring", roleAtCreation: "monitoring", container: h.container, ip: h.ip,
      ports: { http: h.port }, hostPorts: { http: h.hostPort },
    })),
  ];
}

/** The SSH-mode inventory in the shape of pgchaos:targets (chaos/targets/inventory.ts validates it when a chaos stack reads it). */
export interface LabSshTargets {
  scope: string;
  knownHosts: string[];
  hosts: Array<Record<string, unknown> & { name: string; runs: "etcd" | "patroni" | "haproxy" }>;
  workload: Record<string, unknown>;
}

export function labSshTargets(inv: InventoryMember[], scope: string, sshPortBase: number, ports: LabMembers["ports"]): LabSshTargets {
  return {
    scope,
    knownHosts: [],
    // Monitoring containers run no sshd: they stay docker-exec only (node-stop through Docker).
    hosts: inv.filter((m): m is InventoryMember & { kind: "etcd" | "patroni" | "haproxy" } => m.kind !== "monitoring").map((m) => ({
      name: m.name, address: "127.0.0.1", sshPort: sshHostPort(sshPortBase, m.name), user: LAB_SSH_USER, sudo: true,
      runs: m.kind, clusterAddress: m.ip, lifecycle: "supervised" as const, postgresPort: m.hostPorts.postgres ?? 5432,
      ...(m.kind === "patroni" ? { restUrl: `http://127.0.0.1:${m.hostPorts.rest}`, postgresHost: "127.0.0.1" } : {}),
      ...(m.kind === "etcd" ? { clientUrl: `http://127.0.0.1:${m.hostPorts.client}` } : {}),
    })),
    // The experiment runner's workload goes through HAProxy's 127.0.0.1-published ports, as in docker-exec mode.
    workload: {
      readWrite: { host: "127.0.0.1", port: ports.readWrite }, readOnly: { host: "127.0.0.1", port: ports.readOnly },
      haproxyStatsUrl: `http://127.0.0.1:${ports.haproxyStats}`, user: "postgres", database: "postgres",
    },
  };
}
