// The single-primary invariant from direct per-node probes, and where each acknowledged write ended up.
import type { PrimaryProbeSample, WriteEvent } from "./journal";

export type { PrimaryProbeSample } from "./journal";

/**
 * The single-primary invariant for split-brain experiments: every PostgreSQL node is probed directly
 * (not through HAProxy) for pg_is_in_recovery() and a test write; at no instant may two nodes accept
 * writes. Between two probes of a node its state is unknown, so each overlap is reported twice over:
 * as an upper bound (a node stays writable until a probe shows otherwise) and as the part confirmed by
 * accepted probes on both sides.
 */


/** A node's stretch of consecutive probes that satisfied the predicate. */
interface Episode {
  node: string;
  /** First and last satisfying probe: the evidence. */
  firstAt: number;
  lastAt: number;
  /** The next probe that did not satisfy it (exclusive end of the upper bound); undefined when none came. */
  untilAt: number | undefined;
}

export interface OverlapInterval {
  start: number;
  /** Exclusive unless it equals the last probe of the nodes involved. */
  end: number;
  nodes: string[];
  /** Longest stretch (ms) of the interval in which two nodes' writability is backed by probes on both sides. */
  confirmedMs: number;
}

export interface SinglePrimaryCheck {
  nodes: string[];
  probes: number;
  /** Two or more nodes accepted writes. */
  writableOverlaps: OverlapInterval[];
  /** Two or more nodes answered pg_is_in_recovery() = false (primaries, writable or not). */
  notInRecoveryOverlaps: OverlapInterval[];
  holds: boolean;
}

function episodes(samples: PrimaryProbeSample[], predicate: (s: PrimaryProbeSample) => boolean): Episode[] {
  const out: Episode[] = [];
  const byNode = new Map<string, PrimaryProbeSample[]>();
  for (const s of samples) byNode.set(s.node, [...(byNode.get(s.node) ?? []), s]);
  for (const [node, list] of byNode) {
    let open: Episode | undefined;
    for (const s of [...list].sort((a, b) => a.at - b.at)) {
      if (predicate(s)) {
        if (open) open.lastAt = s.at;
        else out.push((open = { node, firstAt: s.at, lastAt: s.at, untilAt: undefined }));
      } else if (open) {
        open.untilAt = s.at;
        open = undefined;
      }
    }
  }
  return out;
}

/** Upper-bound span: half-open up to the disproving probe, or closed at the last probe when none came. */
const upperEnd = (e: Episode) => e.untilAt ?? e.lastAt;
const contains = (e: Episode, t: number) => t >= e.firstAt && (e.untilAt === undefined ? t <= e.lastAt : t < e.untilAt);

function pairOverlap(a: Episode, b: Episode): { start: number; end: number; confirmedMs: number } | null {
  const start = Math.max(a.firstAt, b.firstAt);
  const end = Math.min(upperEnd(a), upperEnd(b));
  if (start > end || (start === end && !(contains(a, start) && contains(b, start)))) return null;
  const confirmedMs = Math.max(0, Math.min(a.lastAt, b.lastAt) - start);
  return { start, end, confirmedMs };
}

/** Pairwise overlaps of episodes on different nodes, merged where they touch. Episode counts are small. */
function overlaps(eps: Episode[]): OverlapInterval[] {
  const pairs: OverlapInterval[] = [];
  for (let i = 0; i < eps.length; i++) {
    for (let j = i + 1; j < eps.length; j++) {
      if (eps[i].node === eps[j].node) continue;
      const o = pairOverlap(eps[i], eps[j]);
      if (o) pairs.push({ ...o, nodes: [eps[i].node, eps[j].node].sort() });
    }
  }
  const merged: OverlapInterval[] = [];
  for (const o of pairs.sort((a, b) => a.start - b.start)) {
    const last = merged[merged.length - 1];
    if (last && o.start <= last.end) {
      last.end = Math.max(last.end, o.end);
      last.nodes = [...new Set([...last.nodes, ...o.nodes])].sort();
      last.confirmedMs = Math.max(last.confirmedMs, o.confirmedMs);
    } else merged.push({ ...o });
  }
  return merged;
}

export function checkSinglePrimary(samples: PrimaryProbeSample[]): SinglePrimaryCheck {
  const writableOverlaps = overlaps(episodes(samples, (s) => s.writeOk));
  return {
    nodes: [...new Set(samples.map((s) => s.node))].sort(),
    probes: samples.length,
    writableOverlaps,
    notInRecoveryOverlaps: overlaps(episodes(samples, (s) => s.inRecovery === false)),
    holds: writableOverlaps.length === 0,
  };
}

