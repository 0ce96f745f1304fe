import type { ClusterSample, ErrorClass, Journal, Phase, WriteEvent } from "./journal";
import { isLeaderRole } from "../../components/patroni/rest";
import { accountDivergence, checkSinglePrimary, probeLag, type Divergence, type ProbeLagSeries, type SinglePrimaryCheck } from "./single-primary";
import { analyseResync, RESYNC_METHODS, type ResyncAnalysis } from "./resync";

/**
 * Metrics of one run, computed from its journal alone. Every metric carries a one-line "how computed"
 * so the report can show it next to the number; a metric that cannot be computed is null with a reason,
 * never NaN. Times are epoch ms in, seconds or ms out (the unit says which).
 */

export type Unit = "s" | "ms" | "count" | "ops/s" | "bytes";

export interface Metric {
  label: string;
  value: number | null;
  unit: Unit;
  how: string;
  /** Why value is null. */
  reason?: string;
}

/** The scalar metrics, by name: what expectations refer to. */
export const METRIC_NAMES = [
  "timeToDetectSeconds",
  "timeToNewLeaderSeconds",
  "writeUnavailabilitySeconds",
  "failedWriteWindowSeconds",
  "writeRecoverySeconds",
  "failedWrites",
  "failedReads",
  "lostAckedWrites",
  "extraRows",
  "indeterminateCommittedWrites",
  "replicationLagPeakBytes",
  "catchUpSeconds",
  "timelineChanges",
  "patroniLeaderChanges",
  "etcdLeaderChanges",
  "firstAlertFiredSeconds",
  "firstAlertDeliveredSeconds",
  "faultWriteOpsPerSecond",
  "faultWriteP99Ms",
  "faultReadP99Ms",
  "doubleWritableIntervals",
  "doubleWritableSeconds",
  "resyncCatchUpSeconds",
  "resyncPeakLagBytes",
  "primaryPeakRetainedWalBytes",
  "primaryPeakWalDirBytes",
] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

/** Metrics measured only by the resync sampler: the report shows them in their own section. */
export const RESYNC_METRIC_NAMES: readonly MetricName[] = ["resyncCatchUpSeconds", "resyncPeakLagBytes", "primaryPeakRetainedWalBytes", "primaryPeakWalDirBytes"];

/** Metrics whose value is one of a few words (how a replica resynced), for `==`/`!=` expectations. */
export const CATEGORY_NAMES = ["resyncMethod"] as const;
export type CategoryName = (typeof CATEGORY_NAMES)[number];
export const CATEGORY_VALUES: Record<CategoryName, readonly string[]> = { resyncMethod: RESYNC_METHODS };

export interface CategoryMetric {
  label: string;
  value: string | null;
  unit: "category";
  how: string;
  reason?: string;
}

/** A metric's value, or why there is none. */
const why = (reason: string) => ({ reason });
const metric = (label: string, unit: Unit, how: string, value: number | { reason: string }): Metric =>
  typeof value === "number" ? { label, unit, value, how } : { label, unit, value: null, how, reason: value.reason };
const seconds = (ms: number) => ms / 1000;

// ---------------------------------------------------------------------------------------------------
// Anchors: when the fault went in and when it was gone.

export interface FaultWindow {
  fault: string;
  /** Injection: the fault's own stamp (earliest target) when present, else the controller's start of the action. */
  start: number;
  /** End of the recover action (the fault is certainly gone), null when never recovered. */
  end: number | null;
}

export interface Anchors {
  /** The injection instant every relative time is measured from; null when nothing was injected. */
  injectionAt: number | null;
  injectionHow: string;
  /** Controller start of the first inject action: failures before it cannot be the fault's. */
  injectActionStartAt: number | null;
  /** End of the last recover action, null when some fault was never recovered. */
  recoveryEndAt: number | null;
  windows: FaultWindow[];
}

