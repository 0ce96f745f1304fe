// pgchaos gameday: the whole programme and its A/B runs against one target.
import * as path from "path";
import { Option, type Command } from "commander";
import { readCatalog } from "../../chaos/experiments/definition";
import { runGameDay } from "../../chaos/gameday/gameday";
import { MODES } from "../../chaos/gameday/programme";
import { abortOnInterrupt, EXIT, targetOptions, makeLog, selectTarget, type TargetOptions } from "../common";

export function registerGameDay(program: Command): void {
  targetOptions(program.command("gameday"), "reports directory (the game day writes <dir>/<run-id>/)")
    .description("the whole homework programme, findings, and A/B runs that test a fix for each finding class; writes reports/<run-id>/game-day.md and results.json, reports/latest → newest")
    .option("--quick", "a short set (crash failover, packet loss, etcd quorum loss) and at most one A/B pair (≤ 10 min)")
    .option("--experiments <ids>", "only these experiments of the programme (comma-separated), with the A/B runs their findings call for")
    .addOption(new Option("-o, --output <format>", "json: print results.json on stdout; progress goes to stderr").choices(["json"]))
    .option("--fail-on-findings", "exit 1 when there are findings, even if every hypothesis held")
    .action(async (opts: TargetOptions & { quick?: boolean; experiments?: string; out: string; output?: string; failOnFindings?: boolean }) => {
      const selector = selectTarget(program, opts);
      const { experiments, problems } = readCatalog();
      if (problems.length) program.error(`pgchaos: invalid catalog files:\n${problems.join("\n")}`, { exitCode: EXIT.usage });
      let mode = MODES[opts.quick ? "quick" : "full"];
      if (opts.experiments) {
        const only = opts.experiments.split(",").map((x) => x.trim()).filter(Boolean);
        const unknown = only.filter((id) => !mode.programme.some((p) => p.id === id));
        if (unknown.length) program.error(`pgchaos: not in the ${mode.name} programme: ${unknown.join(", ")} (it has: ${[...new Set(mode.programme.map((p) => p.id))].join(", ")})`, { exitCode: EXIT.usage });
        mode = { ...mode, programme: mode.programme.filter((p) => only.includes(p.id)) };
      }
      const log = makeLog(opts.output === "json");
      const abort = abortOnInterrupt(log);
      const results = await runGameDay({
        selector, mode, reportsDir: opts.out, catalog: experiments, log, abortSignal: abort.signal, failOnFindings: opts.failOnFindings,
      });
      const dir = path.relative(process.cwd(), path.join(opts.out, results.runId));
      log(`[game day] done in ${Math.floor(results.wallSeconds / 60)} min ${results.wallSeconds % 60} s: ${results.findings.length} finding(s), ${results.recommendations.length} recommendation(s); ${dir}/game-day.md (also ${path.relative(process.cwd(), path.join(opts.out, "latest"))}/game-day.md); exit code ${results.exitCode}`);
      if (opts.output === "json") console.log(JSON.stringify(results, null, 2));
      process.exitCode = abort.signal.aborted && results.exitCode === 0 ? EXIT.invalid : results.exitCode;
    });
}
