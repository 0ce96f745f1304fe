/**
 * Fault-toggle benchmark (prints figures; not a test): where a warm one-fault `pulumi up` and `destroy` of
 * the chaos stack spend their time (engine start, program compile/load, StackReference, live observation,
 * inject, verification, recover), and inside an experiment (Automation API, default workload) the time
 * from the inject action's start to the fault reaching its target, and the recover action's duration.
 * Every variant (a project directory: this one, and e.g. an older commit's worktree) is measured in the
 * same run, interleaved, against the same lab; medians are printed side by side.
 *
 * Usage: npx tsx bench/toggle.ts --lab-stack <lab> [--base /path/to/old/worktree] [--reps 3] [--experiment-only]
 *   (the lab must be up; chaos stacks <lab>-tg-<variant> are created and removed)
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parse, stringify } from "yaml";
import { makeRecorder, runPulumi, type Recorder } from "./toggle-record";
import { downPhases, median, sideBySide, upPhases, type Phase } from "./toggle-timeline";
import { adoptLabSalt } from "../chaos/experiments/stack-salt";
import { PROJECT_DIR, projectEnv } from "./util";

const opt = (name: string, dflt?: string) => {
  const i = process.argv.indexOf(name);
  const v = i > 0 ? process.argv[i + 1] : dflt;
  if (v === undefined) throw new Error(`${name} is required`);
  return v;
};

const FAULTS = [
  { name: "tg-loss", kind: "loss", target: "any-replica", peers: ["haproxy"], percent: 30 },
  { name: "tg-delay", kind: "delay", target: "any-replica", peers: ["haproxy"], delayMs: 100 },
];

interface Variant {
  name: string;
  dir: string;
  env: NodeJS.ProcessEnv;
  chaosStack: string;
}

function writeChaosConfig(v: Variant, lab: string, faults: unknown[]): void {
  // Kept: the stack's encryptionsalt (`stack init` wrote it; without it every CLI run would make a new one).
  const file = path.join(v.dir, `Pulumi.${v.chaosStack}.yaml`);
  const doc = (fs.existsSync(file) ? parse(fs.readFileSync(file, "utf8")) : null) ?? {};
  doc.config = { "pgchaos:kind": "chaos", "pgchaos:labStack": lab, "pgchaos:faults": faults, "pgchaos:verify": true };
  fs.writeFileSync(file, stringify(doc));
}

const cli = (v: Variant, args: string[], allowFail = false) => {
  const r = spawnSync("pulumi", args, { cwd: v.dir, env: v.env, encoding: "utf8" });
  if (r.status !== 0 && !allowFail) throw new Error(`pulumi ${args.join(" ")} failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
};

/** One warm toggle through the CLI: up with the fault, then destroy. Returns both breakdowns. */
async function cliToggle(v: Variant, rec: Recorder, lab: string, fault: (typeof FAULTS)[number]): Promise<{ up: Phase[]; down: Phase[] }> {
  writeChaosConfig(v, lab, [fault]);
  const flags = ["--yes", "--skip-preview", "--non-interactive", "--stack", v.chaosStack];
  const env = rec.env(v.env);
  const up = await runPulumi(v.dir, ["up", ...flags], env, rec.dir);
  const upBreakdown = upPhases(up.t0, up.t1, up.events, rec.marks(up.t0 - 50, up.t1), rec.dockerCalls(up.t0, up.t1));
  const down = await runPulumi(v.dir, ["destroy", ...flags], env, rec.dir);
  return { up: upBreakdown, down: downPhases(down.t0, down.t1, down.events, rec.dockerCalls(down.t0, down.t1)) };
}

interface ExperimentRun { injectStart: number; reached: number; injectEnd: number; recoverStart: number; recoverEnd: number }

