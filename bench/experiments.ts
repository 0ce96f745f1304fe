/**
 * Experiment benchmark (prints figures; not a test): the workload's sustained ops/s and its own CPU use
 * against a lab, then the wall time of each catalog experiment and of the set.
 * Usage: npx tsx bench/experiments.ts [--lab-stack dev] [--set default|all|none]
 */
import { Workload } from "../chaos/experiments/workload";
import { labOutputs } from "../chaos/experiments/stacks";
import { loadCatalog } from "../chaos/experiments/definition";
import { fmt, timed } from "./util";

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : dflt;
};

async function main(): Promise<void> {
  const labStack = arg("--lab-stack", "dev");
  const set = arg("--set", "default");
  const lab = await labOutputs(labStack);
  const figures: string[] = [];
  for (const [writers, rate] of [[4, 50], [8, 100], [16, 200]] as const) {
    const w = new Workload({ readWrite: { host: "127.0.0.1", port: lab.ports.readWrite }, readOnly: { host: "127.0.0.1", port: lab.ports.readOnly }, credentials: { user: "postgres", password: lab.superuserPassword, database: "postgres" }, writers, readers: writers / 2, writeRate: rate, readRate: rate, runId: `bench-${Date.now().toString(36)}` });
    const cpu0 = process.cpuUsage();
    const t0 = Date.now();
    w.start();
    await new Promise((r) => setTimeout(r, 20_000));
    await w.stop();
    const secs = (Date.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const acked = w.writes.filter((x) => x.ackAt).length;
    const reads = w.reads.filter((x) => x.ok).length;
    figures.push(`workload ${writers}w+${writers / 2}r at ${rate}/s each (asked ${(writers * 1.5 * rate).toFixed(0)} ops/s): ${((acked + reads) / secs).toFixed(0)} ops/s sustained (${(acked / secs).toFixed(0)} writes, ${(reads / secs).toFixed(0)} reads), runner CPU ${(((cpu.user + cpu.system) / 1e6 / secs) * 100).toFixed(0)}% of a core`);
    console.log(figures.at(-1));
  }
  if (set !== "none") {
    const chosen = loadCatalog().filter((e) => set === "all" || e.default);
    let total = 0;
    for (const e of chosen) {
      const r = timed("npx", ["tsx", "cli/main.ts", "run", e.id, "--lab-stack", labStack, "--out", "/tmp/pgchaos-bench-reports"]);
      total += r.seconds;
      figures.push(`experiment ${e.id}: ${fmt(r.seconds)}`);
      console.log(figures.at(-1));
    }
    figures.push(`${set} set (${chosen.length} experiments): ${fmt(total)}`);
  }
  console.log(`\nexperiment benchmark (${new Date().toISOString().slice(0, 10)}):\n  ${figures.join("\n  ")}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
