/**
 * Side-by-side benchmark of two checkouts of pgchaos (prints figures; not a test): per tree, warm
 * `pulumi up` of a lab (images cached) to healthy, a second `up` (no changes), a fault toggle on its
 * chaos stack (`up` with one loss fault, then `up` without it) and `pulumi destroy`; rounds alternate
 * between the trees, and which tree goes first, so both meet the same machine load. Each tree runs with its own scripts/env.sh
 * (its own state, its own plugins) and its own ports. The warm `up` is recorded (bench/lab-timeline.ts):
 * its start, steps and finish, the docker calls and the CPU of the CLI's process tree, per round.
 * Usage: npx tsx bench/trees.ts --tree OLD_DIR --tree NEW_DIR [--rounds 2] [--port-base 32100] [--prefix h15]
 */
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { formatLabUp, labUpBreakdown, parseCpuSeconds, type LabUpBreakdown } from "./lab-timeline";
import { makeRecorder, runPulumi } from "./toggle-record";
import { fmt } from "./util";

const arg = (name: string, fallback?: string): string[] => {
  const vals = process.argv.flatMap((a, i) => (a === `--${name}` ? [process.argv[i + 1]] : []));
  return vals.length ? vals : fallback === undefined ? [] : [fallback];
};
const trees = arg("tree").map((t) => path.resolve(t));
const rounds = Number(arg("rounds", "2")[0]);
const portBase = Number(arg("port-base", "32100")[0]);
const prefix = arg("prefix", "h15")[0];
if (trees.length < 1 || !Number.isInteger(rounds) || rounds < 1) throw new Error("usage: --tree DIR [--tree DIR] [--rounds N>=1] [--port-base P] [--prefix P]");

