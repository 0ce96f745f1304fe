// A campaign's results.json and report: the planned schedule beside what ran, anomalies, the table per combination.
import * as fs from "fs";
import * as path from "path";
import type { TopLevelSpec } from "vega-lite/build/index";
import { renderSvg } from "../report/charts";
import { markdownTable } from "../report/table";
import { RESULTS_SCHEMA_VERSION } from "../gameday/results";
import type { CampaignAnalysis } from "./analysis";
import { alertSection } from "./alert-report";
import type { Campaign } from "./definition";
import type { CampaignRun, ToggleRecord } from "./execute";
import { scheduleHash, type Schedule } from "./plan";

/** A campaign's results.json: the planned schedule beside what ran, every anomaly, the table per combination. */
export interface CampaignResults {
  schemaVersion: number;
  mode: "campaign";
  runId: string;
  campaign: string;
  title: string;
  file: string;
  seed: number;
  /** The campaign as run (file, --seed and --duration applied): a re-analysis needs its bounds. Older results lack it. */
  definition?: Campaign;
  scheduleHash: string;
  rerun: string;
  target: string;
  startedAt: string;
  endedAt: string;
  wallSeconds: number;
  scheduleStartedAt?: number;
  schedule: Schedule;
  toggles: ToggleRecord[];
  analysis: CampaignAnalysis;
  faultWatch?: { checks: number; effectChecks: number; maxGapMs: number; events: number };
  notes: string[];
  exitCode: number;
  /** Set on a re-analysis: when, and the results it re-analysed (kept unchanged beside it). */
  reanalysis?: { at: string; of: string };
}

export const EXIT_FOR_STATUS = { PASS: 0, FAIL: 1, INVALID: 3 } as const;

export function campaignResults(run: CampaignRun, analysis: CampaignAnalysis, file: string, runId: string): CampaignResults {
  const j = run.journal;
  return {
    schemaVersion: RESULTS_SCHEMA_VERSION, mode: "campaign", runId, campaign: run.campaign.id, title: run.campaign.title, file, seed: run.campaign.seed, definition: run.campaign,
    scheduleHash: scheduleHash(run.schedule), rerun: `pgchaos campaign ${file} --seed ${run.campaign.seed} --duration ${run.campaign.durationSeconds}`, target: j.target ?? "",
    startedAt: new Date(j.startedAt).toISOString(), endedAt: new Date(j.endedAt).toISOString(), wallSeconds: Math.round((j.endedAt - j.startedAt) / 1000),
    scheduleStartedAt: run.scheduleStartedAt, schedule: run.schedule, toggles: run.toggles, analysis,
    faultWatch: j.faultWatch ? { checks: j.faultWatch.checks, effectChecks: j.faultWatch.effectChecks, maxGapMs: j.faultWatch.maxGapMs, events: j.faultWatch.events.length } : undefined,
    notes: j.notes, exitCode: EXIT_FOR_STATUS[analysis.status],
  };
}

/** The schedule as it ran: one bar per injected fault (injection → recovered), anomalies as red rules. */
export function timelineSpec(r: CampaignResults): TopLevelSpec {
  const zero = r.scheduleStartedAt ?? Date.parse(r.startedAt);
  const rel = (t: number) => (t - zero) / 1000;
  const bars = r.analysis.faults.filter((f) => f.activeFrom !== undefined).map((f) => ({
    fault: `${f.name} ${f.label}`, start: rel(f.activeFrom!), end: rel(f.activeTo ?? Date.parse(r.endedAt)), kind: f.role.split("@")[0],
  }));
  const planned = r.schedule.faults.map((f) => ({ fault: `${f.name} ${r.analysis.faults.find((x) => x.name === f.name)?.label ?? ""}`, start: f.startSeconds, end: f.endSeconds }));
  const anomalies = r.analysis.anomalies.map((a) => ({ t: rel(a.at), type: a.type, summary: a.summary, faults: a.activeFaults.join(" + ") }));
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    width: 900, height: { step: 14 }, background: "white",
    title: { text: `Campaign ${r.campaign} (seed ${r.seed})`, subtitle: "bars: fault injected → recovered; outlines: planned; red rules: anomalies" },
    layer: [
      { data: { values: planned }, mark: { type: "bar", filled: false, stroke: "#888" }, encoding: { y: { field: "fault", type: "nominal", sort: null, title: null }, x: { field: "start", type: "quantitative", title: "seconds from the schedule's start" }, x2: { field: "end" } } },
      { data: { values: bars }, mark: { type: "bar", opacity: 0.7 }, encoding: { y: { field: "fault", type: "nominal", sort: null }, x: { field: "start", type: "quantitative" }, x2: { field: "end" }, color: { field: "kind", type: "nominal", title: "fault" } } },
      ...(anomalies.length ? [{ data: { values: anomalies }, mark: { type: "rule" as const, color: "#d62728", strokeWidth: 2 }, encoding: { x: { field: "t", type: "quantitative" as const }, tooltip: [{ field: "type", type: "nominal" as const }, { field: "summary", type: "nominal" as const }, { field: "faults", type: "nominal" as const }] } }] : []),
    ],
  } as TopLevelSpec;
}

const s1 = (n: number) => n.toFixed(1);

