// The metrics a run is measured by: names, units, categories — what expectations and reports refer to.
import { RESYNC_METHODS } from "./resync-records";

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