const envOf = (tree: string): NodeJS.ProcessEnv => {
  const out = execFileSync("bash", ["--norc", "-c", `. ${JSON.stringify(path.join(tree, "scripts", "env.sh"))} && env -0`], { encoding: "utf8" });
  return Object.fromEntries(out.split("\0").filter((l) => l.includes("=")).map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
};

function pulumiIn(tree: string, env: NodeJS.ProcessEnv, args: string[]): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync("pulumi", [...args, "--non-interactive"], { cwd: tree, env, encoding: "utf8", maxBuffer: 64 << 20, timeout: 1_800_000 });
  if (r.status !== 0) throw new Error(`[${tree}] pulumi ${args.join(" ")} failed (${r.status}):\n${(r.stdout ?? "").slice(-3000)}\n${(r.stderr ?? "").slice(-3000)}`);
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

const LOSS = JSON.stringify([{ name: "bench-loss", kind: "loss", target: "pg2", peers: ["haproxy"], percent: 30 }]);

const breakdowns: LabUpBreakdown[][] = [];

/** The lab's warm `up`, recorded: engine events, docker calls (wrapper on PATH), CPU (GNU time). */
async function recordedWarmUp(tree: string, env: NodeJS.ProcessEnv, lab: string): Promise<{ seconds: number; breakdown: LabUpBreakdown }> {
  const rec = makeRecorder(env);
  const cpuFile = path.join(rec.dir, "cpu.txt");
  const run = await runPulumi(tree, ["up", "--yes", "--skip-preview", "--non-interactive", "--stack", lab], rec.env(env), rec.dir, ["/usr/bin/time", "-o", cpuFile, "-f", "%U %S"]);
  const cpu = parseCpuSeconds(fs.existsSync(cpuFile) ? fs.readFileSync(cpuFile, "utf8") : "");
  const breakdown = labUpBreakdown(run.t0, run.t1, run.events, rec.dockerCalls(run.t0, run.t1), cpu);
  fs.rmSync(rec.dir, { recursive: true, force: true });
  return { seconds: (run.t1 - run.t0) / 1000, breakdown };
}

/** One round in one tree: lab up (warm), no-op up, fault on, fault off, destroy. Seconds per step. */
async function round(tree: string, i: number, t: number): Promise<Record<string, number>> {
  const env = envOf(tree);
  const lab = `${prefix}-bench-${t}-${Date.now().toString(36)}`;
  const chaos = `${lab}-chaos`;
  const p = portBase + t * 100;
  const ports = { readWrite: p, readOnly: p + 1, haproxyStats: p + 2, postgresBase: p + 10, patroniRestBase: p + 20, etcdClientBase: p + 30 };
  const run = (args: string[], stack: string) => pulumiIn(tree, env, [...args, "--stack", stack]);
  run(["stack", "init"], lab);
  run(["stack", "init"], chaos);
  const figures: Record<string, number> = {};
  try {
    for (const [k, v] of Object.entries(ports)) run(["config", "set", "--path", `pgchaos:ports.${k}`, String(v)], lab);
    run(["config", "set", "--path", "pgchaos:monitoring.enabled", "false"], lab);
    run(["config", "set", "pgchaos:kind", "chaos"], chaos);
    run(["config", "set", "pgchaos:labStack", lab], chaos);
    run(["config", "set", "pgchaos:faults", "[]"], chaos);
    const warm = await recordedWarmUp(tree, env, lab);
    figures["warm up"] = warm.seconds;
    (breakdowns[t] ??= []).push(warm.breakdown);
    console.log(`round ${i + 1} ${tree} warm up: ${formatLabUp(warm.breakdown)}`);
    figures["no-op up"] = run(["up", "--yes", "--skip-preview"], lab);
    run(["config", "set", "pgchaos:faults", LOSS], chaos);
    figures["fault on"] = run(["up", "--yes", "--skip-preview"], chaos);
    run(["config", "set", "pgchaos:faults", "[]"], chaos);
    figures["fault off"] = run(["up", "--yes", "--skip-preview"], chaos);
    run(["destroy", "--yes", "--skip-preview"], chaos);
    figures.destroy = run(["destroy", "--yes", "--skip-preview"], lab);
  } finally {
    for (const s of [chaos, lab]) {
      spawnSync("pulumi", ["destroy", "--yes", "--skip-preview", "--non-interactive", "--stack", s], { cwd: tree, env });
      spawnSync("pulumi", ["stack", "rm", "--yes", "--force", "--non-interactive", "--stack", s], { cwd: tree, env });
    }
  }
  console.log(`round ${i + 1} ${tree}: ${Object.entries(figures).map(([k, v]) => `${k} ${fmt(v)}`).join(", ")}`);
  return figures;
}

async function main(): Promise<void> {
  const results: Array<Array<Record<string, number>>> = trees.map(() => []);
  // The order alternates per round: under a load that rises or falls during the run, the tree that always
  // went second would always meet the later load.
  for (let i = 0; i < rounds; i++) {
    const order = trees.map((_, t) => t);
    for (const t of i % 2 ? order.reverse() : order) results[t].push(await round(trees[t], i, t));
  }
  // The median; with an even count, the lower of the two middle values.
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
  const range = (xs: number[]) => `${fmt(median(xs))} (${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)})`;
  console.log(`\nmedian (lower middle for an even count) and range of ${rounds} round(s), ${new Date().toISOString()}, load average ${execFileSync("cat", ["/proc/loadavg"], { encoding: "utf8" }).trim()}:`);
  for (const step of Object.keys(results[0][0])) {
    console.log(`  ${step.padEnd(10)} ${trees.map((tree, t) => `${path.basename(tree)} ${range(results[t].map((r) => r[step]))}`).join("   ")}`);
  }
  const parts: Array<[string, (b: LabUpBreakdown) => number]> = [
    ["warm up: start (s)", (b) => b.startMs / 1000], ["warm up: steps (s)", (b) => b.stepsMs / 1000], ["warm up: finish (s)", (b) => b.finishMs / 1000],
    ["warm up: docker calls", (b) => b.dockerCalls], ["warm up: in docker (s)", (b) => b.dockerCoveredMs / 1000], ["warm up: CPU (s)", (b) => b.cpuSeconds ?? NaN],
  ];
  for (const [name, of] of parts) {
    console.log(`  ${name.padEnd(24)} ${trees.map((tree, t) => `${path.basename(tree)} ${range((breakdowns[t] ?? []).map(of)).replace(/ s\b/g, "")}`).join("   ")}`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