/** The Automation API path, in a child that loads the variant's own chaos/experiments/stacks.ts. */
function experimentToggles(v: Variant, rec: Recorder, lab: string, fault: (typeof FAULTS)[number], reps: number) {
  const stack = `${v.chaosStack}-exp`;
  const t0 = Date.now();
  const r = spawnSync(path.join(PROJECT_DIR, "node_modules", ".bin", "tsx"), [path.join(PROJECT_DIR, "bench", "toggle-experiment.ts"),
    "--project", v.dir, "--lab-stack", lab, "--chaos-stack", stack, "--fault", JSON.stringify(fault), "--reps", String(reps)],
  { cwd: v.dir, env: rec.env(v.env), encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`experiment toggles (${v.name}) failed:\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);
  const out = JSON.parse(r.stdout.trim().split("\n").pop()!) as { runs: ExperimentRun[]; workloadAcked: number; workloadReads: number };
  const calls = rec.cliCalls(t0, Date.now());
  cli(v, ["stack", "rm", "--yes", "--force", "--stack", stack], true);
  return { ...out, calls };
}

function experimentTable(results: Array<{ v: Variant; out: ReturnType<typeof experimentToggles> }>): string {
  const rows: Array<[string, (o: ReturnType<typeof experimentToggles>) => string]> = [
    ["inject action start → fault reaches its target (member stamp)", (o) => ms(o.runs.map((r) => r.reached - r.injectStart))],
    ["inject action (start → returns with outputs)", (o) => ms(o.runs.map((r) => r.injectEnd - r.injectStart))],
    ["recover action (apply([]) start → returns)", (o) => ms(o.runs.map((r) => r.recoverEnd - r.recoverStart))],
    ["CLI calls per inject+recover (pulumi wrapper)", (o) => `${(o.calls.length / o.runs.length).toFixed(1)}`],
    ...callKinds(results.flatMap((x) => x.out.calls.map((c) => c.args))).map((kind): [string, (o: ReturnType<typeof experimentToggles>) => string] =>
      [`  \`pulumi ${kind}\` (count per toggle, median ms)`, (o) => { const xs = o.calls.filter((c) => c.args === kind).map((c) => c.end - c.start); return `${(xs.length / o.runs.length).toFixed(1)} × ${xs.length ? median(xs).toFixed(0) : "-"}`; }]),
    ["workload ops acknowledged (writes + reads)", (o) => `${o.workloadAcked} + ${o.workloadReads}`],
  ];
  const width = Math.max(...rows.map(([n]) => n.length));
  const header = `${"experiment (Automation API, default workload)".padEnd(width)} | ${results.map((x) => `${x.v.name} (median of ${x.out.runs.length})`.padStart(24)).join(" | ")}`;
  return [header, "-".repeat(header.length), ...rows.map(([n, f]) => `${n.padEnd(width)} | ${results.map((x) => f(x.out).padStart(24)).join(" | ")}`)].join("\n");
}
const ms = (xs: number[]) => `${median(xs).toFixed(0)} ms (${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)})`;
const callKinds = (xs: string[]) => [...new Set(xs)].sort();

async function main(): Promise<void> {
  const lab = opt("--lab-stack");
  const reps = Number(opt("--reps", "3"));
  const backend = `file://${path.join(PROJECT_DIR, ".pulumi-state")}`;
  const dirs: Array<[string, string]> = [["this", PROJECT_DIR]];
  if (process.argv.includes("--base")) dirs.unshift(["base", path.resolve(opt("--base"))]);
  const variants: Variant[] = dirs.map(([name, dir]) => ({ name, dir, env: projectEnv(dir, { ...process.env, PULUMI_BACKEND_URL: backend }), chaosStack: `${lab}-tg-${name}` }));
  const rec = makeRecorder(variants[0].env);
  for (const v of variants) {
    // This tree's chaos stack as the runner creates `<lab>-chaos` (the lab's salt); a base tree's as it did.
    if (v.dir === PROJECT_DIR) adoptLabSalt(PROJECT_DIR, lab, v.chaosStack);
    cli(v, ["stack", "init", v.chaosStack, "--non-interactive"], true);
    writeChaosConfig(v, lab, []);
  }
  try {
    // --experiment-only: just the Automation API rows (the CLI tables take most of the run).
    for (const fault of process.argv.includes("--experiment-only") ? [] : FAULTS) {
      const runs = new Map(variants.map((v) => [v.name, { up: [] as Phase[][], down: [] as Phase[][] }]));
      for (let i = 0; i <= reps; i++) {
        for (const v of variants) {
          const r = await cliToggle(v, rec, lab, fault);
          if (i === 0) continue; // warm-up: page cache, compile caches, provider host paths
          runs.get(v.name)!.up.push(r.up);
          runs.get(v.name)!.down.push(r.down);
          console.error(`  ${fault.kind} ${v.name} #${i + 1}: up ${r.up.at(-1)!.ms} ms, destroy ${r.down.at(-1)!.ms} ms`);
        }
      }
      console.log(`\n${sideBySide(`warm one-fault \`pulumi up\` (${fault.kind})`, variants.map((v) => ({ name: v.name, runs: runs.get(v.name)!.up })))}`);
      console.log(`\n${sideBySide(`\`pulumi destroy\` (${fault.kind})`, variants.map((v) => ({ name: v.name, runs: runs.get(v.name)!.down })))}`);
    }
    const exp = variants.map((v) => ({ v, out: experimentToggles(v, rec, lab, FAULTS[0], reps) }));
    console.log(`\n${experimentTable(exp)}`);
    console.log(`\nmeasured ${new Date().toISOString()} on ${require("os").cpus().length} cores (${require("os").cpus()[0].model}); fault for the experiment rows: ${FAULTS[0].kind}`);
  } finally {
    for (const v of variants) {
      writeChaosConfig(v, lab, []);
      cli(v, ["destroy", "--yes", "--skip-preview", "--non-interactive", "--stack", v.chaosStack], true);
      cli(v, ["stack", "rm", "--yes", "--force", "--stack", v.chaosStack], true);
    }
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
