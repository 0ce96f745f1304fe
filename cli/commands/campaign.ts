// pgchaos campaign: plan, run and report a seeded fault campaign.
import * as fs from "fs";
import * as path from "path";
import { Option, type Command } from "commander";
import { analyzeCampaign } from "../../chaos/campaign/analysis";
import { CampaignFileError, campaignSchema, parseCampaign, type Campaign } from "../../chaos/campaign/definition";
import { CampaignTargetError, runCampaign } from "../../chaos/campaign/execute";
import { planCampaign, scheduleHash, type Schedule } from "../../chaos/campaign/plan";
import { alertSummaryLine } from "../../chaos/campaign/alert-report";
import { catalogExpectations, readRunAlerts, ReanalysisError, reanalyzeRun } from "../../chaos/campaign/reanalyze";
import { campaignResults, publishCampaign } from "../../chaos/campaign/report";
import { abortOnInterrupt, EXIT, makeLog, selectTarget, targetOptions, type TargetOptions } from "../common";

interface CampaignOptions extends TargetOptions {
  out: string;
  seed?: string;
  duration?: string;
  planOnly?: boolean;
  output?: string;
  reanalyze?: string;
}

/** The file with --seed / --duration applied, validated again (the same messages as in the file). */
function readCampaign(program: Command, file: string, opts: CampaignOptions): Campaign {
  try {
    const c = parseCampaign(fs.readFileSync(file, "utf8"), file);
    const over = { ...c, ...(opts.seed !== undefined ? { seed: Number(opts.seed) } : {}), ...(opts.duration !== undefined ? { durationSeconds: Number(opts.duration) } : {}) };
    const checked = campaignSchema.safeParse(over);
    if (!checked.success) throw new CampaignFileError(`${file} (with --seed/--duration): ${checked.error.issues.map((i) => i.message).join("; ")}`);
    return checked.data;
  } catch (e) {
    const text = (e as NodeJS.ErrnoException).code === "ENOENT" ? `no campaign file ${file}` : (e as Error).message;
    return program.error(`pgchaos: ${text}`, { exitCode: EXIT.usage });
  }
}

function printSchedule(s: Schedule, log: (l: string) => void): void {
  log(`[campaign] ${s.campaign}: seed ${s.seed}, schedule ${scheduleHash(s)}: ${s.faults.length} faults in ${s.cycles} cycles over ${s.durationSeconds} s, ${s.toggles.length} toggles`);
  for (const t of s.toggles) {
    const what = t.faults.map((n) => { const f = s.faults.find((x) => x.name === n)!; return t.action === "inject" ? `${n}${f.selector ? `@${f.selector}` : ""}` : n; });
    log(`[campaign]   +${t.atSeconds}s ${t.action} ${what.join(", ")}`);
  }
}

/** --reanalyze: the run directory's journal through the checkers again, with the alerts the lab's monitoring kept. */
async function reanalyzeCommand(program: Command, dir: string, opts: CampaignOptions): Promise<void> {
  const log = makeLog(opts.output === "json");
  let done;
  try {
    done = await reanalyzeRun(dir, selectTarget(program, opts), log);
  } catch (e) {
    if (e instanceof ReanalysisError || e instanceof CampaignFileError) return program.error(`pgchaos: ${e.message}`, { exitCode: EXIT.usage });
    throw e;
  }
  const { results: r, report, changed } = done;
  log(`[reanalyze] ${alertSummaryLine(r.analysis.alerts)}`);
  for (const line of changed) log(`[reanalyze] WARNING ${line}`);
  for (const a of r.analysis.anomalies) log(`[campaign] ANOMALY ${a.type}: ${a.summary} — faults active: ${a.activeFaults.join(" + ")}`);
  log(`[reanalyze] ${r.analysis.status}${r.analysis.reasons.length ? ` (${r.analysis.reasons.join("; ")})` : ""}: ${r.analysis.anomalies.length} anomalies; ${path.relative(process.cwd(), report)}; exit code ${r.exitCode}`);
  if (opts.output === "json") console.log(JSON.stringify(r, null, 2));
  process.exitCode = r.exitCode;
}