/** The planned toggle times beside the real ones (seconds from the schedule's start). */
function toggleRows(r: CampaignResults): string[][] {
  const zero = r.scheduleStartedAt ?? 0;
  return r.toggles.map((t) => {
    const names = t.faults.map((f) => `${f.name}${f.skipped ? ` SKIPPED (${f.skipped})` : f.members.length ? ` → ${f.members.join(",")}` : ""}`).join("; ");
    const fault = r.analysis.faults.filter((f) => t.faults.some((x) => x.name === f.name && !x.skipped));
    const done = t.action === "inject" ? fault.map((f) => f.activeFrom).filter((x): x is number => x !== undefined) : fault.map((f) => f.activeTo).filter((x): x is number => x !== undefined);
    return [String(t.index + 1), t.action, String(t.plannedSeconds), s1((t.preparedAt - zero) / 1000), done.length ? s1((Math.max(...done) - zero) / 1000) : "—", names];
  });
}

export function renderCampaignReport(r: CampaignResults, chartFile: string): string {
  const a = r.analysis;
  const injected = a.faults.filter((f) => f.activeFrom !== undefined);
  const lines = [
    `# Campaign ${r.campaign}: ${a.status}`, "",
    `${r.title}. Target ${r.target}; ${r.startedAt} → ${r.endedAt} (${Math.floor(r.wallSeconds / 60)} min ${r.wallSeconds % 60} s).`, "",
    `**Seed ${r.seed}**, schedule ${r.scheduleHash}: rerun with \`${r.rerun}\` (\`--plan-only\` prints the same schedule without touching the lab).`, "",
    `${r.schedule.faults.length} faults planned in ${r.schedule.cycles} cycles over ${r.schedule.durationSeconds} s (${r.schedule.toggles.length} toggles); ${injected.length} injected and ${injected.filter((f) => f.activeTo !== undefined).length} recovered, ${a.faults.filter((f) => f.skipped).length} skipped or not reached.`,
    ...(a.reasons.length ? ["", ...a.reasons.map((x) => `- ${x}`)] : []), "",
    ...(r.reanalysis ? [`Re-analysis of ${r.reanalysis.of}, made ${r.reanalysis.at}: the same journal and checkers, plus the alerts read from the lab's monitoring after the run (the original report is kept beside this one).`, ""] : []),
    "## Anomalies", "",
    a.anomalies.length ? markdownTable(["at", "type", "what", "faults active then"], a.anomalies.map((x) => [new Date(x.at).toISOString().slice(11, 23), x.type, x.summary, x.activeFaults.join(" + ")])) : `None: no acknowledged write lost, no unexpected row, never two writable primaries, every cycle within its unavailability bound and caught up${a.alerts.ran ? ", no expected alert missing or late" : " (alerts not checked: see below)"}.`, "",
    ...alertSection(a.alerts, r.scheduleStartedAt ?? Date.parse(r.startedAt)),
    "## Per fault combination", "",
    markdownTable(["combination (role-level)", "cycles", "worst time without an acknowledged write", "lost writes", "two-primary intervals", "cycles not caught up"],
      a.combinations.map((c) => [c.combination, String(c.cycles), `${s1(c.worstUnavailabilitySeconds)} s`, String(c.lostWrites), String(c.twoPrimaryIntervals), String(c.notCaughtUp)])), "",
    "## Timeline", "", `![timeline](${chartFile})`, "",
    "## Toggles: planned and actual", "",
    "Seconds from the schedule's start: planned, handed to the runner, and the fault acting (inject: the injection the fault reported; recover: the end of its `pulumi up`).", "",
    markdownTable(["#", "action", "planned s", "started s", "done s", "faults"], toggleRows(r)), "",
    "## What the checkers covered", "",
    coverageText(r), "",
    ...(r.notes.length ? ["## Notes", "", ...r.notes.map((n) => `- ${n}`), ""] : []),
  ];
  return lines.join("\n");
}

function coverageText(r: CampaignResults): string {
  const c = r.analysis.coverage;
  const t = (ms?: number) => (ms ? new Date(ms).toISOString().slice(11, 19) : "—");
  return [
    `- ${c.writes} writes sent ${t(c.writesFrom)}–${t(c.writesTo)}, each checked against the ${c.finalRows} rows of this run read from the final primary (and the rows read from every node before each heal).`,
    `- ${c.probes} direct probes of every node ${t(c.probesFrom)}–${t(c.probesTo)}, longest gap ${s1(c.longestProbeGapMs / 1000)} s.`,
    `- ${c.clusterSamples} Patroni /cluster samples, longest gap ${s1(c.longestClusterGapMs / 1000)} s.`,
    r.faultWatch ? `- Fault watch: ${r.faultWatch.checks} mechanism checks and ${r.faultWatch.effectChecks} effect measurements, longest gap between two checks of a fault ${s1(r.faultWatch.maxGapMs / 1000)} s; ${r.faultWatch.events} fault(s) stopped acting.` : "- Fault watch: no record.",
  ].join("\n");
}

/**
 * Writes the run directory's campaign<suffix>.md, results<suffix>.json, timeline<suffix>.svg, and journal.json and
 * alerts<suffix>.json when given. A re-analysis passes a suffix and no journal: the original files stay as they were.
 */
export async function publishCampaign(r: CampaignResults, data: { journal?: unknown; alerts?: unknown }, dir: string, suffix = ""): Promise<string> {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `results${suffix}.json`), `${JSON.stringify(r, null, 2)}\n`);
  if (data.journal) fs.writeFileSync(path.join(dir, "journal.json"), JSON.stringify(data.journal));
  if (data.alerts) fs.writeFileSync(path.join(dir, `alerts${suffix}.json`), JSON.stringify(data.alerts));
  fs.writeFileSync(path.join(dir, `timeline${suffix}.svg`), await renderSvg(timelineSpec(r)));
  const file = path.join(dir, `campaign${suffix}.md`);
  fs.writeFileSync(file, renderCampaignReport(r, `timeline${suffix}.svg`));
  return file;
}
