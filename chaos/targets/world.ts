// Members, the live view and role selectors: what a fault's targets resolve against.
import type { Transport } from "./transport";

/** A cluster member as the chaos layer sees it: what runs there, where, and how to reach it. */
export interface Member {
  name: string;
  /** monitoring: Prometheus or Alertmanager of the lab, a target for node-stop only. */
  kind: "etcd" | "patroni" | "haproxy" | "monitoring";
  ip: string;
  ports: Record<string, number>;
  transport: Transport;
}

/** The live cluster, read when the plan is made (preview and up). */
export interface LiveView {
  reachable: boolean;
  patroniLeader?: string;
  etcdLeader?: string;
  /** Per member: does its kernel have sch_netem (undefined: not probed). */
  netem: Record<string, boolean | undefined>;
  /** What went wrong while reading the live cluster, for preview. */
  notes: string[];
}

/** Where the controller reads the cluster's APIs (127.0.0.1-published ports in the lab). */
export interface ApiEndpoints {
  /** Patroni member name → REST base URL. */
  patroniRest: Record<string, string>;
  /** etcd member name → client URL. */
  etcdClient: Record<string, string>;
}

export interface World {
  members: Member[];
  live: LiveView;
}

export class PlanError extends Error {}

/** Resolves a role selector or member name to members, against the live view. */
export function resolveSelector(selector: string, world: World): Member[] {
  const { members, live } = world;
  const byKind = (k: Member["kind"]) => members.filter((m) => m.kind === k);
  const need = (what: string, v: string | undefined): string => {
    if (!v) throw new PlanError(`cannot resolve '${selector}': no ${what} found in the live cluster${live.notes.length ? ` (${live.notes.join("; ")})` : ""}`);
    return v;
  };
  switch (selector) {
    case "primary":
      return members.filter((m) => m.name === need("Patroni leader", live.patroniLeader));
    case "replica":
    case "any-replica": {
      const leader = need("Patroni leader", live.patroniLeader);
      const replicas = byKind("patroni").filter((m) => m.name !== leader);
      if (!replicas.length) throw new PlanError(`cannot resolve '${selector}': the cluster has no replica`);
      return selector === "replica" ? replicas : replicas.slice(0, 1);
    }
    case "etcd-leader":
      return members.filter((m) => m.name === need("etcd leader", live.etcdLeader));
    case "etcd-follower": {
      const leader = need("etcd leader", live.etcdLeader);
      const followers = byKind("etcd").filter((m) => m.name !== leader);
      if (!followers.length) throw new PlanError("cannot resolve 'etcd-follower': etcd has a single member");
      return followers.slice(0, 1);
    }
    case "all-etcd":
      return byKind("etcd");
    case "all-patroni":
      return byKind("patroni");
    case "haproxy":
      return byKind("haproxy");
    default: {
      const m = members.find((x) => x.name === selector);
      if (!m) throw new PlanError(`unknown target '${selector}': not a role selector nor a member (${members.map((x) => x.name).join(", ")})`);
      return [m];
    }
  }
}

/** Resolves several selectors, without duplicates, keeping inventory order. */
export function resolveAll(selectors: string[], world: World): Member[] {
  const names = new Set(selectors.flatMap((s) => resolveSelector(s, world)).map((m) => m.name));
  return world.members.filter((m) => names.has(m.name));
}