export function faultAnchors(journal: Journal): Anchors {
  const events = [...journal.faults].sort((a, b) => a.startedAt - b.startedAt);
  const windows: FaultWindow[] = [];
  for (const e of events) {
    if (e.action === "inject") {
      const stamped = e.injectedAt && e.injectedAt.length > 0 ? Math.min(...e.injectedAt) : undefined;
      windows.push({ fault: e.fault, start: stamped ?? e.startedAt, end: null });
    } else {
      const open = windows.find((w) => w.fault === e.fault && w.end === null);
      if (open) open.end = e.endedAt;
    }
  }
  const injects = events.filter((e) => e.action === "inject");
  if (windows.length === 0) {
    return { injectionAt: null, injectionHow: "no fault was injected", injectActionStartAt: null, recoveryEndAt: null, windows };
  }
  const first = windows.reduce((a, b) => (b.start < a.start ? b : a));
  const stamped = injects.some((e) => e.injectedAt && e.injectedAt.length > 0);
  const ends = windows.map((w) => w.end);
  return {
    injectionAt: first.start,
    injectionHow: stamped ? "the fault's own stamp, earliest target" : "the controller's start of the inject action, no stamp",
    injectActionStartAt: injects[0].startedAt,
    recoveryEndAt: ends.every((e): e is number => e !== null) ? Math.max(...ends) : null,
    windows,
  };
}

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
function leaderAt(observations: LeaderObservation[], at: number): string | undefined {
  const { initial, changes } = leaderChanges(observations.filter((o) => o.at < at));
  return changes.length > 0 ? changes[changes.length - 1].to : initial;
}

// ---------------------------------------------------------------------------------------------------
// Client-side operations.

const failedAt = (w: WriteEvent) => w.doneAt ?? w.sentAt;
const isFailedWrite = (w: WriteEvent) => w.error !== undefined;

/** Nearest-rank percentile of an ascending array (hand-rolled: three lines, the definition is the point). */
export function percentile(sortedAscending: number[], p: number): number | null {
  if (sortedAscending.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sortedAscending.length));
  return sortedAscending[rank - 1];
}

export interface OpStats {
  sent: number;
  ok: number;
  failed: number;
  /** Acknowledged operations per second of the phase. */
  okPerSecond: number | null;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
}

export interface PhaseStats {
  phase: Phase["name"];
  start: number;
  end: number;
  writes: OpStats;
  reads: OpStats;
}

function opStats(latenciesMs: number[], sent: number, failed: number, durationMs: number): OpStats {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  return {
    sent,
    ok: sorted.length,
    failed,
    okPerSecond: durationMs > 0 ? sorted.length / seconds(durationMs) : null,
    p50Ms: percentile(sorted, 50),
    p95Ms: percentile(sorted, 95),
    p99Ms: percentile(sorted, 99),
  };
}

/** Operations are attributed to the phase they were sent in: [start, end). */
export function phaseStats(journal: Journal): PhaseStats[] {
  return journal.phases.map((p) => {
    const inPhase = (t: number) => t >= p.start && t < p.end;
    const writes = journal.writes.filter((w) => inPhase(w.sentAt));
    const reads = journal.reads.filter((r) => inPhase(r.sentAt));
    const ackedLatencies = writes.flatMap((w) => (w.ackAt !== undefined ? [w.ackAt - w.sentAt] : []));
    const readLatencies = reads.flatMap((r) => (r.ok ? [r.doneAt - r.sentAt] : []));
    return {
      phase: p.name,
      start: p.start,
      end: p.end,
      writes: opStats(ackedLatencies, writes.length, writes.filter(isFailedWrite).length, p.end - p.start),
      reads: opStats(readLatencies, reads.length, reads.filter((r) => !r.ok).length, p.end - p.start),
    };
  });
}

export type ErrorsByClass = Partial<Record<ErrorClass, { writes: number; reads: number }>>;

export function errorsByClass(journal: Journal): ErrorsByClass {
  const out: ErrorsByClass = {};
  const bump = (c: ErrorClass, k: "writes" | "reads") => ((out[c] ??= { writes: 0, reads: 0 })[k] += 1);
  for (const w of journal.writes) if (w.error) bump(w.error, "writes");
  for (const r of journal.reads) if (!r.ok) bump(r.error ?? "other", "reads");
  return out;
}