// ---------------------------------------------------------------------------------------------------
// Divergence: which write ids landed where.

export interface Divergence {
  nodes: string[];
  rowsPerNode: Record<string, number>;
  /** Ids present on every node. */
  onEveryNode: number;
  /** Ids present on some nodes only, grouped by the set of nodes that have them. */
  groups: { on: string[]; ids: string[]; acked: number }[];
  /** Acknowledged writes missing from the final primary, with the node that acknowledged them and where they are. */
  ackedNotOnPrimary: { id: string; ackedBy?: string; on: string[] }[];
  finalPrimary: string;
}

/**
 * `nodeRowIds`: the row ids read from each node after the split (before any rewind). `finalPrimary`:
 * the node that is primary at the end, whose rows are the ones that survive.
 */
export function accountDivergence(nodeRowIds: Record<string, string[]>, writes: WriteEvent[], finalPrimary: string): Divergence {
  const nodes = Object.keys(nodeRowIds).sort();
  const sets = new Map(nodes.map((n) => [n, new Set(nodeRowIds[n])]));
  const where = (id: string) => nodes.filter((n) => sets.get(n)?.has(id));
  const acked = new Set(writes.filter((w) => w.ackAt !== undefined).map((w) => w.id));

  const groups = new Map<string, { on: string[]; ids: string[]; acked: number }>();
  let onEveryNode = 0;
  for (const id of new Set(nodes.flatMap((n) => nodeRowIds[n]))) {
    const on = where(id);
    if (on.length === nodes.length) {
      onEveryNode++;
      continue;
    }
    const key = on.join(",");
    const g = groups.get(key) ?? { on, ids: [], acked: 0 };
    g.ids.push(id);
    if (acked.has(id)) g.acked++;
    groups.set(key, g);
  }
  const primaryRows = sets.get(finalPrimary) ?? new Set<string>();
  return {
    nodes,
    rowsPerNode: Object.fromEntries(nodes.map((n) => [n, sets.get(n)?.size ?? 0])),
    onEveryNode,
    groups: [...groups.values()].sort((a, b) => a.on.join(",").localeCompare(b.on.join(","))),
    ackedNotOnPrimary: writes
      .filter((w) => w.ackAt !== undefined && !primaryRows.has(w.id))
      .map((w) => ({ id: w.id, ackedBy: w.server, on: where(w.id) })),
    finalPrimary,
  };
}

// ---------------------------------------------------------------------------------------------------
// Replication lag from the direct probes: unlike Patroni's /cluster (where an isolated replica's key
// expires and its lag disappears), the probes reach every node on its own port for the whole run.

export interface ProbeLagSeries {
  node: string;
  /** Lag behind the primary: the newest primary WAL position probed at or before the replica's probe minus the replica's replay position. */
  points: { at: number; lagBytes: number }[];
  peak: { at: number; lagBytes: number } | null;
  /** First probe at or after `caughtUpFrom` with lag ≤ the threshold; null when none. */
  caughtUpAt: number | null;
}

/**
 * Per replica, the lag series computed from the probes. A primary's position counts only when probed
 * at most `maxAgeMs` before the replica's probe, so a stale position never makes a lag.
 */
export function probeLag(samples: PrimaryProbeSample[], opts: { caughtUpFrom?: number; maxLagBytes?: number; maxAgeMs?: number } = {}): ProbeLagSeries[] {
  const maxAge = opts.maxAgeMs ?? 2000;
  const sorted = [...samples].filter((s) => s.walBytes !== undefined && s.inRecovery !== undefined).sort((a, b) => a.at - b.at);
  const series = new Map<string, ProbeLagSeries>();
  let primary: PrimaryProbeSample | undefined;
  for (const s of sorted) {
    if (s.inRecovery === false) {
      primary = s;
      continue;
    }
    if (!primary || primary.node === s.node || s.at - primary.at > maxAge) continue;
    const lagBytes = Math.max(0, primary.walBytes! - s.walBytes!);
    const entry = series.get(s.node) ?? { node: s.node, points: [], peak: null, caughtUpAt: null };
    entry.points.push({ at: s.at, lagBytes });
    if (!entry.peak || lagBytes > entry.peak.lagBytes) entry.peak = { at: s.at, lagBytes };
    if (entry.caughtUpAt === null && opts.caughtUpFrom !== undefined && s.at >= opts.caughtUpFrom && lagBytes <= (opts.maxLagBytes ?? 0)) entry.caughtUpAt = s.at;
    series.set(s.node, entry);
  }
  return [...series.values()].sort((a, b) => a.node.localeCompare(b.node));
}
