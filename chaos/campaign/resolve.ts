// Toggle time: a planned fault's role selector becomes one live member no other active fault holds.
import type { FaultSpec } from "../faults/spec";
import type { CampaignSelector } from "./definition";
import { wayBackProblem, type Impact, type PlannedFault, type Schedule } from "./plan";

/**
 * Toggle time: a planned fault's role selector becomes one member, read from the live cluster at that
 * moment, never one another active fault holds; the fault is then pinned to that member, so a later
 * `pulumi up` (another toggle) does not move it when the roles change under it.
 */

export interface LiveRoles {
  patroni: string[];
  etcd: string[];
  haproxy: string[];
  primary?: string;
  etcdLeader?: string;
}

export type Resolution = { spec: FaultSpec; members: string[]; impact: Impact } | { skipped: string };

function candidates(selector: CampaignSelector, roles: LiveRoles): string[] | string {
  switch (selector) {
    case "primary": return roles.primary ? [roles.primary] : "no Patroni leader at this moment";
    case "replica": return roles.primary ? roles.patroni.filter((m) => m !== roles.primary) : "no Patroni leader at this moment (replicas unknown)";
    case "any-patroni": return roles.patroni;
    case "etcd-leader": return roles.etcdLeader ? [roles.etcdLeader] : "no etcd leader at this moment";
    case "etcd-follower": return roles.etcdLeader ? roles.etcd.filter((m) => m !== roles.etcdLeader) : "no etcd leader at this moment (followers unknown)";
    case "any-etcd": return roles.etcd;
    case "haproxy": return roles.haproxy;
  }
}

/** Members a fault takes down or cuts off, per class (the way-back arithmetic on real members). */
function impactOfMembers(spec: FaultSpec, members: string[], roles: LiveRoles): Impact {
  const down = spec.kind === "node-stop" || spec.kind === "partition" || (spec.kind === "etcd-outage" && (spec.variant === "stop" || spec.variant === "flap"));
  if (spec.kind === "etcd-outage" && spec.variant === "block-client") return { etcdDown: 0, patroniDown: roles.patroni.length };
  if (!down) return { etcdDown: 0, patroniDown: 0 };
  return { etcdDown: members.filter((m) => roles.etcd.includes(m)).length, patroniDown: members.filter((m) => roles.patroni.includes(m)).length };
}

/** The planned fault pinned to live members, or why it is skipped (recorded, never silently dropped). */
export function resolveFault(f: PlannedFault, roles: LiveRoles, busy: Set<string>, active: Impact[], schedule: Pick<Schedule, "cluster">, allowEtcdQuorumLoss: boolean): Resolution {
  let spec: FaultSpec = f.spec;
  let members: string[] = [];
  if (f.selector) {
    const all = candidates(f.selector, roles);
    if (typeof all === "string") return { skipped: `${f.selector}: ${all}` };
    const free = all.filter((m) => !busy.has(m));
    if (!free.length) return { skipped: `${f.selector}: every candidate (${all.join(", ") || "none"}) is held by another active fault` };
    const member = free[f.pick % free.length];
    members = [member];
    spec = spec.kind === "partition" ? { ...spec, groupA: [member] } : ({ ...spec, target: member } as FaultSpec);
  } else if (spec.kind === "etcd-outage" && spec.variant !== "block-client" && typeof spec.members === "number") {
    // Followers first, then the leader (the fault kind's own order), skipping members other faults hold.
    const order = [...roles.etcd.filter((m) => m !== roles.etcdLeader), ...(roles.etcdLeader ? [roles.etcdLeader] : [])].filter((m) => !busy.has(m));
    if (order.length < spec.members) return { skipped: `etcd-outage: ${spec.members} free etcd member(s) needed, ${order.length} free` };
    members = order.slice(0, spec.members);
    spec = { ...spec, members };
  }
  const impact = impactOfMembers(spec, members, roles);
  const problem = wayBackProblem([...active, impact], { etcd: roles.etcd.length || schedule.cluster.etcd, patroni: roles.patroni.length || schedule.cluster.patroni }, allowEtcdQuorumLoss);
  if (problem) return { skipped: `would leave no way back: ${problem}` };
  return { spec, members, impact };
}
