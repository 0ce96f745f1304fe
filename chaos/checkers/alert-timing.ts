// Alert timing per expected alert: when its condition began, fired, was delivered, the bound it had to meet.
import type { AlertObservation, Journal, MonitoringSettings } from "./journal";
import type { ConditionStart, ExpectedAlertSpec } from "./alert-spec";
import { demotionAt } from "./demotion";

export type { ConditionStart, ExpectedAlertSpec } from "./alert-spec";
import type { ExperimentMetrics } from "./metrics";

/**
 * One computation of alert timing, used by every per-experiment report and by the game day's findings:
 * for each expected alert, when its condition began, when it fired, was delivered and resolved, the bound
 * it had to meet and the margin — or that it is missing or late.
 *
 * The bound is what the monitoring configuration in effect allows, measured from the moment the alert's
 * condition began: 2 × scrape_interval (the next scrape, plus a scrape that times out against a stopped or
 * frozen target) + 2 × evaluation_interval (the evaluation that sees the sample, and the one at which `for`
 * has elapsed) + the expression's averaging window (rate/avg_over_time ranges) + the rule's `for` +
 * Alertmanager's group_wait. A delivery after it is late; none is missing.
 */


export type AlertStatus = "on time" | "late" | "missing" | "not fired" | "condition never began" | "not observed";

export interface AlertVerdict {
  alert: string;
  labels: Record<string, string>;
  /** Epoch ms; null when that moment never came. */
  conditionAt: number | null;
  conditionHow: string;
  firedAt: number | null;
  deliveredAt: number | null;
  resolvedAt: number | null;
  /** Seconds from the condition's start. */
  firedAfterSeconds: number | null;
  deliveredAfterSeconds: number | null;
  /** The allowed delay (s) and how it is made up; null when the monitoring settings were not read. */
  boundSeconds: number | null;
  boundHow: string;
  /** bound − delivered-after (s), from the latest moment the condition can have begun: positive = inside the bound. */
  marginSeconds: number | null;
  status: AlertStatus;
}

/** The alert's bound from the settings in effect, with its formula spelled out. */
export function alertBound(alert: string, s: MonitoringSettings | undefined): { seconds: number | null; how: string } {
  if (!s) return { seconds: null, how: "monitoring settings were not read in this run" };
  const forS = s.alertFor[alert];
  if (forS === undefined) return { seconds: null, how: `no rule named ${alert} in Prometheus' loaded rules` };
  const window = s.alertWindow?.[alert] ?? 0;
  const seconds = 2 * s.scrapeIntervalSeconds + 2 * s.evaluationIntervalSeconds + window + forS + s.groupWaitSeconds;
  return { seconds, how: `2 × scrape ${s.scrapeIntervalSeconds} s + 2 × evaluation ${s.evaluationIntervalSeconds} s + ${window ? `averaging window ${window} s + ` : ""}for ${forS} s + group_wait ${s.groupWaitSeconds} s` };
}

/** The instant a condition began, from the run's faults and leader changes. */
export function conditionStart(journal: Journal, m: ExperimentMetrics, from: ConditionStart): { at: number | null; how: string; latest?: number } {
  const t0 = m.anchors.injectionAt;
  switch (from.kind) {
    case "injection":
      return { at: t0, how: t0 === null ? "no fault was injected" : `the injection (${m.anchors.injectionHow})` };
    case "fault": {
      const w = m.anchors.windows.find((x) => x.fault === from.fault);
      return { at: w?.start ?? null, how: w ? `injection of ${from.fault}` : `${from.fault} was never injected` };
    }
    case "recover": {
      const r = journal.faults.find((f) => f.action === "recover" && f.fault === from.fault);
      // The recover action brings it back somewhere inside the action: delays count from its start (the earliest
      // it can be back), and an alert is late only if it is late even from the action's end (the latest).
      return r
        ? { at: r.startedAt, latest: r.endedAt, how: `the recovery of ${from.fault} (back between its start and ${((r.endedAt - r.startedAt) / 1000).toFixed(1)} s later)` }
        : { at: null, how: `${from.fault} was never recovered` };
    }
    case "demotion": {
      const d = demotionAt(journal, m);
      return { at: d?.at ?? null, how: d ? `the old primary's demotion (${d.how})` : "the old primary never stopped accepting writes" };
    }
    case "leader-change": {
      const c = t0 === null ? undefined : m.patroniLeaderChanges.find((x) => x.at >= t0);
      return { at: c?.at ?? null, how: c ? `the leader change ${c.from} → ${c.to} seen in /cluster` : "no leader change was observed after the injection" };
    }
  }
}

const rel = (t: number | null, zero: number | null) => (t === null || zero === null ? null : (t - zero) / 1000);

/** Observations that came before the condition began belong to an earlier episode. */
const atOrAfter = (t: number | undefined, zero: number | null, slackMs: number) => (t !== undefined && zero !== null && t >= zero - slackMs ? t : null);

export function judgeAlert(spec: ExpectedAlertSpec, observed: AlertObservation | undefined, journal: Journal, m: ExperimentMetrics): AlertVerdict {
  const cond = conditionStart(journal, m, spec.from);
  const bound = alertBound(spec.alert, journal.monitoringSettings);
  // A sample can be stamped a scrape before the controller saw its own action end: allow one scrape of slack.
  const slack = (journal.monitoringSettings?.scrapeIntervalSeconds ?? 0) * 1000;
  const firedAt = atOrAfter(observed?.firedAt, cond.at, slack);
  const deliveredAt = atOrAfter(observed?.receivedAt, cond.at, slack);
  const resolvedAt = observed?.resolvedReceivedAt ?? null;
  const deliveredAfter = rel(deliveredAt, cond.at);
  const deliveredAfterLatest = rel(deliveredAt, cond.latest ?? cond.at);
  const margin = deliveredAfterLatest === null || bound.seconds === null ? null : bound.seconds - deliveredAfterLatest;
  let status: AlertStatus;
  if (!observed) status = "not observed";
  else if (cond.at === null) status = "condition never began";
  else if (deliveredAt === null) status = firedAt === null ? "not fired" : "missing";
  else status = margin !== null && margin < 0 ? "late" : "on time";
  return {
    alert: spec.alert, labels: observed?.labels ?? {}, conditionAt: cond.at, conditionHow: cond.how,
    firedAt, deliveredAt, resolvedAt, firedAfterSeconds: rel(firedAt, cond.at), deliveredAfterSeconds: deliveredAfter,
    boundSeconds: bound.seconds, boundHow: bound.how, marginSeconds: margin, status,
  };
}

/** Every expected alert of the run, judged; alerts the runner could not observe say so. */
export function alertVerdicts(journal: Journal, m: ExperimentMetrics, expected: ExpectedAlertSpec[]): AlertVerdict[] {
  return expected.map((spec) => judgeAlert(spec, journal.alerts.find((a) => a.alert === spec.alert), journal, m));
}

/** The journal's expected alerts (older journals: the names observed, conditions from the injection). */
export function expectedAlertsOf(journal: Journal): ExpectedAlertSpec[] {
  if (journal.experiment.expectedAlerts) return journal.experiment.expectedAlerts;
  return journal.alerts.map((a) => ({ alert: a.alert, from: { kind: "injection" } as const }));
}
