// Alerts per fault window of a campaign: each expected alert on time, late, missing or too short to judge; alerts no fault explains.
import { firstFiring, firstNotification, matches, type MatrixSeries } from "../../components/monitoring/alerts";
import { alertBound, judgeAlert, type AlertVerdict } from "../checkers/alert-timing";
import type { ExpectedAlertSpec } from "../checkers/alert-spec";
import type { AlertObservation, Journal } from "../checkers/journal";
import { leaderAt, patroniLeaderObservations } from "../checkers/leaders";
import type { ExperimentMetrics } from "../checkers/metrics";
import { isUnavailable, type AlertDataRead } from "./alert-data";
import { roleOf, windowExpectation, type ExpectedWindowAlert } from "./alert-expectations";
import type { FaultInterval } from "./analysis";
import { laggingMembers } from "./caught-up";
import type { Schedule } from "./plan";

/**
 * The alert checker over a whole campaign. For each fault window (a fault's injection → the start of its
 * recovery) it takes the alerts the catalog expects of that fault's shape (alert-expectations.ts) and judges
 * each with the experiments' own alert timing (judgeAlert and alertBound, with the window's injection as the
 * run's): on time, late, missing — or too short to judge when the window ended before the alert's bound,
 * or already firing from an earlier window. Then every firing episode of the run that no fault window (nor
 * the cluster's healing after it) explains. No monitoring, or monitoring unreachable: the check did not run.
 */

export type WindowAlertStatus = AlertVerdict["status"] | "too short to judge" | "already firing";

export interface WindowAlertVerdict extends Omit<AlertVerdict, "status"> {
  status: WindowAlertStatus;
  expectedLabels: Record<string, string>;
}

export interface FaultWindowAlerts {
  fault: string;
  label: string;
  cycle: number;
  /** The fault acting → the start of its recovery (the condition can end from then on). */
  from: number;
  to: number;
  catalog?: string;
  why: string;
  verdicts: WindowAlertVerdict[];
}

export interface AlertEpisode {
  alert: string;
  labels: Record<string, string>;
  /** First and last firing evaluation of the episode. */
  start: number;
  end: number;
}

export interface UnexplainedAlert extends AlertEpisode {
  why: string;
}

export type CampaignAlertCheck =
  | { ran: false; reason: string; readAt: number }
  | {
      ran: true; readAt: number; afterTheRun: boolean; from: number; to: number;
      /** How the bounds were made, or why they are unknown. */
      boundsNote: string;
      windows: FaultWindowAlerts[];
      episodes: number;
      notifications: number;
      unexplained: UnexplainedAlert[];
    };

export interface AlertCheckInput {
  journal: Journal;
  metrics: ExperimentMetrics;
  faults: FaultInterval[];
  schedule: Pick<Schedule, "faults">;
  data: AlertDataRead | undefined;
  /** Catalog experiment id → its expected alerts. */
  catalog: Map<string, ExpectedAlertSpec[]>;
}

/** ALERTS samples further apart than this are two episodes (the alert resolved in between). */
const gapMs = (evaluationSeconds: number | undefined) => 3 * (evaluationSeconds ?? 2) * 1000;

/** Every firing episode of every series. */
export function alertEpisodes(series: MatrixSeries[], maxGapMs: number): AlertEpisode[] {
  const out: AlertEpisode[] = [];
  for (const s of series) {
    const { alertstate: _s, __name__: _n, ...labels } = s.metric;
    const times = s.values.map(([t]) => t * 1000).sort((a, b) => a - b);
    let start = times[0];
    for (let i = 1; i <= times.length; i++) {
      if (i === times.length || times[i] - times[i - 1] > maxGapMs) {
        out.push({ alert: labels.alertname, labels, start, end: times[i - 1] });
        start = times[i];
      }
    }
  }
  return out.sort((a, b) => a.start - b.start);
}

/** Who led the cluster as of `at`, from the /cluster samples. */
const leaderBefore = (j: Journal, at: number) => leaderAt(patroniLeaderObservations(j.cluster), at);

