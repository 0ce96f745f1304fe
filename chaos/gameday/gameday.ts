// The game day: the whole programme against one target, then an A/B run per finding class that appeared.
import * as fs from "fs";
import * as path from "path";
import { mergeConfig, type Experiment, type PatroniConfigSettings } from "../experiments/definition";
import type { Journal } from "../checkers/journal";
import { exitCodeFor } from "../checkers/outcome";
import { publishComparison, publishExperiment, publishIndex } from "../report/publish";
import { runExperiment } from "../experiments/runner";
import { resolveTarget, type ExperimentTarget, type TargetSelector } from "../experiments/target";
import { candidatesFor, sides, UNTESTED_ADVICE, type Candidate, type PatroniSettings } from "./candidates";
import { estimateSeconds, remainingSeconds, resolveProgramme, type GameDayMode, type Question } from "./programme";
import { testCandidate, untestedRecommendation, type AbRun } from "./recommend";
import { restoreHealth, type Repair } from "./repair";
import { publishGameDay } from "../report/gameday-publish";
import { RESULTS_SCHEMA_VERSION, runResult, type GameDayResults, type RecommendationResult, type RunResult, type Settings } from "./results";
import { readSettings } from "./settings";

/**
 * The game day: the whole homework programme against one target, then an A/B run for each finding class
 * that appeared (side A: the settings in effect; side B: the candidate fix), then one report that answers
 * the homework's questions with the numbers of this run.
 */

export interface GameDayOptions {
  selector: TargetSelector;
  mode: GameDayMode;
  /** reports/: the game day writes reports/<run-id>/ and points reports/latest at it. */
  reportsDir: string;
  catalog: Experiment[];
  log: (line: string) => void;
  abortSignal?: AbortSignal;
  failOnFindings?: boolean;
  /** What touches the target; tests replace it (default: the real runner, Patroni, Docker). */
  deps?: Partial<GameDayDeps>;
}

export interface GameDayDeps {
  resolveTarget: (selector: TargetSelector) => Promise<ExperimentTarget>;
  readSettings: (target: ExperimentTarget) => Promise<Settings>;
  restoreHealth: (target: ExperimentTarget, before: string, log: (l: string) => void) => Promise<Repair[]>;
  runExperiment: (exp: Experiment, opts: { target: TargetSelector; log: (l: string) => void; abortSignal?: AbortSignal }) => Promise<Journal>;
}

const REAL: GameDayDeps = { resolveTarget, readSettings, restoreHealth, runExperiment };

export interface GameDayContext {
  opts: GameDayOptions;
  deps: GameDayDeps;
  runDir: string;
  runs: RunResult[];
  repairs: Repair[];
  t0: number;
  done: { estimated: number; actual: number }[];
}

const settingsLabel = (c: PatroniConfigSettings) => Object.entries(c).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(", ");
const mmss = (s: number) => { const t = Math.round(s); return `${Math.floor(t / 60)}:${String(t % 60).padStart(2, "0")}`; };

/** Runs one experiment, publishes its report under the game day's directory and prints its verdict and findings. */
export async function runOne(ctx: GameDayContext, exp: Experiment, role: RunResult["role"], label: string, remaining: number[], question?: Question): Promise<{ journal: Journal; result: RunResult }> {
  const { opts } = ctx;
  const elapsed = (Date.now() - ctx.t0) / 1000;
  opts.log(`[game day] ${label} ${exp.id}${exp.variant ? ` [${exp.variant}]` : ""} — elapsed ${mmss(elapsed)}, about ${mmss(remainingSeconds(ctx.done, [estimateSeconds(exp), ...remaining]))} left`);
  const target = await ctx.deps.resolveTarget(opts.selector);
  ctx.repairs.push(...await ctx.deps.restoreHealth(target, `${exp.id}${exp.variant ? `--${exp.variant}` : ""}`, opts.log));
  const started = Date.now();
  const journal = await ctx.deps.runExperiment(exp, { target: opts.selector, log: opts.log, abortSignal: opts.abortSignal });
  ctx.done.push({ estimated: estimateSeconds(exp), actual: (Date.now() - started) / 1000 });
  const file = await publishExperiment(journal, ctx.runDir);
  const result = runResult(journal, path.relative(ctx.runDir, file), role, question);
  opts.log(`[game day] ${exp.id}${exp.variant ? ` [${exp.variant}]` : ""}: ${result.verdict}`);
  for (const f of result.findings) opts.log(`[game day]   FINDING (${f.severity}) ${f.class}: ${f.summary}`);
  ctx.runs.push(result);
  return { journal, result };
}

/** An experiment as one side of an A/B: the candidate's keys set explicitly, a variant name that says which side. */
export function abExperiment(base: Experiment, c: Candidate, side: "a" | "b", config: PatroniConfigSettings, n: number): Experiment {
  const label = Object.entries(config).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(", ");
  return {
    ...base, patroniConfig: mergeConfig(base.patroniConfig, config), variant: `ab-${c.id}-${side}${n > 1 ? `-${n}` : ""}`,
    title: `${base.title} [A/B side ${side.toUpperCase()}: ${label}]`,
  };
}

async function runProgramme(ctx: GameDayContext): Promise<void> {
  const programme = resolveProgramme(ctx.opts.mode.programme, ctx.opts.catalog);
  for (const [i, p] of programme.entries()) {
    if (ctx.opts.abortSignal?.aborted) return;
    const rest = programme.slice(i + 1).map((x) => estimateSeconds(x.experiment));
    await runOne(ctx, p.experiment, "programme", `experiment ${i + 1} of ${programme.length}:`, rest, p.entry.question);
  }
}

