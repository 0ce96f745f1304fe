import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import { PROJECT_DIR } from "./util";

/**
 * The three controllers the controller-death benchmark kills, each started in its own process group so one
 * SIGKILL ends it with everything it started (CLI, language host, dynamic provider, the runner's `pulumi`).
 */
export type Controller = "runner" | "up" | "destroy";

export interface KillContext {
  labStack: string;
  chaosStack: string;
  env: NodeJS.ProcessEnv;
  duration: number;
  /** Sets the chaos stack's `pgchaos:faults` (what a user edits). */
  setFaults: (faults: unknown[]) => void;
  /** `pulumi <args>` on the chaos stack. */
  pulumi: (...args: string[]) => { status: number | null; stdout: string; stderr: string };
}

export interface Killed {
  /** Seconds after the start of the controller that the SIGKILL came. */
  killAfterSeconds: number;
  /** The controller's last output line before the kill (the phase it was in), when it prints one. */
  lastLine: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const uniform = (lo: number, hi: number) => lo + Math.random() * (hi - lo);

/** A partition of pg3 from etcd2 for `duration` seconds: its watchdog on both members reverts it. */
export const partitionFault = (name: string, duration: number) =>
  ({ name, kind: "partition", groupA: ["pg3"], groupB: ["etcd2"], durationSeconds: duration });

/** An experiment whose one fault is that partition, waited out past its duration, then recovered. */
function experimentFile(name: string, duration: number): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ha-cd-"));
  const file = path.join(dir, `${name}.yaml`);
  fs.writeFileSync(file, stringify({
    id: name, title: "controller death", description: "the runner is killed at a random moment",
    workload: { writers: 1, readers: 1, writeRate: 5, readRate: 5 }, steadySeconds: { before: 2, after: 1 },
    method: [{ action: "inject", faults: [partitionFault(name, duration)] }, { action: "wait", seconds: duration + 10 }, { action: "recover" }],
    expected: { prose: "no acknowledged write is lost", assertions: [{ metric: "lostAckedWrites", op: "==", value: 0 }] },
  }));
  return file;
}

/** Starts the controller, SIGKILLs its process group at a random moment, returns when it is dead. */
export async function killController(controller: Controller, name: string, ctx: KillContext): Promise<Killed> {
  const logFile = path.join(os.tmpdir(), `ha-cd-${name}.log`);
  const out = fs.openSync(logFile, "w");
  let args: [string, string[]];
  let killAfter: number;
  if (controller === "runner") {
    // The runner sets the chaos stack's faults itself; the stack starts empty.
    ctx.setFaults([]);
    const out = path.join(os.tmpdir(), `ha-cd-reports-${name}`);
    args = ["npx", ["tsx", "cli/main.ts", "run", "-f", experimentFile(name, ctx.duration), "--lab-stack", ctx.labStack, "--out", out]];
    killAfter = uniform(2, ctx.duration + 20); // before, during and after the inject
  } else {
    ctx.setFaults([partitionFault(name, ctx.duration)]);
    if (controller === "destroy") {
      const setup = ctx.pulumi("up", "--yes", "--skip-preview");
      if (setup.status !== 0) throw new Error(`setup up for ${name} failed:\n${setup.stdout.slice(-2000)}\n${setup.stderr.slice(-2000)}`);
    }
    args = ["pulumi", [controller, "--yes", "--skip-preview", "--non-interactive", "--color", "never", "--stack", ctx.chaosStack]];
    // Under load an inject takes 10-20 s (reference read, inject, verification) and a recover 5-10 s: the windows span them.
    killAfter = controller === "up" ? uniform(0.5, 25) : uniform(0.5, 12);
  }
  const child = spawn(args[0], args[1], { cwd: PROJECT_DIR, env: ctx.env, detached: true, stdio: ["ignore", out, out] });
  const exited = new Promise((r) => child.on("exit", r));
  await sleep(killAfter * 1000);
  try {
    process.kill(-child.pid!, "SIGKILL");
  } catch {
    // already gone: it finished before the chosen moment (counted as a kill after the end)
  }
  await exited;
  fs.closeSync(out);
  const lines = fs.readFileSync(logFile, "utf8").split("\n").map((l) => l.trim()).filter((l) => l && !/warning: using pulumi-resource/.test(l));
  return { killAfterSeconds: killAfter, lastLine: (lines.at(-1) ?? "").slice(0, 120) };
}

/** Pending operations and faults left in the chaos stack's state (what a killed `pulumi` leaves behind). */
export function stateLeft(ctx: KillContext): { pending: number; faults: number } {
  const exported = ctx.pulumi("stack", "export");
  const dep = (JSON.parse(exported.stdout) as { deployment: { resources?: Array<{ type: string }>; pending_operations?: unknown[] } }).deployment;
  return { pending: dep.pending_operations?.length ?? 0, faults: (dep.resources ?? []).filter((r) => r.type === "pulumi-nodejs:dynamic/pgchaos:Fault").length };
}

/**
 * The next `pulumi up` with no faults configured, as a user would run it. When it fails, the command its own
 * error names (`pulumi cancel` for a lock, `refresh --clear-pending-creates` for pending creates) is run
 * once and the `up` again. Returns what was needed.
 */
export function nextUp(ctx: KillContext): { firstOk: boolean; named?: string; ok: boolean; error?: string } {
  ctx.setFaults([]);
  const first = ctx.pulumi("up", "--yes", "--skip-preview");
  if (first.status === 0) return { firstOk: true, ok: true };
  const text = first.stdout + first.stderr;
  const named = /pulumi cancel/.test(text) ? "pulumi cancel" : /clear-pending-creates/.test(text) ? "pulumi refresh --clear-pending-creates" : undefined;
  const error = text.split("\n").filter((l) => /error/i.test(l)).slice(0, 2).join(" | ").slice(0, 300);
  if (!named) return { firstOk: false, ok: false, error };
  if (named === "pulumi cancel") ctx.pulumi("cancel", "--yes");
  else ctx.pulumi("refresh", "--yes", "--skip-preview", "--clear-pending-creates");
  const second = ctx.pulumi("up", "--yes", "--skip-preview");
  return { firstOk: false, named, ok: second.status === 0, error };
}

/** Runs a member-side script as root; "" when the container cannot be reached. */
export function memberShell(env: NodeJS.ProcessEnv, container: string, script: string): string {
  return (spawnSync("docker", ["exec", "-u", "root", container, "bash", "-c", script], { env, encoding: "utf8", timeout: 60_000 }).stdout ?? "").trim();
}
