// The scalar metrics of a run, group by group, each with its one-line "how computed" and a reason when there is no value.
import type { AlertTiming, Anchors } from "./anchors";
import type { TimelineSeen, LagPeak } from "./cluster-state";
import type { Journal } from "./journal";
import type { LeaderChange } from "./leaders";
import type { CategoryMetric, CategoryName, Metric, MetricName, Unit } from "./metric-names";
import type { Durability, FirstFailure, PhaseStats, WriteOutage } from "./operations";
import type { ResyncAnalysis } from "./resync";
import type { SinglePrimaryCheck } from "./single-primary";

/** A metric's value, or why there is none. */
const why = (reason: string) => ({ reason });
const metric = (label: string, unit: Unit, how: string, value: number | { reason: string }): Metric =>
  typeof value === "number" ? { label, unit, value, how } : { label, unit, value: null, how, reason: value.reason };
const seconds = (ms: number) => ms / 1000;
const noInjection = "no fault was injected in this run";

type Scalars = Partial<Record<MetricName, Metric>>;

/** What the scalars are computed from: the journal and the facts computeMetrics derived from it. */
export interface RunFacts {
  journal: Journal;
  anchors: Anchors;
  maxLag: number;
  failure: FirstFailure | null;
  outage: WriteOutage | null;
  phases: PhaseStats[];
  durable: Durability | null;
  leaderBefore: string | undefined;
  newLeader: LeaderChange | undefined;
  patroniChanges: LeaderChange[];
  etcdChanges: LeaderChange[];
  timelines: TimelineSeen[];
  peak: LagPeak | null;
  caughtUp: number | null;
  alerts: AlertTiming[];
  singlePrimary: SinglePrimaryCheck | null;
}

const relHow = (f: RunFacts) => `relative to the injection (${f.anchors.injectionHow})`;