async function recommend(ctx: GameDayContext, settings: PatroniSettings | undefined): Promise<RecommendationResult[]> {
  const findings = ctx.runs.filter((r) => r.role === "programme").flatMap((r) => r.findings);
  const chosen = candidatesFor(findings, ctx.opts.mode.maxCandidates);
  const out: RecommendationResult[] = [];
  for (const [i, { candidate, findings: because }] of chosen.entries()) {
    if (ctx.opts.abortSignal?.aborted) break;
    const s = settings ? sides(candidate, settings) : undefined;
    if (!settings || !s) {
      out.push(untestedRecommendation(candidate, because, settings ? "already in effect" : "untested", settings ? `${candidate.title} is already in effect, and the finding appeared with it` : "Patroni's settings in effect could not be read, so no A/B was run"));
      continue;
    }
    const pairs = new Map<string, { label: string; journal: Journal }[]>();
    // What is left at least: one pair per remaining candidate and its cost experiment (repeats come on top).
    const planned = chosen.slice(i).flatMap(({ candidate: c, findings: f }) => [c.experiment ?? f[0].experiment, ...c.costs.flatMap((x) => (x.experiment ? [x.experiment] : []))])
      .flatMap((id) => { const e = ctx.opts.catalog.find((x) => x.id === id); return e ? [estimateSeconds(e), estimateSeconds(e)] : []; });
    let ran = 0;
    const runAb: AbRun = async (exp, side, n) => {
      const left = planned.slice(Math.min(planned.length, ++ran));
      const { journal } = await runOne(ctx, abExperiment(exp, candidate, side, side === "a" ? s.a : s.b, n), "ab", `A/B ${i + 1} of ${chosen.length} (${candidate.id}, side ${side.toUpperCase()}, run ${n}):`, left);
      pairs.set(exp.id, [...(pairs.get(exp.id) ?? []), { label: `${side.toUpperCase()}${n > 1 ? ` run ${n}` : ""}: ${settingsLabel(side === "a" ? s.a : s.b)}`, journal }]);
      return journal;
    };
    const rec = await testCandidate(candidate, because, s, ctx.opts.catalog, ctx.opts.mode.maxRunsPerSide, runAb);
    // Every A/B also gets the side-by-side comparison `pgchaos compare` writes, with all its measures.
    rec.comparisons = [...pairs].map(([expId, runs]) => path.basename(publishComparison(ctx.runDir, `${expId}-ab-${candidate.id}`, `${expId}: ${candidate.title} (A/B)`, runs)));
    out.push(rec);
  }
  // Findings no candidate answered: advice per class, labelled untested.
  const answered = new Set(chosen.flatMap((c) => c.findings));
  const open = findings.filter((f) => !answered.has(f));
  for (const cls of [...new Set(open.map((f) => f.class))]) {
    const these = open.filter((f) => f.class === cls);
    out.push({
      candidate: `advice-${cls}`, title: UNTESTED_ADVICE[cls](these), status: "untested",
      claim: `untested: no run of this game day tested it (${these.length} finding(s): ${these.map((f) => f.experiment).join(", ")})`,
      fixes: [cls], because: these.map((f) => `${f.experiment}: ${f.summary}`), runs: [],
    });
  }
  return out;
}

export async function runGameDay(opts: GameDayOptions): Promise<GameDayResults> {
  const t0 = Date.now();
  const runId = `gd-${new Date(t0).toISOString().replace(/[-:]/g, "").replace(/\..*$/, "").replace("T", "-")}`;
  const runDir = path.join(opts.reportsDir, runId);
  fs.mkdirSync(runDir, { recursive: true });
  const deps = { ...REAL, ...opts.deps };
  const target = await deps.resolveTarget(opts.selector);
  const settings = await deps.readSettings(target);
  opts.log(`[game day] ${runId}: ${opts.mode.programme.length} experiments (${opts.mode.name}) against ${target.describe}; reports in ${path.relative(process.cwd(), runDir)}`);
  const ctx: GameDayContext = { opts, deps, runDir, runs: [], repairs: [], t0, done: [] };
  await runProgramme(ctx);
  const recommendations = await recommend(ctx, settings.patroni);
  const programmeRuns = ctx.runs.filter((r) => r.role === "programme");
  const findings = programmeRuns.flatMap((r) => r.findings);
  const statuses = [...programmeRuns.map((r) => r.status), ...ctx.runs.filter((r) => r.role === "ab" && r.status !== "PASS" && r.status !== "FAIL").map((r) => r.status)];
  const results: GameDayResults = {
    schemaVersion: RESULTS_SCHEMA_VERSION, runId, mode: opts.mode.name, target: target.describe,
    startedAt: new Date(t0).toISOString(), endedAt: new Date().toISOString(), wallSeconds: Math.round((Date.now() - t0) / 1000),
    settings: { ...settings, notes: [...settings.notes, ...ctx.repairs.map((r) => `repair before ${r.before}: ${r.action} (${r.reason}) — ${r.ok ? "healthy after" : "NOT healthy after"}`)] },
    runs: ctx.runs, findings, recommendations,
    exitCode: exitCodeFor(statuses, findings.length, opts.failOnFindings ?? false),
  };
  publishIndex(runDir);
  await publishGameDay(results, opts.reportsDir);
  return results;
}

