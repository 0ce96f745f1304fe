// What the cluster showed: HAProxy routing changes, timelines, replication lag and catch-up.
import { isLeaderRole } from "../../components/patroni/rest";
import type { ClusterSample, Journal } from "./journal";

// ---------------------------------------------------------------------------------------------------
// HAProxy: when it routed away from the old primary and to the new one.

export interface HaproxyTransition {
  at: number;
  server: string;
  from: string;
  to: string;
}

export function haproxyTransitions(journal: Journal): HaproxyTransition[] {
  const last = new Map<string, string>();
  const out: HaproxyTransition[] = [];
  for (const s of [...journal.haproxy].sort((a, b) => a.at - b.at)) {
    for (const [server, status] of Object.entries(s.servers)) {
      const before = last.get(server);
      if (before !== undefined && before !== status) out.push({ at: s.at, server, from: before, to: status });
      last.set(server, status);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Replication and timelines.

export interface TimelineSeen {
  timeline: number;
  firstSeenAt: number;
  member: string;
}

export function timelinesSeen(samples: ClusterSample[]): TimelineSeen[] {
  const first = new Map<number, TimelineSeen>();
  for (const s of [...samples].sort((a, b) => a.at - b.at)) {
    if (!s.ok) continue;
    for (const m of s.members) {
      if (m.timeline !== undefined && !first.has(m.timeline)) first.set(m.timeline, { timeline: m.timeline, firstSeenAt: s.at, member: m.name });
    }
  }
  return [...first.values()].sort((a, b) => a.timeline - b.timeline);
}

export interface LagPeak {
  bytes: number;
  member: string;
  at: number;
}

export function lagPeak(samples: ClusterSample[]): LagPeak | null {
  let peak: LagPeak | null = null;
  for (const s of samples) {
    if (!s.ok) continue;
    for (const m of s.members) {
      if (!isLeaderRole(m.role) && m.lagBytes !== undefined && (peak === null || m.lagBytes > peak.bytes)) peak = { bytes: m.lagBytes, member: m.name, at: s.at };
    }
  }
  return peak;
}

/**
 * First sample at or after `from` in which every member known before the injection is listed, one is
 * leader, and every other one is streaming with lag ≤ threshold. Requiring the full member set keeps a
 * stopped replica that dropped out of /cluster from counting as caught up.
 */
export function caughtUpAt(samples: ClusterSample[], members: string[], from: number, maxLagBytes: number): number | null {
  for (const s of [...samples].sort((a, b) => a.at - b.at)) {
    if (!s.ok || s.at < from) continue;
    const byName = new Map(s.members.map((m) => [m.name, m]));
    if (!members.every((n) => byName.has(n)) || !s.members.some((m) => isLeaderRole(m.role))) continue;
    const replicas = s.members.filter((m) => !isLeaderRole(m.role));
    // Patroni before 3.0.4 reports a replica that replays WAL as "running", later ones as "streaming".
    if (replicas.every((m) => (m.state === "streaming" || m.state === "running") && m.lagBytes !== undefined && m.lagBytes <= maxLagBytes)) return s.at;
  }
  return null;
}

export function membersBefore(samples: ClusterSample[], at: number): string[] {
  const before = samples.filter((s) => s.ok && s.at < at).sort((a, b) => b.at - a.at)[0];
  return before ? before.members.map((m) => m.name) : [];
}
