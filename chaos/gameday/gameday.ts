// The game day: the whole programme against one target, then an A/B run per finding class that appeared.
import * as fs from "fs";
import * as path from "path";
import { mergeConfig, type Experiment, type PatroniConfigSettings } from "../experiments/definition";
import type { Journal } from "../checkers/journal";
import { exitCodeFor } from "../checkers/outcome";
import { publishComparison, publishExperiment, publishIndex } from "../report/publish";
import { runExperiment } from "../experiments/runner";
import { resolveTarget, type ExperimentTarget, type TargetSelector } from "../experiments/target";
import { candidatesFor, LAYER_SOURCE, sides, UNTESTED_ADVICE, type Candidate, type HaproxyTiming, type InEffect } from "./candidates";
import { labHaproxyChanger, type HaproxyChanger } from "./haproxy-checks";
import { estimateSeconds, remainingSeconds, resolveProgramme, type GameDayMode, type Question } from "./programme";
import { conclude, testCandidate, untestedRecommendation, type AbRun } from "./recommend";
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
  /** How HAProxy's checks are changed for an A/B on this target; undefined: they cannot be (a user's cluster). */
  haproxyChanger: (target: ExperimentTarget, inEffect: HaproxyTiming, log: (l: string) => void) => HaproxyChanger | undefined;
}

const REAL: GameDayDeps = { resolveTarget, readSettings, restoreHealth, runExperiment, haproxyChanger: labHaproxyChanger };

export interface GameDayContext {
  opts: GameDayOptions;
  deps: GameDayDeps;
  runDir: string;
  runs: RunResult[];
  /** Each programme run's journal by `<id>[--<variant>]`: a candidate may be judged from two of them. */
  journals: Map<string, Journal>;
  repairs: Repair[];
  t0: number;
  done: { estimated: number; actual: number }[];
}

const runKey = (id: string, variant?: string) => `${id}${variant ? `--${variant}` : ""}`;
const settingsLabel = (c: Record<string, unknown>) => Object.entries(c).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(", ");
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
  if (role === "programme") ctx.journals.set(runKey(exp.id, exp.variant), journal);
  return { journal, result };
}

