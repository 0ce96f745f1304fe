// pgchaos run: run experiments one after the other, printing each verdict and finding.
import * as path from "path";
import { Option, type Command } from "commander";
import { withVariant, type Experiment } from "../../chaos/experiments/definition";
import type { Journal } from "../../chaos/checkers/journal";
import { exitCodeFor } from "../../chaos/checkers/outcome";
import { publishComparison, publishExperiment, publishIndex } from "../../chaos/report/publish";
import { runExperiment } from "../../chaos/experiments/runner";
import { runResult, RESULTS_SCHEMA_VERSION, type GameDayResults, type RunResult } from "../../chaos/gameday/results";
import { abortOnInterrupt, EXIT, targetOptions, makeLog, selectTarget, type TargetOptions } from "../common";
import { chooseExperiments, type ChooseOptions } from "./catalog";

interface RunOptions extends TargetOptions, ChooseOptions {
  out: string;
  output?: string;
  failOnFindings?: boolean;
}

/** Runs experiments one after the other; prints each verdict and finding as it comes. */
async function runAll(chosen: Experiment[], opts: RunOptions, target: ReturnType<typeof selectTarget>, log: (l: string) => void) {
  const abort = abortOnInterrupt(log);
  const t0 = Date.now();
  const done: { journal: Journal; result: RunResult }[] = [];
  for (const exp of chosen) {
    if (abort.signal.aborted) break;
    log(`=== ${exp.id}${exp.variant ? ` [${exp.variant}]` : ""}: ${exp.title}`);
    const journal = await runExperiment(exp, { target, log, abortSignal: abort.signal });
    const file = await publishExperiment(journal, opts.out);
    const result = runResult(journal, path.relative(opts.out, file), "single");
    log(`=== ${exp.id}${exp.variant ? ` [${exp.variant}]` : ""}: ${result.verdict} (${path.relative(process.cwd(), file)})`);
    for (const f of result.findings) log(`    FINDING (${f.severity}) ${f.class}: ${f.summary}`);
    done.push({ journal, result });
  }
  publishIndex(opts.out);
  const results: GameDayResults = {
    schemaVersion: RESULTS_SCHEMA_VERSION, runId: `run-${t0}`, mode: "run", target: done[0]?.journal.target ?? "", startedAt: new Date(t0).toISOString(),
    endedAt: new Date().toISOString(), wallSeconds: Math.round((Date.now() - t0) / 1000), settings: { notes: [] }, runs: done.map((d) => d.result),
    findings: done.flatMap((d) => d.result.findings), recommendations: [],
    exitCode: exitCodeFor(done.map((d) => d.result.status), done.flatMap((d) => d.result.findings).length, opts.failOnFindings ?? false),
  };
  if (abort.signal.aborted && results.exitCode === 0) results.exitCode = EXIT.invalid;
  log(`${done.length} experiment(s) in ${((Date.now() - t0) / 1000).toFixed(0)}s; index: ${path.relative(process.cwd(), path.join(opts.out, "index.md"))}; exit code ${results.exitCode}`);
  if (opts.output === "json") console.log(JSON.stringify(results, null, 2));
  return { results, done };
}

export function registerRun(program: Command): void {
  targetOptions(program.command("run"))
    .description("run experiments against the lab and write a report per experiment plus an index")
    .argument("[ids...]", "experiment ids (see `list`)")
    .option("--all", "run the whole catalog")
    .option("--default", "run the default set")
    .option("-f, --file <file...>", "an experiment file outside the catalog (YAML, validated like the catalog)")
    .option("--set <path=value...>", "override a field before validation, e.g. --set workload.writeRate=100 --set method.1.seconds=30 (value parsed as YAML)")
    .addOption(new Option("-o, --output <format>", "json: print the results (the game day's results.json schema) on stdout; progress goes to stderr").choices(["json"]))
    .option("--fail-on-findings", "exit 1 when a run has findings, even if every hypothesis held")
    .action(async (ids: string[], opts: RunOptions) => {
      const target = selectTarget(program, opts);
      const chosen = chooseExperiments(program, ids, opts);
      const { results } = await runAll(chosen, opts, target, makeLog(opts.output === "json"));
      process.exitCode = results.exitCode;
    });

  targetOptions(program.command("compare"))
    .description("run one experiment under several of its variants (e.g. failsafe_mode off vs on) and write one side-by-side comparison")
    .argument("<id>", "experiment id (see `list`); its YAML declares the variants")
    .option("--variants <names>", "comma-separated variant names, first = baseline (default: every variant the experiment declares)")
    .addOption(new Option("-o, --output <format>", "json: print the results on stdout").choices(["json"]))
    .action(async (id: string, opts: RunOptions & { variants?: string }) => {
      const target = selectTarget(program, opts);
      const [exp] = chooseExperiments(program, [id], {});
      const names = opts.variants ? opts.variants.split(",").map((s) => s.trim()).filter(Boolean) : exp.variants.map((v) => v.name);
      if (names.length < 2) program.error(`pgchaos: compare needs two or more variants; ${id} declares: ${exp.variants.map((v) => v.name).join(", ") || "none"}`, { exitCode: EXIT.usage });
      let runs: Experiment[] = [];
      try {
        runs = names.map((n) => withVariant(exp, n)); // every name checked before anything runs
      } catch (e) {
        program.error(`pgchaos: ${(e as Error).message}`, { exitCode: EXIT.usage });
      }
      const log = makeLog(opts.output === "json");
      const { results, done } = await runAll(runs, opts, target, log);
      const file = publishComparison(opts.out, exp.id, exp.title, done.map((d) => ({ label: d.journal.experiment.variant!, journal: d.journal })));
      log(`comparison of ${done.map((d) => d.journal.experiment.variant).join(" vs ")}: ${path.relative(process.cwd(), file)}`);
      process.exitCode = results.exitCode;
    });
}
