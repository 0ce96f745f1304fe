import { execFileSync, spawnSync } from "child_process";
import * as path from "path";

/** Shared by the benchmarks: the project's environment (scripts/env.sh) and timed commands. */
export const PROJECT_DIR = path.resolve(__dirname, "..");

/** A project's environment: its scripts/env.sh sourced over `base` (another worktree's, for before/after runs). */
export function projectEnv(dir = PROJECT_DIR, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const out = execFileSync("bash", ["--norc", "-c", `. ${JSON.stringify(path.join(dir, "scripts", "env.sh"))} && env -0`], { encoding: "utf8", env: base });
  return Object.fromEntries(out.split("\0").filter((l) => l.includes("=")).map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
}

const ENV = projectEnv();

/** Runs a command, fails loudly, returns stdout and wall seconds. */
export function timed(cmd: string, args: string[], opts: { input?: string } = {}): { seconds: number; stdout: string } {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { cwd: PROJECT_DIR, env: ENV, encoding: "utf8", maxBuffer: 64 << 20, input: opts.input, timeout: 1_800_000 });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.status}):\n${(r.stdout ?? "").slice(-3000)}\n${(r.stderr ?? "").slice(-3000)}`);
  return { seconds, stdout: r.stdout };
}

export const fmt = (s: number) => `${s.toFixed(1)} s`;

/** Sum of `docker stats` memory of the containers carrying a label, MiB. */
export function labMemoryMiB(label: string): { total: number; perContainer: Record<string, number> } {
  const out = timed("docker", ["stats", "--no-stream", "--format", "{{.Name}} {{.MemUsage}}", ...timed("docker", ["ps", "-q", "--filter", `label=${label}`]).stdout.trim().split("\n").filter(Boolean)]).stdout;
  const per: Record<string, number> = {};
  for (const line of out.trim().split("\n")) {
    const [name, usage] = line.split(" ");
    const m = /^([\d.]+)([KMG]i?B)/.exec(usage);
    if (!m) continue;
    per[name] = Number(m[1]) * ({ KiB: 1 / 1024, MiB: 1, GiB: 1024, kB: 1 / 1000, MB: 1, GB: 1000 } as Record<string, number>)[m[2]];
  }
  return { total: Object.values(per).reduce((a, b) => a + b, 0), perContainer: per };
}
