// What every pgchaos command shares: target options, logging, Ctrl-C, exit codes.
import * as path from "path";
import type { Command } from "commander";
import { PROJECT_DIR } from "../chaos/experiments/stacks";
import type { TargetSelector } from "../chaos/experiments/target";

/** What every pgchaos command shares: target options, logging, Ctrl-C, exit codes. */

export const DEFAULT_REPORTS = path.join(PROJECT_DIR, "reports");

/** --lab-stack, --chaos-stack and --out: what every command that runs experiments takes. */
export function targetOptions(cmd: Command, outHelp = "report directory"): Command {
  return cmd
    .option("--lab-stack <name>", "the lab stack; faults go to <name>-chaos (default: dev)")
    .option("--chaos-stack <name>", "instead of --lab-stack: a chaos stack — one whose pgchaos:targets is your own cluster (faults and logs over SSH, workload to its HAProxy/VIP), or one pointed at a lab")
    .option("--out <dir>", outHelp, DEFAULT_REPORTS);
}

/** Exit codes of run, compare, gameday (see `pgchaos --help`). */
export const EXIT = { ok: 0, failed: 1, usage: 2, invalid: 3 } as const;

export const EXIT_CODES_HELP = `
Exit codes (run, compare, gameday, campaign):
  0  every hypothesis held (findings alone do not change it unless --fail-on-findings)
  1  a hypothesis failed (or findings, with --fail-on-findings)
  2  usage error (unknown option or experiment, conflicting options, invalid file)
  3  a run proves nothing: ABORTED (steady state did not hold), INVALID (the fault stopped acting),
     or ERROR (a fault could not be injected or verified)`;

export interface TargetOptions {
  labStack?: string;
  chaosStack?: string;
}

/** --lab-stack or --chaos-stack (not both). */
export function selectTarget(program: Command, opts: TargetOptions): TargetSelector {
  if (opts.labStack && opts.chaosStack) program.error("pgchaos: --lab-stack and --chaos-stack exclude each other: a run targets the lab or an inventory", { exitCode: EXIT.usage });
  return opts.chaosStack ? { chaosStack: opts.chaosStack } : { labStack: opts.labStack ?? "dev" };
}

const stamp = () => new Date().toISOString().slice(11, 19);
/** Progress lines go to stderr when stdout carries JSON. */
export const makeLog = (json: boolean) => (line: string) => (json ? console.error : console.log)(`${stamp()} ${line}`);

/** Ctrl-C: stop at the next step, recover every fault, still write what was measured. Twice: exit now. */
export function abortOnInterrupt(log: (l: string) => void): AbortController {
  const abort = new AbortController();
  process.on("SIGINT", () => {
    if (abort.signal.aborted) process.exit(130);
    log("interrupt: recovering faults before exit (Ctrl-C again to quit at once)");
    abort.abort();
  });
  return abort;
}

/**
 * An error in a few lines: a failed `pulumi` command (Automation API) is reduced to its `error:` lines, not its
 * whole output twice over.
 */
export function conciseError(e: Error): string {
  const text = e.message ?? String(e);
  if (/ENOENT: pulumi|spawn pulumi ENOENT/.test(text)) return "the Pulumi CLI is not on PATH: run `npm run setup` (it builds it), or `. scripts/env.sh` in this shell";
  if (!/Command failed with exit code/.test(text)) return text;
  const command = /Command failed with exit code \d+: (pulumi [^\n]*)/.exec(text)?.[1] ?? "pulumi";
  const errors = [...new Set(text.split("\n").map((l) => l.trim()).filter((l) => /^error:|\berror TS\d+|effect not achieved|RECOVER/.test(l)))].slice(0, 6);
  return `${command} failed${errors.length ? `:\n  ${errors.join("\n  ")}` : ` (no error line in its output: ${text.split("\n").slice(-5).join(" / ")})`}`;
}
