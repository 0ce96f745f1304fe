// Metrics of one run, computed from its journal alone: the facts (anchors, leaders, operations, cluster state) and the scalars.
import { alertTimings, faultAnchors, type AlertTiming, type Anchors } from "./anchors";
import { caughtUpAt, haproxyTransitions, lagPeak, membersBefore, timelinesSeen, type HaproxyTransition, type LagPeak, type TimelineSeen } from "./cluster-state";
import type { Journal } from "./journal";
import { etcdLeaderObservations, leaderAt, leaderChanges, patroniLeaderObservations, type LeaderChange } from "./leaders";
import type { CategoryMetric, CategoryName, Metric, MetricName } from "./metric-names";
import { alertScalars, clusterScalars, durabilityScalars, faultPhaseScalars, outageScalars, resyncScalars, type RunFacts } from "./metric-scalars";
import { durability, errorsByClass, firstFailure, phaseStats, writeOutage, type Durability, type ErrorsByClass, type FirstFailure, type PhaseStats, type WriteOutage } from "./operations";
import { analyseResync, type ResyncAnalysis } from "./resync";
import { accountDivergence, checkSinglePrimary, probeLag, type Divergence, type ProbeLagSeries, type SinglePrimaryCheck } from "./single-primary";

/**
 * Every metric carries a one-line "how computed" so the report can show it next to the number; a metric
 * that cannot be computed is null with a reason, never NaN. Times are epoch ms in, seconds or ms out (the
 * unit says which).
 */
export { CATEGORY_NAMES, CATEGORY_VALUES, METRIC_NAMES, RESYNC_METRIC_NAMES, type CategoryMetric, type CategoryName, type Metric, type MetricName, type Unit } from "./metric-names";
export { faultAnchors, type Anchors, type FaultWindow } from "./anchors";
export type { OpStats, PhaseStats } from "./operations";

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

/** The facts of a run that the scalars and the report read. */
function runFacts(journal: Journal, maxLag: number): RunFacts {
  const anchors = faultAnchors(journal);
  const t0 = anchors.injectionAt;
  const patroniObs = patroniLeaderObservations(journal.cluster);
  const patroni = leaderChanges(patroniObs);
  const leaderBefore = t0 === null ? undefined : leaderAt(patroniObs, t0);
  return {
    journal, anchors, maxLag,
    failure: firstFailure(journal, anchors),
    outage: writeOutage(journal, anchors),
    phases: phaseStats(journal),
    durable: durability(journal),
    leaderBefore,
    newLeader: t0 === null ? undefined : patroni.changes.find((c) => c.at >= t0 && c.to !== leaderBefore),
    patroniChanges: patroni.changes,
    etcdChanges: leaderChanges(etcdLeaderObservations(journal)).changes,
    timelines: timelinesSeen(journal.cluster),
    peak: lagPeak(journal.cluster),
    caughtUp: anchors.recoveryEndAt === null || t0 === null ? null : caughtUpAt(journal.cluster, membersBefore(journal.cluster, t0), anchors.recoveryEndAt, maxLag),
    alerts: alertTimings(journal, anchors),
    singlePrimary: journal.primaryProbes && journal.primaryProbes.length > 0 ? checkSinglePrimary(journal.primaryProbes) : null,
  };
}

export function computeMetrics(journal: Journal, options: MetricsOptions = {}): ExperimentMetrics {
  const maxLag = options.caughtUpLagBytes ?? 0;
  const f = runFacts(journal, maxLag);
  const divergence = journal.nodeRowIds ? accountDivergence(journal.nodeRowIds, [...journal.writes, ...(journal.directWrites ?? [])], journal.finalReadFrom) : null;
  const lastRecoverStart = journal.faults.filter((x) => x.action === "recover").reduce<number | null>((m, x) => (m === null || x.startedAt > m ? x.startedAt : m), null);
  const lagSeries = journal.primaryProbes?.some((p) => p.walBytes !== undefined)
    ? probeLag(journal.primaryProbes, { caughtUpFrom: lastRecoverStart ?? undefined, maxLagBytes: maxLag })
    : null;
  const resync = analyseResync(journal, maxLag);
  const resyncMetrics = resyncScalars(journal, resync, maxLag);
  const scalars = { ...outageScalars(f), ...durabilityScalars(f), ...clusterScalars(f), ...alertScalars(f), ...faultPhaseScalars(f), ...resyncMetrics.scalars } as Record<MetricName, Metric>;
  return {
    anchors: f.anchors,
    categories: resyncMetrics.categories,
    resync,
    scalars,
    phases: f.phases,
    errorsByClass: errorsByClass(journal),
    firstFailure: f.failure,
    writeOutage: f.outage,
    durability: f.durable,
    leaderBefore: f.leaderBefore,
    patroniLeaderChanges: f.patroniChanges,
    etcdLeaderChanges: f.etcdChanges,
    haproxyTransitions: haproxyTransitions(journal),
    timelines: f.timelines,
    lagPeak: f.peak,
    caughtUpAt: f.caughtUp,
    alerts: f.alerts,
    singlePrimary: f.singlePrimary,
    divergence,
    probeLag: lagSeries === null ? null : { series: lagSeries, caughtUpFrom: lastRecoverStart, maxLagBytes: maxLag },
  };
}