/** Detection, election and the client's write outage. */
export function outageScalars(f: RunFacts): Scalars {
  const { anchors, failure, outage, leaderBefore, newLeader, journal } = f;
  const t0 = anchors.injectionAt;
  const s: Scalars = {};
  s.timeToDetectSeconds = metric("Time to detect", "s",
    `first failed operation (write or read) after the inject action began, at the moment its error came back (send time for writes without an error time), ${relHow(f)}`,
    t0 === null ? why(noInjection) : failure === null ? why("no operation failed after the injection") : seconds(failure.at - t0));

  s.timeToNewLeaderSeconds = metric("Time to new leader", "s",
    `first Patroni /cluster sample (any observer, stale timelines ignored) whose leader differs from the leader before the injection, ${relHow(f)}`,
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

  s.failedWrites = metric("Failed writes", "count", "writes that returned an error, whole run", journal.writes.filter((w) => w.error !== undefined).length);
  s.failedReads = metric("Failed reads", "count", "reads that returned an error, whole run", journal.reads.filter((r) => !r.ok).length);
  return s;
}

/** Acknowledged writes against the rows read after recovery. */
export function durabilityScalars({ journal, durable }: RunFacts): Scalars {
  const notRead = why("the final rows were not read after recovery");
  const finalHow = (what: string) => `${what}, against the row ids read directly from ${journal.finalReadFrom || "the primary"} after recovery`;
  return {
    lostAckedWrites: metric("Lost acknowledged writes", "count", finalHow("acknowledged write ids absent from the final rows"),
      durable === null ? notRead : durable.lost.length),
    extraRows: metric("Unexpected extra rows", "count", finalHow("final row ids never acknowledged (indeterminate-committed writes and unknown ids)"),
      durable === null ? notRead : durable.extra.length),
    indeterminateCommittedWrites: metric("Indeterminate, committed", "count", finalHow("writes that errored or never answered, yet whose id is in the final rows"),
      durable === null ? notRead : durable.indeterminateCommitted.length),
  };
}

/** Replication lag, catch-up, timelines and leader changes as the cluster reported them. */
export function clusterScalars(f: RunFacts): Scalars {
  const { anchors, peak, caughtUp, timelines, maxLag } = f;
  return {
    replicationLagPeakBytes: metric("Replication lag peak", "bytes",
      `max Patroni-reported replica lag over all /cluster samples${peak ? ` (${peak.member})` : ""}`,
      peak === null ? why("no replica lag was reported") : peak.bytes),
    catchUpSeconds: metric("Replica catch-up", "s",
      `end of the recover action → first /cluster sample listing every member known before the injection, with every replica streaming at lag ≤ ${maxLag} bytes`,
      anchors.injectionAt === null ? why(noInjection)
      : anchors.recoveryEndAt === null ? why("the fault was not recovered in this run")
      : caughtUp === null ? why("the replicas were never all caught up before the run ended")
      : seconds(caughtUp - anchors.recoveryEndAt)),
    timelineChanges: metric("Timeline changes", "count",
      `distinct PostgreSQL timelines seen in /cluster samples minus one (${timelines.map((t) => t.timeline).join(", ") || "none seen"})`,
      Math.max(0, timelines.length - 1)),
    patroniLeaderChanges: metric("Patroni leader changes", "count", "changes of the leader in /cluster samples over the whole run (stale observers ignored by timeline)", f.patroniChanges.length),
    etcdLeaderChanges: metric("etcd leader changes", "count", "changes of the leader reported by etcd endpoint status over the whole run (stale members ignored by raft term)", f.etcdChanges.length),
  };
}

/** When the expected alerts fired and reached the receiver. */
export function alertScalars(f: RunFacts): Scalars {
  const { anchors, alerts } = f;
  const t0 = anchors.injectionAt;
  const afterInject = (t: number | undefined) => t !== undefined && t >= (anchors.injectActionStartAt ?? -Infinity);
  const fired = alerts.filter((a) => afterInject(a.firedAt)).map((a) => a.firedAfterSeconds as number);
  const received = alerts.filter((a) => afterInject(a.receivedAt)).map((a) => a.receivedAfterSeconds as number);
  // Only the experiment's expected alerts are read from monitoring: none observed is not "none fired".
  const notObserved = "no alert was observed: the experiment declares no expectedAlerts, or the target has no monitoring the runner reads";
  return {
    firstAlertFiredSeconds: metric("First alert fired", "s", `earliest Prometheus firing time among the expected alerts, ${relHow(f)}`,
      t0 === null ? why(noInjection) : alerts.length === 0 ? why(notObserved) : fired.length === 0 ? why("none of the expected alerts fired after the injection") : Math.min(...fired)),
    firstAlertDeliveredSeconds: metric("First alert delivered", "s", `earliest arrival of an expected alert's notification at the receiver, ${relHow(f)}`,
      t0 === null ? why(noInjection) : alerts.length === 0 ? why(notObserved) : received.length === 0 ? why("no notification of an expected alert reached the receiver after the injection") : Math.min(...received)),
  };
}

/** Throughput and latency in the fault phase, and the single-primary probes' double-writable intervals. */
export function faultPhaseScalars({ phases, singlePrimary }: RunFacts): Scalars {
  const fault = phases.find((p) => p.phase === "fault");
  const inFault = (value: number | null | undefined) =>
    fault === undefined ? why("the run has no fault phase") : value === null || value === undefined ? why("no operation of this kind succeeded in the fault phase") : value;
  const probesHow = "intervals in which two or more nodes, probed directly, accepted a write (writable from an accepted probe write until a probe shows otherwise)";
  const noProbes = why("no per-node primary probes in this run");
  return {
    faultWriteOpsPerSecond: metric("Write throughput during the fault", "ops/s", "acknowledged writes sent in the fault phase / its length", inFault(fault?.writes.okPerSecond)),
    faultWriteP99Ms: metric("Write p99 during the fault", "ms", "nearest-rank 99th percentile of ack − send over acknowledged writes sent in the fault phase", inFault(fault?.writes.p99Ms)),
    faultReadP99Ms: metric("Read p99 during the fault", "ms", "nearest-rank 99th percentile of done − send over successful reads sent in the fault phase", inFault(fault?.reads.p99Ms)),
    doubleWritableIntervals: metric("Double-writable intervals", "count", probesHow,
      singlePrimary === null ? noProbes : singlePrimary.writableOverlaps.length),
    doubleWritableSeconds: metric("Double-writable time", "s", `total length of the ${probesHow}`,
      singlePrimary === null ? noProbes : seconds(singlePrimary.writableOverlaps.reduce((sum, o) => sum + o.end - o.start, 0))),
  };
}

/** How isolated replicas resynced, from the primary's samples: scalars and the resync method category. */
export function resyncScalars(journal: Journal, resync: ResyncAnalysis | null, maxLag: number): { scalars: Scalars; categories: Record<CategoryName, CategoryMetric> } {
  const noResync = why("the run did not sample the primary for resync (probes.resync)");
  const verdicts = resync?.verdicts ?? [];
  const noIsolated = why("no replica the primary listed before the injection was a fault target");
  const resyncValue = (f: () => number | { reason: string }) => (resync === null ? noResync : verdicts.length === 0 ? noIsolated : f());
  const scalars: Scalars = {
    resyncCatchUpSeconds: metric("Resync: caught up after healing", "s",
      `end of the recover action (the partition is gone) → first primary sample (every ${journal.resync?.intervalMs ?? "?"} ms) with the isolated replica in pg_stat_replication as streaming and replay lag ≤ ${maxLag} bytes; the slowest replica when several`,
      resyncValue(() => verdicts.some((v) => v.caughtUpSeconds === null) ? why(`${verdicts.filter((v) => v.caughtUpSeconds === null).map((v) => v.member).join(", ")} never caught up in this run`) : Math.max(...verdicts.map((v) => v.caughtUpSeconds!)))),
    resyncPeakLagBytes: metric("Resync: peak lag of the isolated replica", "bytes",
      "max over primary samples from the isolation to catch-up of pg_current_wal_lsn() − the replica's replay position (pg_stat_replication while it is listed, else its last replay position seen)",
      resyncValue(() => verdicts.every((v) => v.peakLag === null) ? why("no lag sample of the isolated replica") : Math.max(...verdicts.map((v) => v.peakLag?.bytes ?? 0)))),
    primaryPeakRetainedWalBytes: metric("Primary: peak WAL retained by the replica's slot", "bytes",
      "max over primary samples from the isolation to catch-up of pg_current_wal_lsn() − restart_lsn of the isolated replica's slot (pg_replication_slots)",
      resyncValue(() => verdicts.every((v) => v.peakRetained === null) ? why("the isolated replica had no slot on the primary during the isolation") : Math.max(...verdicts.map((v) => v.peakRetained?.bytes ?? 0)))),
    primaryPeakWalDirBytes: metric("Primary: peak pg_wal size", "bytes",
      `max of sum(size) from pg_ls_waldir() on the leader from the isolation to catch-up${resync?.walDirBefore ? ` (${resync.walDirBefore.bytes} bytes just before the isolation)` : ""}`,
      resyncValue(() => resync!.walDirPeak === null ? why("no pg_wal sample during the isolation") : resync!.walDirPeak.bytes)),
  };
  const methods = [...new Set(verdicts.map((v) => v.method))];
  const categories: Record<CategoryName, CategoryMetric> = {
    resyncMethod: {
      label: "Resync method", unit: "category",
      how: "classified from the primary's samples: slot (its slot held the WAL through the isolation), streaming (no slot; WAL from wal_keep_size), reinit (the WAL was gone; back only after a reinitialize), not-caught-up, inconclusive",
      ...(resync === null ? { value: null, reason: noResync.reason } : verdicts.length === 0 ? { value: null, reason: noIsolated.reason } : { value: methods.join("+") }),
    },
  };
  return { scalars, categories };
}