export interface WriteOutage {
  failedWrites: number;
  firstFailureSentAt: number;
  firstFailureAt: number;
  lastFailureAt: number;
  lastAckBeforeAt: number | null;
  firstAckAfterAt: number | null;
}

/** The failed writes that can be the fault's (their error came after the inject action began). */
export function writeOutage(journal: Journal, anchors: Anchors): WriteOutage | null {
  const from = anchors.injectActionStartAt ?? -Infinity;
  const failed = journal.writes.filter((w) => isFailedWrite(w) && failedAt(w) >= from);
  if (failed.length === 0) return null;
  const firstFailureAt = Math.min(...failed.map(failedAt));
  const lastFailureAt = Math.max(...failed.map(failedAt));
  const acks = journal.writes.flatMap((w) => (w.ackAt !== undefined ? [w.ackAt] : []));
  const before = acks.filter((t) => t < firstFailureAt);
  const after = acks.filter((t) => t > lastFailureAt);
  return {
    failedWrites: failed.length,
    firstFailureSentAt: Math.min(...failed.map((w) => w.sentAt)),
    firstFailureAt,
    lastFailureAt,
    lastAckBeforeAt: before.length > 0 ? Math.max(...before) : null,
    firstAckAfterAt: after.length > 0 ? Math.min(...after) : null,
  };
}

export interface FirstFailure {
  at: number;
  op: "write" | "read";
  error: ErrorClass;
}

/** The first failed operation (write or read) after the inject action began, at the time its error came back. */
export function firstFailure(journal: Journal, anchors: Anchors): FirstFailure | null {
  const from = anchors.injectActionStartAt ?? -Infinity;
  const candidates = [
    ...journal.writes.filter(isFailedWrite).map((w) => ({ at: failedAt(w), op: "write" as const, error: w.error as ErrorClass })),
    ...journal.reads.filter((r) => !r.ok).map((r) => ({ at: r.doneAt, op: "read" as const, error: r.error ?? ("other" as const) })),
  ].filter((c) => c.at >= from);
  return candidates.length === 0 ? null : candidates.reduce((a, b) => (b.at < a.at ? b : a));
}

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
// Durability: acknowledged writes against the rows found after recovery.

export interface Durability {
  acked: number;
  /** Acknowledged, absent from the final rows. */
  lost: { id: string; ackAt: number; server?: string }[];
  /** Final rows never acknowledged: indeterminate writes that committed plus rows no write of this run sent. */
  extra: string[];
  /** Writes that errored (or never answered) and yet are in the final rows: indeterminate, committed. Not losses. */
  indeterminateCommitted: { id: string; error?: ErrorClass }[];
  /** Final rows whose id no write of this run carried. */
  unknownRows: string[];
  /** Errored writes absent from the final rows (failed cleanly, as the client was told or could assume). */
  indeterminateAbsent: number;
  finalReadFrom: string;
}

