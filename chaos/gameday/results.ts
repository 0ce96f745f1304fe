// results.json of a game day: every run's metrics, verdict and findings, recommendations and settings.
import { alertVerdicts, expectedAlertsOf, type AlertVerdict } from "../checkers/alert-timing";
import { faultWriteAvailability } from "../checkers/operations";
import { computeFindings, type Finding } from "../checkers/findings";
import type { Journal, MonitoringSettings } from "../checkers/journal";
import { computeMetrics, type ExperimentMetrics, type MetricName } from "../checkers/metrics";
import { runOutcome, type RunStatus } from "../checkers/outcome";
import { CAUGHT_UP_LAG_BYTES } from "../report/publish";
import { ELECTION_LOG } from "../checkers/log-lines";
import type { PatroniSettings } from "./candidates";
import type { Question } from "./programme";
import type { RecommendationStatus } from "./verdict";

/**
 * results.json: every run's metrics, verdict and findings, the findings and recommendations of the game
 * day, and the settings in effect — one schema for the game day and for `pgchaos run -o json`, so two runs
 * can be compared by a program.
 */

export const RESULTS_SCHEMA_VERSION = 1;

export interface RunResult {
  experiment: string;
  variant?: string;
  title: string;
  /** programme: part of the homework; ab: one side of an A/B run for a recommendation. */
  role: "programme" | "ab" | "single";
  question?: Question;
  /** Relative to the results file. */
  report: string;
  startedAt: string;
  endedAt: string;
  status: RunStatus;
  verdict: string;
  /** Every scalar metric: value (null when not measured) and unit. */
  metrics: Record<string, { value: number | null; unit: string; reason?: string }>;
  findings: Finding[];
  alerts: AlertVerdict[];
  /** Patroni settings this run set for itself (PATCH /config), when any. */
  patroniConfig?: Record<string, unknown>;
  /** Acknowledged / sent writes in the fault phase, percent. */
  writeAvailabilityPercent?: number;
  /** How an isolated replica got back (slot, streaming, reinit, ...), when the run sampled it. */
  resyncMethod?: string;
  /** The first leader change after the injection: who won, the candidates just before, Patroni's own lines. */
  election?: Election;
}

export interface Election {
  from?: string;
  to?: string;
  afterSeconds: number;
  candidates: { name: string; role: string; lagBytes?: number; timeline?: number }[];
  log: string[];
}


export function electionOf(journal: Journal, m: ExperimentMetrics): Election | undefined {
  const t0 = m.anchors.injectionAt;
  const change = t0 === null ? undefined : m.patroniLeaderChanges.find((c) => c.at >= t0);
  if (!change || t0 === null) return undefined;
  const before = [...journal.cluster].reverse().find((s) => s.ok && s.at <= t0 && s.members.length > 0);
  return {
    from: change.from, to: change.to, afterSeconds: (change.at - t0) / 1000,
    candidates: (before?.members ?? []).map((c) => ({ name: c.name, role: c.role, ...(c.lagBytes !== undefined ? { lagBytes: c.lagBytes } : {}), ...(c.timeline !== undefined ? { timeline: c.timeline } : {}) })),
    log: journal.logs.filter((l) => l.at >= t0 - 1000 && l.at <= change.at + 2000 && ELECTION_LOG.test(l.text)).slice(0, 8).map((l) => `${l.member}: ${l.text}`),
  };
}

export interface RecommendationResult {
  candidate: string;
  title: string;
  status: RecommendationStatus;
  /** The sentence the report prints, written from the numbers. */
  claim: string;
  fixes: string[];
  /** Findings it answers (their summaries). */
  because: string[];
  experiment?: string;
  sideA?: Record<string, unknown>;
  sideB?: Record<string, unknown>;
  goal?: { measure: string; unit: string; a: number[]; b: number[]; decision: string };
  costs?: { measure: string; unit: string; experiment: string; a: number[]; b: number[]; decision: string; why: string }[];
  /** Links to the runs behind it. */
  runs: string[];
  /** Side-by-side comparisons of the A/B runs (compare-*.md). */
  comparisons?: string[];
}

export interface Settings {
  patroni?: PatroniSettings;
  haproxy?: { interMs: number; fall: number; rise: number };
  monitoring?: MonitoringSettings;
  /** What could not be read, and why. */
  notes: string[];
}

export interface GameDayResults {
  schemaVersion: number;
  runId: string;
  mode: "full" | "quick" | "run";
  target: string;
  startedAt: string;
  endedAt: string;
  wallSeconds: number;
  settings: Settings;
  runs: RunResult[];
  findings: Finding[];
  recommendations: RecommendationResult[];
  exitCode: number;
}

const iso = (t: number) => new Date(t).toISOString();

/** One run's entry, computed from its journal alone. */
export function runResult(journal: Journal, report: string, role: RunResult["role"], question?: Question, metrics?: ExperimentMetrics): RunResult {
  const m = metrics ?? computeMetrics(journal, { caughtUpLagBytes: CAUGHT_UP_LAG_BYTES });
  const outcome = runOutcome(journal, m);
  const alerts = alertVerdicts(journal, m, expectedAlertsOf(journal));
  const availability = faultWriteAvailability(m);
  const election = electionOf(journal, m);
  return {
    experiment: journal.experiment.id,
    ...(journal.experiment.variant ? { variant: journal.experiment.variant } : {}),
    title: journal.experiment.title, role, ...(question ? { question } : {}), report,
    startedAt: iso(journal.startedAt), endedAt: iso(journal.endedAt),
    status: outcome.status, verdict: outcome.text,
    metrics: Object.fromEntries((Object.keys(m.scalars) as MetricName[]).map((k) => {
      const s = m.scalars[k];
      return [k, { value: s.value, unit: s.unit, ...(s.reason ? { reason: s.reason } : {}) }];
    })),
    findings: computeFindings(journal, m, alerts),
    alerts,
    ...(journal.patroniConfig ? { patroniConfig: journal.patroniConfig.effective } : {}),
    ...(availability ? { writeAvailabilityPercent: availability.percent } : {}),
    ...(m.categories.resyncMethod.value ? { resyncMethod: m.categories.resyncMethod.value } : {}),
    ...(election ? { election } : {}),
  };
}
