// pgchaos doctor: find and remove chaos leftovers on a target.
import { spawnSync } from "child_process";
import { Option, type Command } from "commander";
import { ChaosStack, PROJECT_DIR } from "../../chaos/experiments/stacks";
import { describeLock, projectName, removeStaleLocks, staleLocks } from "../../chaos/experiments/stale-locks";
import { brokenSidecars, removeBrokenSidecars } from "../../chaos/experiments/state-sidecars";
import { CLEAR_PENDING_ARGS, clearPendingCommand, describePending, pendingOperations, type PendingOperation } from "../../chaos/experiments/pending-operations";
import { targetMembers } from "../../chaos/experiments/target";
import { formatLeftovers, orphans, removeLeftovers, scanMembers } from "../../chaos/targets/doctor";
import { EXIT, makeLog, selectTarget } from "../common";

export function registerDoctor(program: Command): void {
  const log = makeLog(false);
  program
    .command("doctor")
    .description("list chaos leftovers (rules, qdiscs, processes, files of faults) that no live fault resource owns; --fix removes them")
    .option("--lab-stack <name>", "the lab stack; its chaos stack is <name>-chaos (default: dev)")
    .option("--chaos-stack <name>", "instead of --lab-stack: a chaos stack whose pgchaos:targets is your own cluster (scanned over SSH)")
    .option("--fix", "remove the leftovers (only objects named after a fault; never anything else)")
    .addOption(new Option("-o, --output <format>", "json: the scan as JSON (live faults, members not scanned, leftovers)").choices(["json"]))
    .action(async (opts: { labStack?: string; chaosStack?: string; fix?: boolean; output?: string }) => {
      if (opts.fix && opts.output === "json") program.error("pgchaos: doctor --fix and -o json exclude each other: scan with -o json, then fix", { exitCode: EXIT.usage });
      const target = await targetMembers(selectTarget(program, opts));
      const { members } = target;
      // A cut-short checkpoint sidecar makes every command on the stack fail: told (or repaired) before reading it.
      const sidecars = brokenSidecars(projectName(PROJECT_DIR), target.chaosStack);
      if (sidecars.length && opts.output === "json") {
        console.log(JSON.stringify({ target: target.describe, chaosStack: target.chaosStack, brokenStateFiles: sidecars }, null, 2));
        process.exitCode = 2;
        return;
      }
      if (sidecars.length && !opts.fix) {
        console.log(`BROKEN STATE of ${target.chaosStack}: ${sidecars.join(", ")} cut short by a killed pulumi (every command on the stack fails "failed to load checkpoint"): run again with --fix (it removes ${sidecars.length > 1 ? "them" : "it"}; the last complete checkpoint stands)`);
        process.exitCode = 2;
        return;
      }
      if (sidecars.length) console.log(`removed ${removeBrokenSidecars(projectName(PROJECT_DIR), target.chaosStack).join(", ")}, cut short by a killed pulumi`);
      const chaos = await ChaosStack.ownedFaultsOf(target.chaosStack, log);
      const owned = chaos.owned;
      const { leftovers, unreachable } = await scanMembers(members);
      const stray = orphans(leftovers, owned);
      // A controller killed mid-`pulumi` leaves its lock: every later up fails until it goes.
      const locks = staleLocks(projectName(PROJECT_DIR), chaos.name);
      // ... and the operation it was in the middle of, which only a refresh clears.
      const pending = pendingOperations(projectName(PROJECT_DIR), chaos.name);
      const scanned = members.filter((m) => m.kind !== "monitoring").length;
      if (opts.output === "json") {
        console.log(JSON.stringify({ target: target.describe, chaosStack: chaos.name, liveFaults: [...owned], notScanned: unreachable, leftovers: stray, staleLocks: locks, pendingOperations: pending }, null, 2));
        process.exitCode = unreachable.length ? 3 : stray.length || locks.length || pending.length ? 2 : 0;
        return;
      }
      console.log(`${target.describe}: live faults (${chaos.name}): ${owned.size ? [...owned].join(", ") : "none"}`);
      if (locks.length && opts.fix) console.log(`removed the stale lock(s) of ${chaos.name}: ${removeStaleLocks(projectName(PROJECT_DIR), chaos.name).map(describeLock).join("; ")}`);
      else if (locks.length) {
        console.log(`STALE LOCK on ${chaos.name}, left by a killed pulumi (${locks.map(describeLock).join("; ")}): run again with --fix (or \`pulumi cancel --yes -s ${chaos.name}\`)`);
        process.exitCode = 2;
      }
      if (pending.length && !clearPendingOperations(chaos.name, pending, !!opts.fix)) process.exitCode = 2;
      // A member that could not be scanned may carry anything: never "no leftovers" then, and exit non-zero.
      if (unreachable.length) {
        console.log(`NOT SCANNED (${unreachable.length} of ${scanned} members; start them or fix access, then run doctor again):\n${unreachable.map((u) => `  ${u}`).join("\n")}`);
        process.exitCode = 3;
      }
      if (!stray.length) {
        console.log(unreachable.length ? `no chaos leftovers on the ${scanned - unreachable.length} members scanned` : "no chaos leftovers");
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
}

/**
 * Pending operations a killed `pulumi` left: cleared with --fix (true), else told with the one command that
 * clears them (false: doctor exits 2).
 */
function clearPendingOperations(stack: string, pending: PendingOperation[], fix: boolean): boolean {
  const command = clearPendingCommand(stack);
  if (!fix) {
    console.log(`PENDING OPERATIONS on ${stack}, left by a killed pulumi (${describePending(pending)}): run again with --fix (or \`${command}\`); the faults' watchdogs revert what they did`);
    return false;
  }
  const r = spawnSync("pulumi", [...CLEAR_PENDING_ARGS, "--stack", stack, "--non-interactive"], { cwd: PROJECT_DIR, encoding: "utf8" });
  if (r.status !== 0) {
    console.log(`PENDING OPERATIONS on ${stack} not cleared: \`${command}\` failed (exit ${r.status}): ${(r.stderr || r.stdout).trim().split("\n").slice(-3).join(" | ")}`);
    return false;
  }
  console.log(`cleared the pending operation(s) a killed pulumi left on ${stack} (${describePending(pending)}) with \`${command}\``);
  return true;
}