export function registerCampaign(program: Command): void {
  targetOptions(program.command("campaign"), "reports directory (the campaign writes <dir>/<campaign>-<time>/)")
    .description("a seeded random schedule of faults (cycles on/healed, several at once) with the checkers over the whole run; writes campaign.md, results.json and a timeline")
    .argument("[file]", "campaign file (YAML; see campaigns/ and docs/campaign.md)")
    .option("--seed <n>", "override the file's seed (the same seed gives the same planned schedule)")
    .option("--duration <seconds>", "override the file's durationSeconds")
    .option("--plan-only", "print the planned schedule and its fingerprint; touch nothing")
    .option("--reanalyze <run-dir>", "instead of a file: analyse a finished run again from its directory, with the alerts read now from the lab's monitoring; writes campaign-reanalysed.md beside the original")
    .addOption(new Option("-o, --output <format>", "json: print results.json (or, with --plan-only, the schedule) on stdout; progress goes to stderr").choices(["json"]))
    .action(async (file: string | undefined, opts: CampaignOptions) => {
      if (opts.reanalyze) {
        if (file) program.error("pgchaos: --reanalyze takes a run directory instead of a campaign file: give one or the other", { exitCode: EXIT.usage });
        return reanalyzeCommand(program, opts.reanalyze, opts);
      }
      if (!file) return program.error("pgchaos: a campaign file is needed (or --reanalyze <run-dir>)", { exitCode: EXIT.usage });
      const c = readCampaign(program, file, opts);
      const schedule = planCampaign(c);
      const log = makeLog(opts.output === "json");
      if (opts.planOnly) {
        printSchedule(schedule, log);
        if (opts.output === "json") console.log(JSON.stringify({ hash: scheduleHash(schedule), schedule }, null, 2));
        return;
      }
      const target = selectTarget(program, opts);
      const abort = abortOnInterrupt(log);
      // SIGTERM (a CI timeout, `kill`) recovers like Ctrl-C; the faults' own watchdogs cover a SIGKILL.
      process.on("SIGTERM", () => { log("SIGTERM: recovering faults before exit"); abort.abort(); });
      printSchedule(schedule, log);
      let run;
      try {
        run = await runCampaign(c, schedule, { target, log, abortSignal: abort.signal });
      } catch (e) {
        if (e instanceof CampaignTargetError) program.error(`pgchaos: ${e.message}`, { exitCode: EXIT.usage });
        throw e;
      }
      const alerts = await readRunAlerts(run.monitoring, run.journal, false);
      const analysis = analyzeCampaign(run, { data: alerts, catalog: catalogExpectations() });
      const runId = `${c.id}-${new Date(run.journal.startedAt).toISOString().replace(/[-:]/g, "").replace(/\..*/, "")}`;
      const results = campaignResults(run, analysis, path.relative(process.cwd(), path.resolve(file)), runId);
      if (abort.signal.aborted && results.exitCode === 0) results.exitCode = EXIT.invalid;
      const report = await publishCampaign(results, { journal: run.journal, alerts }, path.join(opts.out, runId));
      log(`[campaign] ${alertSummaryLine(analysis.alerts)}`);
      for (const a of analysis.anomalies) log(`[campaign] ANOMALY ${a.type}: ${a.summary} — faults active: ${a.activeFaults.join(" + ")}`);
      log(`[campaign] ${analysis.status}${analysis.reasons.length ? ` (${analysis.reasons.join("; ")})` : ""}: ${analysis.faults.filter((f) => f.activeFrom !== undefined).length}/${schedule.faults.length} faults injected, ${analysis.anomalies.length} anomalies; ${path.relative(process.cwd(), report)}; exit code ${results.exitCode}`);
      if (opts.output === "json") console.log(JSON.stringify(results, null, 2));
      process.exitCode = results.exitCode;
    });
}
