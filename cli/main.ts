#!/usr/bin/env -S npx tsx
import * as path from "path";
import { Command } from "commander";
import { loadCatalog, withVariant, type Experiment } from "../chaos/experiments/definition";
import { publishComparison, publishExperiment, publishIndex, republish } from "../chaos/experiments/publish";
import { runExperiment } from "../chaos/experiments/runner";
import { ChaosStack, PROJECT_DIR, pulumiCommand } from "../chaos/experiments/stacks";
import { targetMembers, type TargetSelector } from "../chaos/experiments/target";
import { discover } from "../chaos/discover";
import { formatLeftovers, orphans, removeLeftovers, scanMembers } from "../chaos/doctor";
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import { stringify } from "yaml";
import * as readline from "readline/promises";

const program = new Command()
  .name("pgchaos")
  .description("Chaos experiments against a pgchaos lab stack or your own Patroni cluster over SSH: list, run, compare, report, doctor, discover")
  .showHelpAfterError();

const LAB_STACK_HELP = "the lab stack; faults go to <name>-chaos (default: dev)";
const CHAOS_STACK_HELP = "instead of --lab-stack: a chaos stack — one whose pgchaos:targets is your own cluster (faults and logs over SSH, workload to its HAProxy/VIP), or one pointed at a lab";

/** --lab-stack or --chaos-stack (not both). */
function selectTarget(opts: { labStack?: string; chaosStack?: string }): TargetSelector {
  if (opts.labStack && opts.chaosStack) program.error("--lab-stack and --chaos-stack exclude each other: a run targets the lab or an inventory");
  return opts.chaosStack ? { chaosStack: opts.chaosStack } : { labStack: opts.labStack ?? "dev" };
}

