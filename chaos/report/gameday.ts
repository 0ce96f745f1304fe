// The game-day report (game-day.md): answers, findings, recommendations with their A/B evidence, settings.
import type { TopLevelSpec } from "vega-lite/build/index";
import { markdownTable } from "./table";
import { answerLines } from "../gameday/answers";
import type { GameDayResults, RecommendationResult } from "../gameday/results";
import { fmt } from "../gameday/verdict";

/**
 * The game-day report (game-day.md): the homework's questions answered, then the findings, then the
 * recommendations with their A/B evidence, then the settings in effect. Rendered from results.json alone.
 */

const settingsText = (o?: Record<string, unknown>) => (o ? Object.entries(o).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(", ") : "—");

/** A chart of the goal measure per side (one point per run), for recommendations tested by A/B. */
export function abChartSpec(r: RecommendationResult): TopLevelSpec | undefined {
  if (!r.goal || (r.goal.a.length === 0 && r.goal.b.length === 0)) return undefined;
  const sideLabel = (side: "A" | "B", o?: Record<string, unknown>) => `${side}: ${settingsText(o)}`;
  const values = [
    ...r.goal.a.map((y, i) => ({ side: sideLabel("A", r.sideA), run: i + 1, y })),
    ...r.goal.b.map((y, i) => ({ side: sideLabel("B", r.sideB), run: i + 1, y })),
  ];
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: `${r.goal.measure}: ${r.title} (${r.experiment})`,
    width: 480, height: 200,
    data: { values },
    layer: [
      { mark: { type: "bar", opacity: 0.35 }, encoding: { x: { field: "side", type: "nominal", title: null, axis: { labelAngle: 0, labelLimit: 300 } }, y: { aggregate: "mean", field: "y", type: "quantitative", title: `${r.goal.measure}${r.goal.unit ? ` (${r.goal.unit})` : ""}` } } },
      { mark: { type: "point", filled: true, size: 80 }, encoding: { x: { field: "side", type: "nominal" }, y: { field: "y", type: "quantitative" }, tooltip: [{ field: "run" }, { field: "y" }] } },
    ],
  } as TopLevelSpec;
}

export const abChartFile = (r: RecommendationResult) => `ab-${r.candidate}.svg`;

function recommendationLines(r: RecommendationResult, charted: boolean): string[] {
  const out = [`### ${r.title} — ${r.status.toUpperCase()}`, "", r.claim.endsWith(".") ? r.claim : `${r.claim}.`, ""];
  if (r.because.length) out.push(`Because: ${r.because.join("; ")}.`, "");
  if (r.goal) {
    const rows = [["A (in effect)", settingsText(r.sideA), r.goal.a.map(fmt).join(", ") || "n/a"], ["B (candidate)", settingsText(r.sideB), r.goal.b.map(fmt).join(", ") || "n/a"]];
    out.push(markdownTable(["Side", "Settings", `${r.goal.measure}${r.goal.unit ? ` (${r.goal.unit})` : ""}, per run`], rows), "");
    for (const c of r.costs ?? []) out.push(`- Cost — ${c.measure} on ${c.experiment} (${c.why}): A ${c.a.map(fmt).join(", ") || "n/a"}, B ${c.b.map(fmt).join(", ") || "n/a"}${c.unit ? ` ${c.unit}` : ""} (${c.decision}).`);
    if (r.costs?.length) out.push("");
  }
  if (charted) out.push(`![${r.title}](${abChartFile(r)})`, "");
  if (r.runs.length) out.push(`Runs: ${r.runs.map((p) => `[${p.split("/")[0]}](${p})`).join(", ")}.`, "");
  if (r.comparisons?.length) out.push(`Side by side, every measure: ${r.comparisons.map((c) => `[${c}](${c})`).join(", ")}.`, "");
  return out;
}

function settingsSection(res: GameDayResults): string[] {
  const p = res.settings.patroni;
  const h = res.settings.haproxy;
  const m = res.settings.monitoring;
  const out = ["## Settings in effect", "", "Read from the running components at the start of the game day.", ""];
  out.push(markdownTable(["Component", "Setting", "Value"], [
    ...(p ? Object.entries(p).map(([k, v]) => ["Patroni", k, String(v)]) : [["Patroni", "—", "not read"]]),
    ...(h ? [["HAProxy (read-write backend)", "inter", `${h.interMs} ms`], ["HAProxy (read-write backend)", "fall", String(h.fall)], ["HAProxy (read-write backend)", "rise", String(h.rise)]] : [["HAProxy", "—", "not read"]]),
    ...(m ? [["Prometheus", "scrape_interval", `${m.scrapeIntervalSeconds} s`], ["Prometheus", "evaluation_interval", `${m.evaluationIntervalSeconds} s`], ["Alertmanager", "group_wait", `${m.groupWaitSeconds} s`]] : [["Monitoring", "—", "not read"]]),
  ]), "");
  if (m) out.push(`Alert \`for\`: ${Object.entries(m.alertFor).map(([a, s]) => `${a} ${s} s`).join(", ")}.`, "");
  return out;
}

export function renderGameDay(res: GameDayResults, charted: Set<string>): string {
  const programme = res.runs.filter((r) => r.role === "programme");
  const count = (st: string) => programme.filter((r) => r.status === st).length;
  const out = [
    `# Game day ${res.runId}`, "",
    `${res.mode === "quick" ? "Quick" : "Full"} programme against ${res.target}, ${res.startedAt} → ${res.endedAt} (${Math.floor(res.wallSeconds / 60)} min ${res.wallSeconds % 60} s). ${programme.length} experiments: ${count("PASS")} PASS, ${count("FAIL")} FAIL, ${count("ABORTED")} ABORTED, ${count("INVALID")} INVALID, ${count("ERROR")} ERROR; ${res.runs.length - programme.length} A/B runs. ${res.findings.length} finding(s). Exit code ${res.exitCode}.`, "",
    "## Answers to the homework", "", ...answerLines(res),
    `## Findings (${res.findings.length})`, "",
  ];
  out.push(res.findings.length === 0 ? "None: no run lost acknowledged writes, showed two primaries, went down with etcd, failed over falsely, exceeded its unavailability bound, left a replica behind or missed an alert's bound." : markdownTable(["Severity", "Class", "Experiment", "Finding"], res.findings.map((f) => [f.severity, f.class, `${f.experiment}${f.variant ? ` (${f.variant})` : ""}`, f.summary])), "");
  out.push(`## Recommendations (${res.recommendations.length})`, "");
  if (res.recommendations.length === 0) out.push("None: no finding called for a change.", "");
  for (const r of res.recommendations) out.push(...recommendationLines(r, charted.has(r.candidate)));
  out.push(...settingsSection(res));
  out.push("## Runs", "", markdownTable(["Experiment", "Role", "Verdict", "Findings", "Report"], res.runs.map((r) => [`${r.experiment}${r.variant ? ` (${r.variant})` : ""}`, r.role, r.verdict, String(r.findings.length), `[report](${r.report})`])), "");
  if (res.settings.notes.length) out.push("## Notes", "", ...res.settings.notes.map((n) => `- ${n}`), "");
  return `${out.join("\n").replace(/\n{3,}/g, "\n\n").trimEnd()}\n`;
}