/** One expected alert of a window, judged by the experiments' own judgeAlert with the window's injection as the run's. */
function judgeInWindow(a: ExpectedWindowAlert, w: { from: number; to: number }, journal: Journal, m: ExperimentMetrics, data: Exclude<AlertDataRead, { unavailable: string }>): WindowAlertVerdict {
  const settings = data.settings ?? journal.monitoringSettings;
  const bound = alertBound(a.alert, settings).seconds;
  const slackMs = (settings?.scrapeIntervalSeconds ?? 0) * 1000;
  // What comes after the window's end plus the bound belongs to a later episode, not to this window.
  const horizon = w.to + (bound ?? 0) * 1000;
  const expected = { alertname: a.alert, labels: a.labels };
  const series = data.series.filter((s) => matches(s.metric, expected)).map((s) => ({ metric: s.metric, values: s.values.filter(([t]) => t * 1000 <= horizon) }));
  const fired = firstFiring(series, w.from - slackMs, gapMs(settings?.evaluationIntervalSeconds) / 1000);
  const sent = firstNotification(data.notifications.filter((n) => n.receivedAtMs <= horizon), expected, "firing", w.from - slackMs);
  const resolved = firstNotification(data.notifications, expected, "resolved", w.to);
  const observed: AlertObservation = {
    alert: a.alert, labels: fired?.labels ?? (sent ? { ...sent.labels, alertname: sent.alertname } : a.labels),
    firedAt: fired && !fired.alreadyFiring ? fired.firedAtMs : undefined, receivedAt: sent?.receivedAtMs, resolvedReceivedAt: resolved?.receivedAtMs,
  };
  const windowMetrics: ExperimentMetrics = { ...m, anchors: { ...m.anchors, injectionAt: w.from, injectionHow: "the fault's injection" }, leaderBefore: leaderBefore(journal, w.from - 1) };
  const v = judgeAlert(a, observed, { ...journal, monitoringSettings: settings }, windowMetrics);
  let status: WindowAlertStatus = v.status;
  let conditionHow = v.conditionHow;
  if (fired?.alreadyFiring && v.deliveredAt === null) status = "already firing";
  else if (v.conditionAt !== null && v.conditionAt > w.to) {
    status = "condition never began";
    conditionHow = `${v.conditionHow}, after this window ended`;
  } else if ((status === "missing" || status === "not fired") && bound !== null && v.conditionAt !== null && (w.to - v.conditionAt) / 1000 < bound) status = "too short to judge";
  return { ...v, status, conditionHow, expectedLabels: a.labels };
}

/** The first /cluster sample from `after` on in which every member is caught up (the healing after a fault). */
function healedAt(j: Journal, names: Set<string>, after: number): number | undefined {
  return j.cluster.find((s) => s.ok && s.at >= after && s.members.some((x) => x.role === "leader") && laggingMembers(s, names).length === 0)?.at;
}

/** Episodes during the run that no fault explains: none active at their start, nor healing from one. */
function unexplainedEpisodes(episodes: AlertEpisode[], input: AlertCheckInput, settings: Parameters<typeof alertBound>[1]): UnexplainedAlert[] {
  const { journal: j, faults } = input;
  const slackMs = (settings?.scrapeIntervalSeconds ?? 0) * 1000;
  const injected = faults.filter((f) => f.activeFrom !== undefined);
  const names = new Set(j.cluster.flatMap((s) => s.members.map((x) => x.name)));
  const healed = new Map(injected.map((f) => [f.name, healedAt(j, names, f.activeTo ?? j.endedAt) ?? j.endedAt]));
  const out: UnexplainedAlert[] = [];
  for (const e of episodes.filter((x) => x.end >= j.startedAt && x.start <= j.endedAt)) {
    const bound = (alertBound(e.alert, settings).seconds ?? 0) * 1000;
    // The lab's faults act on the database cluster: an alert about the monitoring itself needs a fault on that member.
    const aboutMonitoring = e.labels.role === "monitoring";
    const explains = injected.filter((f) => (!aboutMonitoring || f.members.includes(e.labels.member))
      && f.activeFrom! - slackMs <= e.start && e.start <= Math.max(f.activeTo ?? j.endedAt, healed.get(f.name)!) + bound);
    if (explains.length) continue;
    const why = e.start < j.startedAt ? `firing since before the run (${new Date(e.start).toISOString()})`
      : aboutMonitoring ? `about monitoring member ${e.labels.member ?? "?"}, which no fault of the campaign touched`
      : "no fault active, nor the cluster healing from one, when it began";
    out.push({ ...e, why });
  }
  return out;
}

export function checkCampaignAlerts(input: AlertCheckInput): CampaignAlertCheck {
  const { data, journal: j } = input;
  if (!data) return { ran: false, reason: "no alert data was read for this run (monitoring not read at its end; re-analyse it with --reanalyze)", readAt: j.endedAt };
  if (isUnavailable(data)) return { ran: false, reason: data.unavailable, readAt: data.readAt };
  const settings = data.settings ?? j.monitoringSettings;
  const windows = input.faults.filter((f) => f.activeFrom !== undefined).map((f): FaultWindowAlerts => {
    const planned = input.schedule.faults.find((p) => p.name === f.name)!;
    const recover = j.faults.filter((e) => e.action === "recover" && e.fault === f.name).at(-1);
    const w = { from: f.activeFrom!, to: recover?.startedAt ?? j.endedAt };
    const role = roleOf(planned.selector, f.members[0], leaderBefore(j, w.from - 1), planned.kind);
    const expectation = windowExpectation(planned.spec, role, f.members, f.name, input.catalog);
    return { fault: f.name, label: f.label, cycle: f.cycle, ...w, catalog: expectation.catalog, why: expectation.why, verdicts: expectation.alerts.map((a) => judgeInWindow(a, w, j, input.metrics, data)) };
  });
  const episodes = alertEpisodes(data.series, gapMs(settings?.evaluationIntervalSeconds));
  return {
    ran: true, readAt: data.readAt, afterTheRun: data.afterTheRun, from: data.from, to: data.to,
    boundsNote: settings ? (data.settings ? "settings read from Prometheus and Alertmanager with the alert data" : "settings recorded in the journal") : `monitoring settings not read (${data.settingsError ?? "unknown"}): no bound, so no alert is late or too short to judge`,
    windows, episodes: episodes.length, notifications: data.notifications.length, unexplained: unexplainedEpisodes(episodes, input, settings),
  };
}