/** An experiment as one side of an A/B: the candidate's keys set explicitly, a variant name that says which side. */
export function abExperiment(base: Experiment, c: Candidate, side: "a" | "b", config: Record<string, unknown>, n: number): Experiment {
  const label = settingsLabel(config);
  return {
    ...base, variant: `ab-${c.id}-${side}${n > 1 ? `-${n}` : ""}`,
    // Patroni's side is set by the runner per run; HAProxy's by the game day before the run (haproxy-checks.ts).
    patroniConfig: c.layer === "patroni" ? mergeConfig(base.patroniConfig, config as PatroniConfigSettings) : base.patroniConfig,
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

type Chosen = ReturnType<typeof candidatesFor>;

/** One candidate's A/B (its pairs, then its cost runs) and the recommendation computed from them. */
async function testOne(ctx: GameDayContext, chosen: Chosen, i: number, inEffect: InEffect, target: ExperimentTarget): Promise<RecommendationResult> {
  const { candidate, findings: because } = chosen[i];
  if (candidate.layer === "programme") return fromProgrammePair(ctx, candidate, because);
  const s = sides(candidate, inEffect);
  const read = candidate.layer === "patroni" ? inEffect.patroni : inEffect.haproxy;
  if (!read || !s) {
    return untestedRecommendation(candidate, because, read ? "already in effect" : "untested", read ? `${candidate.title} is already in effect, and the finding appeared with it` : `${LAYER_SOURCE[candidate.layer]} could not be read, so no A/B was run`);
  }
  const haproxy = candidate.layer === "haproxy" && inEffect.haproxy ? ctx.deps.haproxyChanger(target, inEffect.haproxy, ctx.opts.log) : undefined;
  if (candidate.layer === "haproxy" && !haproxy) {
    return untestedRecommendation(candidate, because, "untested", `untested: HAProxy's checks are changed for an A/B only on a lab stack (pgchaos:haproxy); on ${target.describe} change haproxy.cfg and compare two runs with \`pgchaos compare\``);
  }
  const pairs = new Map<string, { label: string; journal: Journal }[]>();
  // What is left at least: one pair per remaining candidate and its cost experiment (repeats come on top).
  const planned = chosen.slice(i).filter(({ candidate: c }) => c.layer !== "programme").flatMap(({ candidate: c, findings: f }) => [c.experiment ?? f[0].experiment, ...c.costs.flatMap((x) => (x.experiment ? [x.experiment] : []))])
    .flatMap((id) => { const e = ctx.opts.catalog.find((x) => x.id === id); return e ? [estimateSeconds(e), estimateSeconds(e)] : []; });
  let ran = 0;
  const runAb: AbRun = async (exp, side, n) => {
    const left = planned.slice(Math.min(planned.length, ++ran));
    const values = side === "a" ? s.a : s.b;
    // A haproxy candidate's sides hold every key of HaproxyTiming (its `keys` and its `sideB`).
    await haproxy?.apply(values as unknown as HaproxyTiming);
    const { journal } = await runOne(ctx, abExperiment(exp, candidate, side, values, n), "ab", `A/B ${i + 1} of ${chosen.length} (${candidate.id}, side ${side.toUpperCase()}, run ${n}):`, left);
    pairs.set(exp.id, [...(pairs.get(exp.id) ?? []), { label: `${side.toUpperCase()}${n > 1 ? ` run ${n}` : ""}: ${settingsLabel(values)}`, journal }]);
    return journal;
  };
  let rec: RecommendationResult;
  try {
    rec = await testCandidate(candidate, because, s, ctx.opts.catalog, ctx.opts.mode.maxRunsPerSide, runAb);
  } finally {
    await haproxy?.restore();
  }
  // Every A/B also gets the side-by-side comparison `pgchaos compare` writes, with all its measures.
  rec.comparisons = [...pairs].map(([expId, runs]) => path.basename(publishComparison(ctx.runDir, `${expId}-ab-${candidate.id}`, `${expId}: ${candidate.title} (A/B)`, runs)));
  return rec;
}

/** A candidate judged from two variants the programme already ran (side A: the one that showed the finding). */
function fromProgrammePair(ctx: GameDayContext, c: Extract<Candidate, { layer: "programme" }>, because: Chosen[number]["findings"]): RecommendationResult {
  const a = ctx.journals.get(runKey(c.experiment, c.variants.a));
  const b = ctx.journals.get(runKey(c.experiment, c.variants.b));
  if (!a || !b) return untestedRecommendation(c, because, "untested", `untested: the programme did not run both ${runKey(c.experiment, c.variants.a)} and ${runKey(c.experiment, c.variants.b)}`);
  const config = (j: Journal) => ({ variant: j.experiment.variant, ...(j.patroniConfig?.requested ?? {}) });
  const rec = conclude(c, because, { a: config(a), b: config(b) }, c.experiment, [a], [b], new Map());
  const runs = [{ label: `A: ${c.variants.a}`, journal: a }, { label: `B: ${c.variants.b}`, journal: b }];
  rec.comparisons = [path.basename(publishComparison(ctx.runDir, `${c.experiment}-ab-${c.id}`, `${c.experiment}: ${c.title} (the programme's two variants)`, runs))];
  return rec;
}

async function recommend(ctx: GameDayContext, inEffect: InEffect, target: ExperimentTarget): Promise<RecommendationResult[]> {
  const findings = ctx.runs.filter((r) => r.role === "programme").flatMap((r) => r.findings);
  const chosen = candidatesFor(findings, ctx.opts.mode.maxCandidates);
  const out: RecommendationResult[] = [];
  for (let i = 0; i < chosen.length && !ctx.opts.abortSignal?.aborted; i++) out.push(await testOne(ctx, chosen, i, inEffect, target));
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
  const ctx: GameDayContext = { opts, deps, runDir, runs: [], journals: new Map(), repairs: [], t0, done: [] };
  await runProgramme(ctx);
  const recommendations = await recommend(ctx, { patroni: settings.patroni, haproxy: settings.haproxy }, target);
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

