// Re-analysis of a finished campaign from its run directory, with the alerts read from the lab's monitoring after the fact.
import * as fs from "fs";
import * as path from "path";
import type { ExpectedAlertSpec } from "../checkers/alert-spec";
import type { Journal } from "../checkers/journal";
import { expectedAlertSpecs, loadCatalog } from "../experiments/definition";
import { resolveTarget, type TargetSelector } from "../experiments/target";
import { readAlertData, type AlertDataRead, type MonitoringEndpoints } from "./alert-data";
import { analyzeCampaign, type CampaignAnalysis } from "./analysis";
import { campaignSchema, parseCampaign, type Campaign } from "./definition";
import type { CampaignRun } from "./execute";
import { planCampaign, scheduleHash } from "./plan";
import { campaignResults, EXIT_FOR_STATUS, publishCampaign, type CampaignResults } from "./report";

/**
 * A finished run re-analysed from its directory (results.json + journal.json): the same journal through the
 * same checkers, plus the alert check over the alerts the lab's monitoring kept (Prometheus' ALERTS samples
 * and the receiver's notifications over the run's time range). The original files stay untouched; the new
 * report, results and alert data are written beside them with the suffix `-reanalysed`.
 */

export const REANALYSED_SUFFIX = "-reanalysed";

/** Alert samples from this long before the run: an alert already firing when the first fault went in is told from a new one. */
export const LOOK_BEHIND_MS = 120_000;

/** Catalog experiment id → its expected alerts (the campaign's alert expectations come from the catalog). */
export function catalogExpectations(): Map<string, ExpectedAlertSpec[]> {
  return new Map(loadCatalog().map((e) => [e.id, expectedAlertSpecs(e)]));
}

/** The run's alert data: the whole run's range (and a look-behind) from the target's monitoring. */
export function readRunAlerts(monitoring: MonitoringEndpoints | undefined, journal: Pick<Journal, "startedAt" | "endedAt">, afterTheRun: boolean): Promise<AlertDataRead> {
  return readAlertData(monitoring, { from: journal.startedAt - LOOK_BEHIND_MS, to: afterTheRun ? journal.endedAt : Math.max(journal.endedAt, Date.now()) }, afterTheRun);
}

export class ReanalysisError extends Error {}

function readJson<T>(file: string): T {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as T;
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file (is this a campaign's run directory?)" : (e as Error).message;
    throw new ReanalysisError(`${file}: ${why}`);
  }
}

/** The campaign as it ran: from results.json, or (older results) its file re-read with the run's seed and duration, checked against the recorded schedule. */
export function campaignOf(r: CampaignResults): Campaign {
  if (r.definition) {
    const checked = campaignSchema.safeParse(r.definition);
    if (!checked.success) throw new ReanalysisError(`results.json: its campaign definition no longer validates: ${checked.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
    return checked.data;
  }
  if (!fs.existsSync(r.file)) throw new ReanalysisError(`results.json has no campaign definition and its file ${r.file} is not here (run from the directory the campaign ran in)`);
  const parsed = parseCampaign(fs.readFileSync(r.file, "utf8"), r.file);
  const c = campaignSchema.parse({ ...parsed, seed: r.seed, durationSeconds: r.schedule.durationSeconds });
  const hash = scheduleHash(planCampaign(c));
  if (hash !== r.scheduleHash) throw new ReanalysisError(`${r.file} with seed ${r.seed} and duration ${r.schedule.durationSeconds} s plans schedule ${hash}, the run recorded ${r.scheduleHash}: the file changed since the run`);
  return c;
}

/** The anomalies the journal alone gives (the alert check's come from the monitoring data). */
const JOURNAL_ANOMALIES = new Set<string>(["lost-writes", "unexpected-rows", "two-primaries", "unavailable", "not-caught-up", "fault-stopped-acting"]);

/** What changed between the original analysis and the re-analysis, apart from the alert check (should be nothing). */
export function changedFigures(before: CampaignAnalysis, after: CampaignAnalysis): string[] {
  const key = (a: CampaignAnalysis) => JSON.stringify({ anomalies: a.anomalies.filter((x) => JOURNAL_ANOMALIES.has(x.type)), cycles: a.cycles, combinations: a.combinations, coverage: a.coverage });
  return key(before) === key(after) ? [] : ["the journal's own figures differ from the original analysis (the checkers changed since the run): compare results.json and results-reanalysed.json"];
}

export interface Reanalysis {
  report: string;
  results: CampaignResults;
  changed: string[];
}

export async function reanalyzeRun(dir: string, target: TargetSelector, log: (l: string) => void): Promise<Reanalysis> {
  const original = readJson<CampaignResults>(path.join(dir, "results.json"));
  if (original.mode !== "campaign") throw new ReanalysisError(`${path.join(dir, "results.json")}: mode ${JSON.stringify(original.mode)}, not a campaign`);
  const journal = readJson<Journal>(path.join(dir, "journal.json"));
  const campaign = campaignOf(original);
  const run: CampaignRun = { campaign, schedule: original.schedule, toggles: original.toggles, journal, scheduleStartedAt: original.scheduleStartedAt };
  const resolved = await resolveTarget(target);
  log(`[reanalyze] ${original.runId}: reading alerts ${new Date(journal.startedAt - LOOK_BEHIND_MS).toISOString()} → ${new Date(journal.endedAt).toISOString()} from ${resolved.describe}`);
  const alerts = await readRunAlerts(resolved.monitoring, journal, true);
  const analysis = analyzeCampaign(run, { data: alerts, catalog: catalogExpectations() });
  const results: CampaignResults = {
    ...campaignResults(run, analysis, original.file, original.runId),
    rerun: original.rerun, notes: original.notes,
    reanalysis: { at: new Date().toISOString(), of: path.join(dir, "results.json") },
  };
  // An interrupted run stays INVALID whatever the re-analysis says (the original exit code knew it).
  if (original.exitCode === 3 || results.exitCode === EXIT_FOR_STATUS.INVALID) results.exitCode = Math.max(results.exitCode, original.exitCode);
  const report = await publishCampaign(results, { alerts }, dir, REANALYSED_SUFFIX);
  return { report, results, changed: changedFigures(original.analysis, analysis) };
}
