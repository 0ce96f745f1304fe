import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import { RECOVER_LINE, type RunTimeline } from "./controller-death-phase";
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
  /** The fault's recover file on its target, as a path on this host (see watchArming). */
  recoverFileOnHost: (fault: string) => string;
  /** Sets the chaos stack's `pgchaos:faults` (what a user edits). */
  setFaults: (faults: unknown[]) => void;
  /** `pulumi <args>` on the chaos stack. */
  pulumi: (...args: string[]) => { status: number | null; stdout: string; stderr: string };
}

export interface Killed {
  spawnedAt: number;
  timeline: RunTimeline;
  /** The controller's exit code (null when killed). */
  exitCode: number | null;
  /** It printed its closing line (the runner's "N experiment(s) in", pulumi's "Duration:"), whatever its verdict. */
  ranToItsEnd: boolean;
  /** Still watching after the kill: an inject the kill did not stop arms later; the revert ends it. */
  arming: ArmingWatch;
  /** The controller's last output line before the kill (the phase it was in), when it prints one. */
  lastLine: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A partition of pg3 from etcd2 for `duration` seconds: its watchdog on both members reverts it. */
export const partitionFault = (name: string, duration: number) =>
  ({ name, kind: "partition", groupA: ["pg3"], groupB: ["etcd2"], durationSeconds: duration });

/** An experiment whose one fault is that partition, recovered by the runner 5 s after its inject. */
function experimentFile(name: string, duration: number): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ha-cd-"));
  const file = path.join(dir, `${name}.yaml`);
  fs.writeFileSync(file, stringify({
    id: name, title: "controller death", description: "the runner is killed at a random moment",
    workload: { writers: 1, readers: 1, writeRate: 5, readRate: 5 }, steadySeconds: { before: 2, after: 1 },
    // A short wait: the runner asks for the recover while the fault still acts (under load its `up` takes
    // ~20 s to reach the delete), so kills during the runner's recover land on an acting fault.
    method: [{ action: "inject", faults: [partitionFault(name, duration)] }, { action: "wait", seconds: 5 }, { action: "recover" }],
    expected: { prose: "no acknowledged write is lost", assertions: [{ metric: "lostAckedWrites", op: "==", value: 0 }] },
  }));
  return file;
}

/** Starts the controller; SIGKILLs its process group `killAfter` seconds after spawn (never, when undefined); returns when it is dead. */
export async function killController(controller: Controller, name: string, ctx: KillContext, killAfter?: number): Promise<Killed> {
  const logFile = path.join(os.tmpdir(), `ha-cd-${name}.log`);
  const log = fs.openSync(logFile, "w");
  // Watched from before the set-up, so destroy's fault is seen armed by it.
  const arming = watchArming(ctx.recoverFileOnHost(name));
  let args: [string, string[]];
  if (controller === "runner") {
    // The runner sets the chaos stack's faults itself; the stack starts empty.
    ctx.setFaults([]);
    const out = path.join(os.tmpdir(), `ha-cd-reports-${name}`);
    args = ["npx", ["tsx", "cli/main.ts", "run", "-f", experimentFile(name, ctx.duration), "--lab-stack", ctx.labStack, "--out", out]];
  } else {
    ctx.setFaults([partitionFault(name, ctx.duration)]);
    if (controller === "destroy") {
      const setup = ctx.pulumi("up", "--yes", "--skip-preview");
      if (setup.status !== 0) throw new Error(`setup up for ${name} failed:\n${setup.stdout.slice(-2000)}\n${setup.stderr.slice(-2000)}`);
    }
    args = ["pulumi", [controller, "--yes", "--skip-preview", "--non-interactive", "--color", "never", "--stack", ctx.chaosStack]];
  }
  const spawnedAt = Date.now();
  const child = spawn(args[0], args[1], { cwd: PROJECT_DIR, env: ctx.env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let recoverStartedAt: number | undefined;
  const lines: string[] = [];
  let ranToItsEnd = false;
  const onData = (d: Buffer) => {
    const at = Date.now();
    fs.writeSync(log, d);
    for (const l of d.toString().split("\n").map((x) => x.trim()).filter(Boolean)) {
      if (recoverStartedAt === undefined && RECOVER_LINE.test(l)) recoverStartedAt = at;
      if (/experiment\(s\) in \d+s|^Duration: /.test(l)) ranToItsEnd = true;
      if (!/warning: using pulumi-resource/.test(l)) lines.push(l);
    }
  };
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  let exitedAt: number | undefined;
  let exitCode: number | null = null;
  const exited = new Promise<void>((r) => child.on("close", (code) => { exitedAt ??= Date.now(); exitCode = code; r(); }));
  child.on("exit", () => { exitedAt ??= Date.now(); });
  let killAt: number | undefined;
  if (killAfter !== undefined) {
    await Promise.race([exited, sleep(killAfter * 1000)]);
    if (exitedAt === undefined) {
      killAt = Date.now();
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        // gone between the check and the signal: counted as a kill after the end
      }
    }
  }
  await exited;
  fs.closeSync(log);
  const timeline: RunTimeline = { killAt, exitedAt: killAt !== undefined && exitedAt! >= killAt ? undefined : exitedAt, armedAt: arming.armedAt, recoverStartedAt };
  return { spawnedAt, timeline, exitCode, ranToItsEnd, arming, lastLine: (lines.at(-1) ?? "").slice(0, 120) };
}

/**
 * Watches a fault's recover file on its target from the host (the container's merged overlay directory):
 * when it appears, the watchdog is armed; when it goes, the revert ran. Read without a docker exec, every
 * 200 ms, so watching adds no load to the lab and misses no short phase.
 */
const mtimeMs = (file: string) => { try { return fs.statSync(file).mtimeMs; } catch { return undefined; } };
export interface ArmingWatch { armedAt?: number; goneAt?: number; stop: () => void }
export function watchArming(file: string, intervalMs = 200): ArmingWatch {
  const w: ArmingWatch = { stop: () => clearInterval(timer) };
  const timer = setInterval(() => {
    const present = fs.existsSync(file);
    // The file's own mtime (same clock): when the watchdog was armed, even if first seen later (a
    // synchronous set-up `up` holds this event loop while destroy's fault is armed).
    if (present && w.armedAt === undefined) w.armedAt = mtimeMs(file) ?? Date.now();
    if (!present && w.armedAt !== undefined && w.goneAt === undefined) w.goneAt = Date.now();
  }, intervalMs);
  return w;
}

/** Pending operations and faults left in the chaos stack's state (what a killed `pulumi` leaves behind). */
export function stateLeft(ctx: KillContext): { pending: number; faults: number; unreadable?: string } {
  const exported = ctx.pulumi("stack", "export");
  // An unreadable state is no clean state: told, and counted inconsistent.
  if (exported.status !== 0) return { pending: -1, faults: -1, unreadable: (exported.stderr || exported.stdout).trim().split("\n")[0] };
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
