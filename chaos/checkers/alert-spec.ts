// An expected alert as an experiment declares it: the alert, and when the condition it watches begins.

/** When an alert's condition begins, as declared by the experiment (default: the first injection). */
export type ConditionStart =
  | { kind: "injection" }
  | { kind: "fault"; fault: string }
  | { kind: "leader-change" }
  /** The old primary stopped accepting writes (a demotion's shutdown: PostgresDown in a split-brain). */
  | { kind: "demotion" }
  | { kind: "recover"; fault: string };

export interface ExpectedAlertSpec {
  alert: string;
  /** When the condition the alert watches begins. */
  from: ConditionStart;
}
