import { execFileSync, spawnSync, type SpawnSyncReturns } from "child_process";
import * as path from "path";
import { adoptLabSalt } from "../../chaos/experiments/stack-salt";

export const PROJECT_DIR = path.resolve(__dirname, "..", "..");

/** The environment scripts/env.sh sets up (offline Pulumi, local backend, tools on PATH). */
export function engineEnv(): NodeJS.ProcessEnv {
  const out = execFileSync("bash", ["-c", `. ${JSON.stringify(path.join(PROJECT_DIR, "scripts", "env.sh"))} && env -0`], { encoding: "utf8" });
  const env: NodeJS.ProcessEnv = {};
  for (const line of out.split("\0")) {
    const i = line.indexOf("=");
    if (i > 0) env[line.slice(0, i)] = line.slice(i + 1);
  }
  return env;
}

const ENV = engineEnv();

/**
 * Fails (never skips) when the Pulumi engine or Docker is missing: end-to-end tests prove the real
 * thing or nothing. Run `npm run setup` (or the README's test command, which runs it) first.
 */
export function requireEngineAndDocker(): void {
  const missing: string[] = [];
  for (const [tool, args] of [["pulumi", ["version"]], ["pulumi-language-nodejs", ["-help"]], ["docker", ["info", "--format", "{{.ServerVersion}}"]]] as const) {
    const r = spawnSync(tool, [...args], { env: ENV, encoding: "utf8" });
    if (r.error || (tool !== "pulumi-language-nodejs" && r.status !== 0)) missing.push(`${tool}: ${r.error?.message ?? r.stderr.trim()}`);
  }
  if (missing.length) throw new Error(`end-to-end prerequisites missing (run scripts/setup.sh):\n${missing.join("\n")}`);
}

export interface RunResult {
  status: number;
  stdout: string;
  stderr: string;
}

export function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; input?: string } = {}): RunResult {
  const r: SpawnSyncReturns<string> = spawnSync(cmd, args, {
    cwd: opts.cwd ?? PROJECT_DIR,
    env: { ...ENV, ...(opts.env ?? {}) },
    encoding: "utf8",
    timeout: opts.timeoutMs ?? 600_000,
    input: opts.input,
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: r.status ?? -1, stdout: r.stdout ?? "", stderr: (r.stderr ?? "") + (r.error ? String(r.error) : "") };
}

/** Runs a command and throws with its output when it fails. */
export function must(cmd: string, args: string[], opts: Parameters<typeof run>[2] = {}): string {
  const r = run(cmd, args, opts);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${r.status}\n${r.stdout.slice(-4000)}\n${r.stderr.slice(-4000)}`);
  return r.stdout;
}

/** A throwaway stack of this project, removed (with its resources) by `dispose`. */
/** This host's processes (`ps`): pid, parent pid and command line. */
export function processTable(): Array<{ pid: number; ppid: number; args: string }> {
  return must("ps", ["-eo", "pid=,ppid=,args="]).split("\n").filter((l) => l.trim()).map((l) => {
    const [pid, ppid, ...args] = l.trim().split(/\s+/);
    return { pid: Number(pid), ppid: Number(ppid), args: args.join(" ") };
  });
}

export class TestStack {
  constructor(public readonly name: string) {}

  static create(prefix: string, config: Record<string, string> = {}): TestStack {
    const name = `${prefix}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
    const stack = new TestStack(name);
    // A chaos stack of a lab derives the secrets key once per `up`, as the runner's `<lab>-chaos` does.
    if (config["pgchaos:labStack"]) adoptLabSalt(process.cwd(), config["pgchaos:labStack"], name);
    must("pulumi", ["stack", "init", name, "--non-interactive"]);
    for (const [k, v] of Object.entries(config)) stack.pulumi(["config", "set", "--path", k, v]);
    return stack;
  }

  pulumi(args: string[], timeoutMs?: number): string {
    return must("pulumi", [...args, "--stack", this.name, "--non-interactive"], { timeoutMs });
  }

  tryPulumi(args: string[], timeoutMs?: number): RunResult {
    return run("pulumi", [...args, "--stack", this.name, "--non-interactive"], { timeoutMs });
  }

  up(timeoutMs = 900_000): string {
    return this.pulumi(["up", "--yes", "--skip-preview", "--color", "never"], timeoutMs);
  }

  outputs(): Record<string, unknown> {
    return JSON.parse(this.pulumi(["stack", "output", "--json", "--show-secrets"]));
  }

  dispose(): void {
    this.tryPulumi(["destroy", "--yes", "--skip-preview", "--color", "never"], 900_000);
    this.tryPulumi(["stack", "rm", "--yes", "--force"]);
  }
}