export function durability(journal: Journal): Durability | null {
  if (!journal.finalReadFrom) return null;
  const final = new Set(journal.finalRowIds);
  const byId = new Map(journal.writes.map((w) => [w.id, w]));
  const acked = journal.writes.filter((w) => w.ackAt !== undefined);
  const unacked = journal.writes.filter((w) => w.ackAt === undefined);
  const extra = journal.finalRowIds.filter((id) => byId.get(id)?.ackAt === undefined);
  return {
    acked: acked.length,
    lost: acked.filter((w) => !final.has(w.id)).map((w) => ({ id: w.id, ackAt: w.ackAt as number, server: w.server })),
    extra,
    indeterminateCommitted: unacked.filter((w) => final.has(w.id)).map((w) => ({ id: w.id, error: w.error })),
    unknownRows: extra.filter((id) => !byId.has(id)),
    indeterminateAbsent: unacked.filter((w) => !final.has(w.id)).length,
    finalReadFrom: journal.finalReadFrom,
  };
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

function membersBefore(samples: ClusterSample[], at: number): string[] {
  const before = samples.filter((s) => s.ok && s.at < at).sort((a, b) => b.at - a.at)[0];
  return before ? before.members.map((m) => m.name) : [];
}

// ---------------------------------------------------------------------------------------------------
// Alerts.

export interface AlertTiming {
  alert: string;
  labels: Record<string, string>;
  firedAt?: number;
  receivedAt?: number;
  /** Relative to the injection, seconds. */
  firedAfterSeconds: number | null;
  receivedAfterSeconds: number | null;
  /** Receiver time minus firing time: the notification pipeline's own delay. */
  deliveryDelaySeconds: number | null;
}

export function alertTimings(journal: Journal, anchors: Anchors): AlertTiming[] {
  const rel = (t: number | undefined) => (t !== undefined && anchors.injectionAt !== null ? seconds(t - anchors.injectionAt) : null);
  return journal.alerts.map((a) => ({
    alert: a.alert,
    labels: a.labels,
    firedAt: a.firedAt,
    receivedAt: a.receivedAt,
    firedAfterSeconds: rel(a.firedAt),
    receivedAfterSeconds: rel(a.receivedAt),
    deliveryDelaySeconds: a.firedAt !== undefined && a.receivedAt !== undefined ? seconds(a.receivedAt - a.firedAt) : null,
  }));
}

// ---------------------------------------------------------------------------------------------------
// Everything together.

export interface MetricsOptions {
  /** A replica counts as caught up at or under this Patroni lag (bytes). Patroni reports 0 when a replica has replayed the leader's last known position. */
  caughtUpLagBytes?: number;
}

export interface ExperimentMetrics {
  anchors: Anchors;
  scalars: Record<MetricName, Metric>;
  phases: PhaseStats[];
  errorsByClass: ErrorsByClass;
  firstFailure: FirstFailure | null;
  writeOutage: WriteOutage | null;
  durability: Durability | null;
  leaderBefore: string | undefined;
  patroniLeaderChanges: LeaderChange[];
  etcdLeaderChanges: LeaderChange[];
  haproxyTransitions: HaproxyTransition[];
  timelines: TimelineSeen[];
  lagPeak: LagPeak | null;
  caughtUpAt: number | null;
  alerts: AlertTiming[];
  singlePrimary: SinglePrimaryCheck | null;
  divergence: Divergence | null;
  /** Replication lag per replica from the direct probes (WAL positions), when the run probed them; caught-up measured from the start of the last recover action. */
  probeLag: { series: ProbeLagSeries[]; caughtUpFrom: number | null; maxLagBytes: number } | null;
  categories: Record<CategoryName, CategoryMetric>;
  /** How each isolated replica resynced, from the primary's side; null when the run did not sample it. */
  resync: ResyncAnalysis | null;
}

export function computeMetrics(journal: Journal, options: MetricsOptions = {}): ExperimentMetrics {
  const maxLag = options.caughtUpLagBytes ?? 0;
  const anchors = faultAnchors(journal);
  const t0 = anchors.injectionAt;
  const noInjection = "no fault was injected in this run";
  const relHow = `relative to the injection (${anchors.injectionHow})`;

  const failure = firstFailure(journal, anchors);
  const outage = writeOutage(journal, anchors);
  const phases = phaseStats(journal);
  const durable = durability(journal);

  const patroniObs = patroniLeaderObservations(journal.cluster);
  const patroni = leaderChanges(patroniObs);
  const etcd = leaderChanges(etcdLeaderObservations(journal));
  const leaderBefore = t0 === null ? undefined : leaderAt(patroniObs, t0);
  const newLeader = t0 === null ? undefined : patroni.changes.find((c) => c.at >= t0 && c.to !== leaderBefore);
  const timelines = timelinesSeen(journal.cluster);
  const peak = lagPeak(journal.cluster);
  const caughtUp = anchors.recoveryEndAt === null || t0 === null ? null : caughtUpAt(journal.cluster, membersBefore(journal.cluster, t0), anchors.recoveryEndAt, maxLag);
  const alerts = alertTimings(journal, anchors);
  const singlePrimary = journal.primaryProbes && journal.primaryProbes.length > 0 ? checkSinglePrimary(journal.primaryProbes) : null;
  const divergence = journal.nodeRowIds ? accountDivergence(journal.nodeRowIds, [...journal.writes, ...(journal.directWrites ?? [])], journal.finalReadFrom) : null;

  const lastRecoverStart = journal.faults.filter((f) => f.action === "recover").reduce<number | null>((m, f) => (m === null || f.startedAt > m ? f.startedAt : m), null);
  const lagSeries = journal.primaryProbes?.some((p) => p.walBytes !== undefined)
    ? probeLag(journal.primaryProbes, { caughtUpFrom: lastRecoverStart ?? undefined, maxLagBytes: maxLag })
    : null;

  const s: Partial<Record<MetricName, Metric>> = {};

  s.timeToDetectSeconds = metric("Time to detect", "s",
    `first failed operation (write or read) after the inject action began, at the moment its error came back (send time for writes without an error time), ${relHow}`,
    t0 === null ? why(noInjection) : failure === null ? why("no operation failed after the injection") : seconds(failure.at - t0));

  s.timeToNewLeaderSeconds = metric("Time to new leader", "s",
    `first Patroni /cluster sample (any observer, stale timelines ignored) whose leader differs from the leader before the injection, ${relHow}`,
    t0 === null ? why(noInjection)
    : leaderBefore === undefined ? why("no Patroni sample showed a leader before the injection")
    : newLeader === undefined ? why(`the leader stayed ${leaderBefore}: no other leader was observed after the injection`)
    : seconds(newLeader.at - t0));

  const noFailedWrite = why("no write failed after the injection");
  s.writeUnavailabilitySeconds = metric("Write unavailability (client)", "s",
    "last write acknowledged before the first failed write → first write acknowledged after the last failed write (failures after the inject action began)",
    outage === null ? noFailedWrite
    : outage.lastAckBeforeAt === null ? why("no write was acknowledged before the first failure")
    : outage.firstAckAfterAt === null ? why("no write was acknowledged after the last failure before the run ended")
    : seconds(outage.firstAckAfterAt - outage.lastAckBeforeAt));

  // Counted from the end of the recover action: how long the fault took to remove (the tool's own time) is not the system's.
  s.writeRecoverySeconds = metric("Write recovery after the fault was removed", "s",
    "end of the last recover action → first write acknowledged after the last failed write; 0 when writes were back before the action ended",
    outage === null ? noFailedWrite
    : anchors.recoveryEndAt === null ? why("the fault was not recovered in this run")
    : outage.firstAckAfterAt === null ? why("no write was acknowledged after the last failure before the run ended")
    : Math.max(0, seconds(outage.firstAckAfterAt - anchors.recoveryEndAt)));

  s.failedWriteWindowSeconds = metric("Failed-write window", "s",
    "send time of the first failed write → error time of the last failed write (failures after the inject action began)",
    outage === null ? noFailedWrite : seconds(outage.lastFailureAt - outage.firstFailureSentAt));

  s.failedWrites = metric("Failed writes", "count", "writes that returned an error, whole run", journal.writes.filter(isFailedWrite).length);
  s.failedReads = metric("Failed reads", "count", "reads that returned an error, whole run", journal.reads.filter((r) => !r.ok).length);

  const notRead = why("the final rows were not read after recovery");
  const finalHow = (what: string) => `${what}, against the row ids read directly from ${journal.finalReadFrom || "the primary"} after recovery`;
  s.lostAckedWrites = metric("Lost acknowledged writes", "count", finalHow("acknowledged write ids absent from the final rows"),
    durable === null ? notRead : durable.lost.length);
  s.extraRows = metric("Unexpected extra rows", "count", finalHow("final row ids never acknowledged (indeterminate-committed writes and unknown ids)"),
    durable === null ? notRead : durable.extra.length);
  s.indeterminateCommittedWrites = metric("Indeterminate, committed", "count", finalHow("writes that errored or never answered, yet whose id is in the final rows"),
    durable === null ? notRead : durable.indeterminateCommitted.length);

  s.replicationLagPeakBytes = metric("Replication lag peak", "bytes",
    `max Patroni-reported replica lag over all /cluster samples${peak ? ` (${peak.member})` : ""}`,
    peak === null ? why("no replica lag was reported") : peak.bytes);

  s.catchUpSeconds = metric("Replica catch-up", "s",
    `end of the recover action → first /cluster sample listing every member known before the injection, with every replica streaming at lag ≤ ${maxLag} bytes`,
    t0 === null ? why(noInjection)
    : anchors.recoveryEndAt === null ? why("the fault was not recovered in this run")
    : caughtUp === null ? why("the replicas were never all caught up before the run ended")
    : seconds(caughtUp - anchors.recoveryEndAt));

  s.timelineChanges = metric("Timeline changes", "count",
    `distinct PostgreSQL timelines seen in /cluster samples minus one (${timelines.map((t) => t.timeline).join(", ") || "none seen"})`,
    Math.max(0, timelines.length - 1));
  s.patroniLeaderChanges = metric("Patroni leader changes", "count", "changes of the leader in /cluster samples over the whole run (stale observers ignored by timeline)", patroni.changes.length);
  s.etcdLeaderChanges = metric("etcd leader changes", "count", "changes of the leader reported by etcd endpoint status over the whole run (stale members ignored by raft term)", etcd.changes.length);

  const afterInject = (t: number | undefined) => t !== undefined && t >= (anchors.injectActionStartAt ?? -Infinity);
  const fired = alerts.filter((a) => afterInject(a.firedAt)).map((a) => a.firedAfterSeconds as number);
  const received = alerts.filter((a) => afterInject(a.receivedAt)).map((a) => a.receivedAfterSeconds as number);
  // Only the experiment's expected alerts are read from monitoring: none observed is not "none fired".
  const notObserved = "no alert was observed: the experiment declares no expectedAlerts, or the target has no monitoring the runner reads";
  s.firstAlertFiredSeconds = metric("First alert fired", "s", `earliest Prometheus firing time among the expected alerts, ${relHow}`,
    t0 === null ? why(noInjection) : alerts.length === 0 ? why(notObserved) : fired.length === 0 ? why("none of the expected alerts fired after the injection") : Math.min(...fired));
  s.firstAlertDeliveredSeconds = metric("First alert delivered", "s", `earliest arrival of an expected alert's notification at the receiver, ${relHow}`,
    t0 === null ? why(noInjection) : alerts.length === 0 ? why(notObserved) : received.length === 0 ? why("no notification of an expected alert reached the receiver after the injection") : Math.min(...received));

  const fault = phases.find((p) => p.phase === "fault");
  const inFault = (value: number | null | undefined) =>
    fault === undefined ? why("the run has no fault phase") : value === null || value === undefined ? why("no operation of this kind succeeded in the fault phase") : value;
  s.faultWriteOpsPerSecond = metric("Write throughput during the fault", "ops/s", "acknowledged writes sent in the fault phase / its length", inFault(fault?.writes.okPerSecond));
  s.faultWriteP99Ms = metric("Write p99 during the fault", "ms", "nearest-rank 99th percentile of ack − send over acknowledged writes sent in the fault phase", inFault(fault?.writes.p99Ms));
  s.faultReadP99Ms = metric("Read p99 during the fault", "ms", "nearest-rank 99th percentile of done − send over successful reads sent in the fault phase", inFault(fault?.reads.p99Ms));

  const probesHow = "intervals in which two or more nodes, probed directly, accepted a write (writable from an accepted probe write until a probe shows otherwise)";
  const noProbes = why("no per-node primary probes in this run");
  s.doubleWritableIntervals = metric("Double-writable intervals", "count", probesHow,
    singlePrimary === null ? noProbes : singlePrimary.writableOverlaps.length);
  s.doubleWritableSeconds = metric("Double-writable time", "s", `total length of the ${probesHow}`,
    singlePrimary === null ? noProbes : seconds(singlePrimary.writableOverlaps.reduce((sum, o) => sum + o.end - o.start, 0)));

  const resync = analyseResync(journal, maxLag);
  const noResync = why("the run did not sample the primary for resync (probes.resync)");
  const verdicts = resync?.verdicts ?? [];
  const noIsolated = why("no replica the primary listed before the injection was a fault target");
  const resyncValue = (f: () => number | { reason: string }) => (resync === null ? noResync : verdicts.length === 0 ? noIsolated : f());
  s.resyncCatchUpSeconds = metric("Resync: caught up after healing", "s",
    `end of the recover action (the partition is gone) → first primary sample (every ${journal.resync?.intervalMs ?? "?"} ms) with the isolated replica in pg_stat_replication as streaming and replay lag ≤ ${maxLag} bytes; the slowest replica when several`,
    resyncValue(() => verdicts.some((v) => v.caughtUpSeconds === null) ? why(`${verdicts.filter((v) => v.caughtUpSeconds === null).map((v) => v.member).join(", ")} never caught up in this run`) : Math.max(...verdicts.map((v) => v.caughtUpSeconds!))));
  s.resyncPeakLagBytes = metric("Resync: peak lag of the isolated replica", "bytes",
    "max over primary samples from the isolation to catch-up of pg_current_wal_lsn() − the replica's replay position (pg_stat_replication while it is listed, else its last replay position seen)",
    resyncValue(() => verdicts.every((v) => v.peakLag === null) ? why("no lag sample of the isolated replica") : Math.max(...verdicts.map((v) => v.peakLag?.bytes ?? 0))));
  s.primaryPeakRetainedWalBytes = metric("Primary: peak WAL retained by the replica's slot", "bytes",
    "max over primary samples from the isolation to catch-up of pg_current_wal_lsn() − restart_lsn of the isolated replica's slot (pg_replication_slots)",
    resyncValue(() => verdicts.every((v) => v.peakRetained === null) ? why("the isolated replica had no slot on the primary during the isolation") : Math.max(...verdicts.map((v) => v.peakRetained?.bytes ?? 0))));
  s.primaryPeakWalDirBytes = metric("Primary: peak pg_wal size", "bytes",
    `max of sum(size) from pg_ls_waldir() on the leader from the isolation to catch-up${resync?.walDirBefore ? ` (${resync.walDirBefore.bytes} bytes just before the isolation)` : ""}`,
    resyncValue(() => resync!.walDirPeak === null ? why("no pg_wal sample during the isolation") : resync!.walDirPeak.bytes));
  const methods = [...new Set(verdicts.map((v) => v.method))];
  const categories: Record<CategoryName, CategoryMetric> = {
    resyncMethod: {
      label: "Resync method", unit: "category",
      how: "classified from the primary's samples: slot (its slot held the WAL through the isolation), streaming (no slot; WAL from wal_keep_size), reinit (the WAL was gone; back only after a reinitialize), not-caught-up, inconclusive",
      ...(resync === null ? { value: null, reason: noResync.reason } : verdicts.length === 0 ? { value: null, reason: noIsolated.reason } : { value: methods.join("+") }),
    },
  };

  return {
    anchors,
    categories,
    resync,
    scalars: s as Record<MetricName, Metric>,
    phases,
    errorsByClass: errorsByClass(journal),
    firstFailure: failure,
    writeOutage: outage,
    durability: durable,
    leaderBefore,
    patroniLeaderChanges: patroni.changes,
    etcdLeaderChanges: etcd.changes,
    haproxyTransitions: haproxyTransitions(journal),
    timelines,
    lagPeak: peak,
    caughtUpAt: caughtUp,
    alerts,
    singlePrimary,
    divergence,
    probeLag: lagSeries === null ? null : { series: lagSeries, caughtUpFrom: lastRecoverStart, maxLagBytes: maxLag },
  };
}
