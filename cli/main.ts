#!/usr/bin/env -S npx tsx
import * as path from "path";
import { Command } from "commander";
import { loadCatalog, withVariant, type Experiment } from "../chaos/experiments/definition";
import { publishComparison, publishExperiment, publishIndex, republish } from "../chaos/experiments/publish";
import { runExperiment } from "../chaos/experiments/runner";
import { ChaosStack, labOutputs, PROJECT_DIR } from "../chaos/experiments/stacks";
import { formatLeftovers, orphans, removeLeftovers, scanMembers } from "../chaos/doctor";
import { labMembers } from "../stacks/chaos";

const program = new Command()
  .name("pgchaos")
  .description("Chaos experiments against a pgchaos lab stack: list, run, compare, report, doctor")
  .showHelpAfterError();

/** Ctrl-C: stop at the next step, recover every fault, still write what was measured. Twice: exit now. */
function abortOnInterrupt(): AbortController {
  const abort = new AbortController();
  process.on("SIGINT", () => {
    if (abort.signal.aborted) process.exit(130);
    log("interrupt: recovering faults before exit (Ctrl-C again to quit at once)");
    abort.abort();
  });
  return abort;
}

const stamp = () => new Date().toISOString().slice(11, 19);
const log = (line: string) => console.log(`${stamp()} ${line}`);

program
  .command("list")
  .description("list the experiment catalog (* = part of the default set)")
  .action(() => {
    for (const e of loadCatalog()) console.log(`${e.default ? "*" : " "} ${e.id.padEnd(24)} ${e.title}`);
  });

program
  .command("run")
  .description("run experiments against the lab and write a report per experiment plus an index")
  .argument("[ids...]", "experiment ids (see `list`)")
  .option("--all", "run the whole catalog")
  .option("--default", "run the default set (what the README's main command runs)")
  .option("--lab-stack <name>", "the lab stack; faults go to <name>-chaos", "dev")
  .option("--out <dir>", "report directory", path.join(PROJECT_DIR, "reports"))
  .action(async (ids: string[], opts: { all?: boolean; default?: boolean; labStack: string; out: string }) => {
    const catalog = loadCatalog();
    let chosen: Experiment[];
    if (opts.all) chosen = catalog;
    else if (opts.default) chosen = catalog.filter((e) => e.default);
    else {
      const unknown = ids.filter((id) => !catalog.some((e) => e.id === id));
      if (!ids.length || unknown.length) {
        program.error(ids.length ? `unknown experiment(s): ${unknown.join(", ")} (see \`pgchaos list\`)` : "name experiments, or use --all / --default");
      }
      chosen = ids.map((id) => catalog.find((e) => e.id === id)!);
    }
    const abort = abortOnInterrupt();
    const t0 = Date.now();
    for (const exp of chosen) {
      if (abort.signal.aborted) break;
      const started = Date.now();
      log(`=== ${exp.id}: ${exp.title}`);
      const journal = await runExperiment(exp, { labStack: opts.labStack, log, abortSignal: abort.signal });
      const file = await publishExperiment(journal, opts.out);
      log(`=== ${exp.id} done in ${((Date.now() - started) / 1000).toFixed(0)}s: ${path.relative(process.cwd(), file)}`);
    }
    const index = publishIndex(opts.out);
    log(`${chosen.length} experiment(s) in ${((Date.now() - t0) / 1000).toFixed(0)}s; index: ${path.relative(process.cwd(), index)}`);
  });

program
  .command("compare")
  .description("run one experiment under several of its variants (e.g. failsafe_mode off vs on) and write one side-by-side comparison")
  .argument("<id>", "experiment id (see `list`); its YAML declares the variants")
  .option("--variants <names>", "comma-separated variant names, first = baseline (default: every variant the experiment declares)")
  .option("--lab-stack <name>", "the lab stack; faults go to <name>-chaos", "dev")
  .option("--out <dir>", "report directory", path.join(PROJECT_DIR, "reports"))
  .action(async (id: string, opts: { variants?: string; labStack: string; out: string }) => {
    const exp = loadCatalog().find((e) => e.id === id);
    if (!exp) program.error(`unknown experiment ${id} (see \`pgchaos list\`)`);
    const names = opts.variants ? opts.variants.split(",").map((s) => s.trim()).filter(Boolean) : exp!.variants.map((v) => v.name);
    if (names.length < 2) program.error(`compare needs two or more variants; ${id} declares: ${exp!.variants.map((v) => v.name).join(", ") || "none"}`);
    const runs = names.map((n) => withVariant(exp!, n)); // validates every name before anything runs
    const abort = abortOnInterrupt();
    const t0 = Date.now();
    const done: { label: string; journal: Awaited<ReturnType<typeof runExperiment>> }[] = [];
    for (const v of runs) {
      if (abort.signal.aborted) break;
      log(`=== ${v.id} [${v.variant}]: ${v.title}`);
      const journal = await runExperiment(v, { labStack: opts.labStack, log, abortSignal: abort.signal });
      const file = await publishExperiment(journal, opts.out);
      log(`=== ${v.id} [${v.variant}] done: ${path.relative(process.cwd(), file)}`);
      done.push({ label: v.variant!, journal });
    }
    publishIndex(opts.out);
    const file = publishComparison(opts.out, exp!.id, exp!.title, done);
    log(`comparison of ${done.map((d) => d.label).join(" vs ")} in ${((Date.now() - t0) / 1000).toFixed(0)}s: ${path.relative(process.cwd(), file)}`);
  });

program
  .command("report")
  .description("re-render every report and the index from the saved journals")
  .option("--out <dir>", "report directory", path.join(PROJECT_DIR, "reports"))
  .action(async (opts: { out: string }) => {
    for (const f of await republish(opts.out)) console.log(path.relative(process.cwd(), f));
  });

program
  .command("doctor")
  .description("list chaos leftovers (rules, qdiscs, processes, files of faults) that no live fault resource owns; --fix removes them")
  .option("--lab-stack <name>", "the lab stack; its chaos stack is <name>-chaos", "dev")
  .option("--fix", "remove the leftovers (only objects named after a fault; never anything else)")
  .action(async (opts: { labStack: string; fix?: boolean }) => {
    const lab = await labOutputs(opts.labStack);
    const { members } = labMembers(lab.inventory);
    const chaos = await ChaosStack.ownedFaultsOf(opts.labStack, log);
    const owned = chaos.owned;
    const { leftovers, unreachable } = await scanMembers(members);
    const stray = orphans(leftovers, owned);
    console.log(`live faults (${chaos.name}): ${owned.size ? [...owned].join(", ") : "none"}`);
    if (unreachable.length) console.log(`not scanned (down): ${unreachable.join(", ")}`);
    if (!stray.length) {
      console.log("no chaos leftovers");
      return;
    }
    console.log(`chaos leftovers no live fault owns:\n${formatLeftovers(stray)}`);
    if (!opts.fix) {
      console.log("run again with --fix to remove them");
      process.exitCode = 2;
      return;
    }
    await removeLeftovers(members, stray);
    const after = orphans((await scanMembers(members)).leftovers, owned);
    console.log(after.length ? `still there:\n${formatLeftovers(after)}` : "removed");
    if (after.length) process.exitCode = 1;
  });

program.parseAsync().catch((e: Error) => {
  console.error(`pgchaos: ${e.message}`);
  process.exit(1);
});
