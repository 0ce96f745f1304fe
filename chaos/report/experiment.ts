// The markdown report of one experiment in four sections, and the index over many; rendered from the journal alone.
import { describeExpectation, metricOf } from "../checkers/expectations";
import type { Journal } from "../checkers/journal";
import { computeMetrics, type ExperimentMetrics, type Metric } from "../checkers/metrics";
import { analysisSection } from "./analysis";
import { conclusionsOf, findingsSection, verdictLine } from "./findings";
import { formatMetricValue, iso } from "./format";
import { resultsSection, type ChartRef } from "./results";
import { markdownTable } from "./table";

/**
 * Markdown report of one experiment in the user's four sections (description and steps, expected
 * behaviour, actual results, analysis), and an index over many. Everything is rendered from the
 * journal and the metrics computed from it: nothing is written by hand per run, so a saved journal
 * re-renders to the same report.
 */

export interface ReportOptions {
  /** Computed from the journal when not given. */
  metrics?: ExperimentMetrics;
  charts?: ChartRef[];
  /** Cap on log excerpt lines (lines about leadership and failures are kept first). */
  maxLogLines?: number;
}

// ---------------------------------------------------------------------------------------------------
// Section 1: description and steps.

function descriptionSection(journal: Journal): string[] {
  const out = ["## 1. Description and steps", "", journal.experiment.description, ""];
  const steps = journal.experiment.steps ?? [];
  if (steps.length > 0) {
    out.push("**Method**", "", ...steps.map((s, i) => `${i + 1}. ${s.description}${s.tool ? ` — tool: ${s.tool}` : ""}`), "");
  }
  const faults = [...journal.faults].sort((a, b) => a.startedAt - b.startedAt);
  if (faults.length > 0) {
    out.push("**Fault actions as executed**", "");
    out.push(markdownTable(
      ["Action", "Fault", "Kind", "Targets", "Mechanism", "Command", "Started (UTC)", "Took"],
      faults.map((f) => [f.action, f.fault, f.kind, f.targets.join(", "), f.mechanism ?? "—", f.command ? `\`${f.command}\`` : "—", iso(f.startedAt), `${((f.endedAt - f.startedAt) / 1000).toFixed(3)} s`]),
    ), "");
  } else out.push("No fault action was executed.", "");
  const pc = journal.patroniConfig;
  if (pc) {
    const keys = Object.keys(pc.requested);
    out.push(`**Patroni dynamic configuration for this run**${journal.experiment.variant ? ` (variant \`${journal.experiment.variant}\`)` : ""}: set through the REST API (\`PATCH /config\`) before the steady state, restored afterwards.`, "");
    out.push(markdownTable(["Key", "Before", "Requested", "In effect (read back)", "Restored"], keys.map((k) => [
      k, JSON.stringify(pc.before[k] ?? null), JSON.stringify(pc.requested[k]), JSON.stringify(pc.effective[k] ?? null),
      pc.appliedAt === undefined ? "nothing to restore" : pc.restoredAt === undefined ? "NOT restored" : iso(pc.restoredAt),
    ])), "");
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Section 2: expected behaviour.

function expectedSection(journal: Journal, metrics: ExperimentMetrics): string[] {
  const expected = journal.experiment.expected;
  const out = ["## 2. Expected behaviour", ""];
  if (!expected) return [...out, "No expectations were declared for this experiment.", ""];
  out.push(expected.prose, "");
  if (expected.assertions.length > 0) {
    out.push("Machine-checked assertions:", "");
    for (const e of expected.assertions) out.push(`- ${describeExpectation(e, metricOf(metrics, e))} (\`${e.metric} ${e.op} ${e.value}\`)${e.why ? ` — ${e.why}` : ""}`);
    out.push("");
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------

export function renderExperimentReport(journal: Journal, options: ReportOptions = {}): string {
  const m = options.metrics ?? computeMetrics(journal);
  const c = conclusionsOf(journal, m);
  const lines = [
    `# ${journal.experiment.title}`,
    "",
    `Experiment \`${journal.experiment.id}\`, run ${iso(journal.startedAt)}${journal.target ? ` against ${journal.target}` : ""}. Verdict: ${verdictLine(c)}.`,
    "",
    ...findingsSection(c),
    ...descriptionSection(journal),
    ...expectedSection(journal, m),
    ...resultsSection(journal, m, options.charts ?? [], options.maxLogLines ?? 40, c.alerts),
    ...analysisSection(journal, m, c.outcome.verdicts),
  ];
  return `${lines.join("\n").replace(/\n{3,}/g, "\n\n").trimEnd()}\n`;
}

export interface IndexEntry {
  journal: Journal;
  /** Link to the experiment's report, relative to the index. */
  reportPath: string;
  metrics?: ExperimentMetrics;
}

export function renderReportIndex(entries: IndexEntry[], title = "Experiment reports"): string {
  const judged = entries.map((e) => {
    const m = e.metrics ?? computeMetrics(e.journal);
    return { e, m, c: conclusionsOf(e.journal, m) };
  });
  const short = (metric: Metric) => (metric.value === null ? "—" : formatMetricValue(metric));
  const rows = judged.map(({ e, m, c }) => [
    `[${e.journal.experiment.title}](${e.reportPath})`,
    c.outcome.text,
    c.findings.length === 0 ? "none" : c.findings.map((f) => `${f.severity}: ${f.summary}`).join("; "),
    short(m.scalars.timeToNewLeaderSeconds),
    short(m.scalars.writeUnavailabilitySeconds),
    short(m.scalars.lostAckedWrites),
    short(m.scalars.firstAlertDeliveredSeconds),
    iso(e.journal.startedAt),
  ]);
  const passed = judged.filter(({ c }) => c.outcome.status === "PASS").length;
  const findings = judged.reduce((n, { c }) => n + c.findings.length, 0);
  return [
    `# ${title}`,
    "",
    `${entries.length} experiments, ${passed} passed every expectation; ${findings} finding(s).`,
    "",
    markdownTable(["Experiment", "Verdict", "Findings", "Time to new leader", "Write unavailability", "Lost acked writes", "First alert delivered", "Run (UTC)"], rows),
    "",
  ].join("\n");
}
