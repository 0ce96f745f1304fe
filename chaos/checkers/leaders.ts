// Leader changes over the observations of several observers (Patroni and etcd share the logic).
import { isLeaderRole } from "../../components/patroni/rest";
import type { ClusterSample, Journal } from "./journal";

// ---------------------------------------------------------------------------------------------------
// Leader changes (Patroni and etcd share the logic).

export interface LeaderObservation {
  at: number;
  leader: string;
  /** Patroni timeline / etcd raft term: lets a stale observer's view of an old leader be told from a change back. */
  epoch?: number;
}

export interface LeaderChange {
  at: number;
  from: string;
  to: string;
  epoch?: number;
}

/**
 * Leader changes over observations from several observers. A (leader, epoch) pair counts once, and an
 * observation with an older epoch than the current one is stale (a partitioned member still showing
 * the old leader), so observers that lag behind do not make the leader flap.
 *
 * The same leader on a newer epoch is a change too (from === to): it lost leadership and won it again —
 * etcd re-elected it in a new raft term, or Patroni demoted it and promoted it again (a new timeline).
 * A false failover that ends on the same member is still a failover. The exception is a takeover seen
 * first on the old epoch (Patroni lists the new leader while its promotion is still running, on the
 * old timeline): its first epoch increase completes that takeover and is not counted again.
 */
export function leaderChanges(observations: LeaderObservation[]): { initial: string | undefined; changes: LeaderChange[] } {
  const sorted = [...observations].sort((a, b) => a.at - b.at);
  const seen = new Set<string>();
  let current: string | undefined;
  let epoch: number | undefined;
  let initial: string | undefined;
  /** The current leader took over without an epoch increase: its next epoch is the takeover's own. */
  let takeoverPending = false;
  const changes: LeaderChange[] = [];
  for (const o of sorted) {
    const key = `${o.leader}@${o.epoch ?? "?"}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (o.epoch !== undefined && epoch !== undefined && o.epoch < epoch) continue;
    if (current === undefined) initial = o.leader;
    else if (o.leader !== current) {
      changes.push({ at: o.at, from: current, to: o.leader, epoch: o.epoch });
      takeoverPending = o.epoch !== undefined && epoch !== undefined && o.epoch === epoch;
    } else if (o.epoch !== undefined && epoch !== undefined && o.epoch > epoch) {
      if (takeoverPending) takeoverPending = false;
      else changes.push({ at: o.at, from: current, to: o.leader, epoch: o.epoch });
    }
    current = o.leader;
    if (o.epoch !== undefined) epoch = Math.max(epoch ?? o.epoch, o.epoch);
  }
  return { initial, changes };
}


export function patroniLeaderObservations(samples: ClusterSample[]): LeaderObservation[] {
  return samples.flatMap((s) => {
    const leader = s.ok ? s.members.find((m) => isLeaderRole(m.role)) : undefined;
    return leader ? [{ at: s.at, leader: leader.name, epoch: leader.timeline }] : [];
  });
}

export function etcdLeaderObservations(journal: Journal): LeaderObservation[] {
  return journal.etcd.flatMap((s) => (s.ok && s.leader ? [{ at: s.at, leader: s.leader, epoch: s.raftTerm }] : []));
}

/** The leader as of `at`: the last one established by observations before it. */
export function leaderAt(observations: LeaderObservation[], at: number): string | undefined {
  const { initial, changes } = leaderChanges(observations.filter((o) => o.at < at));
  return changes.length > 0 ? changes[changes.length - 1].to : initial;
}