/** host:port → { host, port }, validated (the inventory's zod schema checks it again). */
function hostPort(value: string): { host: string; port: number } {
  const m = /^(.+):(\d{1,5})$/.exec(value);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) throw new Error(`${value}: expected host:port with port 1-65535`);
  return { host: m[1], port: Number(m[2]) };
}

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
  .option("--lab-stack <name>", LAB_STACK_HELP)
  .option("--chaos-stack <name>", CHAOS_STACK_HELP)
  .option("--out <dir>", "report directory", path.join(PROJECT_DIR, "reports"))
  .action(async (ids: string[], opts: { all?: boolean; default?: boolean; labStack?: string; chaosStack?: string; out: string }) => {
    const target = selectTarget(opts);
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
      const journal = await runExperiment(exp, { target, log, abortSignal: abort.signal });
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
  .option("--lab-stack <name>", LAB_STACK_HELP)
  .option("--chaos-stack <name>", CHAOS_STACK_HELP)
  .option("--out <dir>", "report directory", path.join(PROJECT_DIR, "reports"))
  .action(async (id: string, opts: { variants?: string; labStack?: string; chaosStack?: string; out: string }) => {
    const target = selectTarget(opts);
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
      const journal = await runExperiment(v, { target, log, abortSignal: abort.signal });
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
  .option("--lab-stack <name>", "the lab stack; its chaos stack is <name>-chaos (default: dev)")
  .option("--chaos-stack <name>", "instead of --lab-stack: a chaos stack whose pgchaos:targets is your own cluster (scanned over SSH)")
  .option("--fix", "remove the leftovers (only objects named after a fault; never anything else)")
  .action(async (opts: { labStack?: string; chaosStack?: string; fix?: boolean }) => {
    const target = await targetMembers(selectTarget(opts));
    const { members } = target;
    const chaos = await ChaosStack.ownedFaultsOf(target.chaosStack, log);
    const owned = chaos.owned;
    const { leftovers, unreachable } = await scanMembers(members);
    const stray = orphans(leftovers, owned);
    console.log(`${target.describe}: live faults (${chaos.name}): ${owned.size ? [...owned].join(", ") : "none"}`);
    // A member that could not be scanned may carry anything: never "no leftovers" then, and exit non-zero.
    if (unreachable.length) {
      console.log(`NOT SCANNED (${unreachable.length} of ${members.length} members; start them or fix access, then run doctor again):\n${unreachable.map((u) => `  ${u}`).join("\n")}`);
      process.exitCode = 3;
    }
    if (!stray.length) {
      console.log(unreachable.length ? `no chaos leftovers on the ${members.length - unreachable.length} members scanned` : "no chaos leftovers");
      return;
    }
    console.log(`chaos leftovers no live fault owns:\n${formatLeftovers(stray)}`);
    if (!opts.fix) {
      console.log("run again with --fix to remove them");
      process.exitCode = unreachable.length ? 3 : 2;
      return;
    }
    await removeLeftovers(members, stray);
    const rescan = await scanMembers(members);
    const after = orphans(rescan.leftovers, owned);
    console.log(after.length ? `still there:\n${formatLeftovers(after)}` : `removed${rescan.unreachable.length ? ` (from the members scanned; not scanned: ${rescan.unreachable.length})` : ""}`);
    if (after.length) process.exitCode = 1;
    else if (rescan.unreachable.length) process.exitCode = 3;
  });

program
  .command("discover")
  .description("draft an inventory (pgchaos:targets) from one Patroni REST address and one etcd client URL; review it, then store it with --set-stack")
  .requiredOption("--patroni <url>", "one Patroni member's REST API, e.g. http://10.0.0.5:8008 (reads /cluster and /patroni)")
  .option("--etcd <url>", "one etcd client URL, e.g. http://10.0.0.2:2379 (reads the member list)")
  .option("--ssh-user <user>", "SSH user on every host", "admin")
  .option("--ssh-port <port>", "SSH port on every host", "22")
  .option("--no-sudo", "the SSH user is root (default: passwordless sudo)")
  .option("--read-write <host:port>", "the workload's read-write address (HAProxy or VIP)")
  .option("--read-only <host:port>", "the workload's read-only address")
  .option("--set-stack <name>", "after confirmation, store the draft as pgchaos:targets of this chaos stack (created when missing)")
  .option("--yes", "with --set-stack: do not ask")
  .action(async (opts: { patroni: string; etcd?: string; sshUser: string; sshPort: string; sudo: boolean; readWrite?: string; readOnly?: string; setStack?: string; yes?: boolean }) => {
    if (!!opts.readWrite !== !!opts.readOnly) program.error("--read-write and --read-only go together");
    const workload = opts.readWrite && opts.readOnly ? { readWrite: hostPort(opts.readWrite), readOnly: hostPort(opts.readOnly) } : undefined;
    const draft = await discover(opts.patroni, opts.etcd, { user: opts.sshUser, sshPort: Number(opts.sshPort), sudo: opts.sudo, lifecycle: "systemd", workload });
    console.log(stringify({ "pgchaos:targets": draft.targets ?? draft.draft }).trimEnd());
    for (const n of draft.notes) console.log(`# check: ${n}`);
    for (const p of draft.problems) console.log(`# not valid yet: ${p}`);
    if (!opts.setStack) return;
    if (!draft.targets) program.error(`not stored in ${opts.setStack}: the draft is not valid yet (see "# not valid yet"); edit it and set pgchaos:targets by hand`, { exitCode: 2 });
    if (!opts.yes) {
      const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
      const answer = await rl.question(`store this as pgchaos:targets of stack ${opts.setStack}? [y/N] `);
      rl.close();
      if (!/^y(es)?$/i.test(answer.trim())) {
        console.log("not stored");
        return;
      }
    }
    const stack = await LocalWorkspace.createOrSelectStack({ stackName: opts.setStack, workDir: PROJECT_DIR }, { pulumiCommand: await pulumiCommand() });
    await stack.setConfig("pgchaos:kind", { value: "chaos" });
    await stack.setConfig("pgchaos:targets", { value: JSON.stringify(draft.targets!) });
    console.log(`stored in stack ${opts.setStack}; next: pulumi config set --secret sshPrivateKey < key-file -s ${opts.setStack}, then pulumi preview -s ${opts.setStack} (preflight)`);
  });

program.parseAsync().catch((e: Error) => {
  console.error(`pgchaos: ${e.message}`);
  process.exit(1);
});
