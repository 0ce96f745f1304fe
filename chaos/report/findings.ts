// The parts of a per-experiment report that come from findings and alert timing.
import { alertVerdicts, expectedAlertsOf, type AlertVerdict } from "../checkers/alert-timing";
import { computeFindings, sortFindings, type Finding } from "../checkers/findings";
import type { Journal } from "../checkers/journal";
import type { ExperimentMetrics } from "../checkers/metrics";
import { runOutcome, type RunOutcome } from "../checkers/outcome";
import { markdownTable } from "./table";

/** The parts of a per-experiment report that come from findings and alert timing: shown first, and every expected alert. */

export interface Conclusions {
  outcome: RunOutcome;
  findings: Finding[];
  alerts: AlertVerdict[];
}

export function conclusionsOf(journal: Journal, m: ExperimentMetrics): Conclusions {
  const alerts = alertVerdicts(journal, m, expectedAlertsOf(journal));
  return { outcome: runOutcome(journal, m), findings: sortFindings(computeFindings(journal, m, alerts)), alerts };
}

/** The verdict line: never a plain PASS when the run has findings. */
export function verdictLine(c: Conclusions): string {
  if (c.findings.length === 0) return c.outcome.text;
  const critical = c.findings.filter((f) => f.severity === "critical").length;
  return `${c.outcome.text} — ${c.findings.length} finding(s)${critical ? `, ${critical} critical` : ""}: ${c.findings.map((f) => f.class).join(", ")}`;
}

export function findingsSection(c: Conclusions): string[] {
  const out = ["## Findings", ""];
  if (c.findings.length === 0) return [...out, "None: no acknowledged write lost, no two primaries, no false failover, no unavailability over the bound, no replica left behind, no expected alert missing or late.", ""];
  out.push(markdownTable(["Severity", "Class", "Finding"], c.findings.map((f) => [f.severity, f.class, f.summary])), "");
  return out;
}

const iso = (t: number | null) => (t === null ? "—" : new Date(t).toISOString().slice(11, 23));
const sec = (s: number | null) => (s === null ? "—" : `${s.toFixed(1)} s`);

export function alertTable(alerts: AlertVerdict[]): string[] {
  if (alerts.length === 0) return ["No alert was expected of this experiment.", ""];
  return [
    markdownTable(["Alert", "Condition began (UTC)", "Fired", "Delivered", "Resolved (delivered)", "Delivered after", "Bound", "Margin", "Status"], alerts.map((a) => [
      a.alert, `${iso(a.conditionAt)} (${a.conditionHow})`, iso(a.firedAt), iso(a.deliveredAt), iso(a.resolvedAt), sec(a.deliveredAfterSeconds),
      a.boundSeconds === null ? `— (${a.boundHow})` : `${sec(a.boundSeconds)} = ${a.boundHow}`, sec(a.marginSeconds), a.status,
    ])),
    "",
  ];
}
