/**
 * Child of bench/toggle.ts: under the experiments' default workload, toggles one fault through a
 * project's own ChaosStack (chaos/experiments/stacks.ts, Automation API) — the project given by
 * --project, so an older commit's worktree can be measured the same way — and prints one JSON line:
 * per repetition, when the inject action started, when the fault reached its target (the inject script's
 * stamp, read on the member), when the action returned, and the recover action's start and end (epoch ms).
 */
import * as path from "path";
import { workloadSchema } from "../chaos/experiments/definition";
import { CREATE_WRITES_TABLE, Workload } from "../chaos/experiments/workload";
import { queryPostgres } from "../components/lab/postgres";

const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  if (i < 0 || !process.argv[i + 1]) throw new Error(`${name} is required`);
  return process.argv[i + 1];
};

async function main(): Promise<void> {
  const project = path.resolve(arg("--project"));
  const fault = JSON.parse(arg("--fault")) as { name: string };
  const reps = Number(arg("--reps"));
  const stacks = (await import(path.join(project, "chaos/experiments/stacks"))) as typeof import("../chaos/experiments/stacks");
  const lab = await stacks.labOutputs(arg("--lab-stack"));
  const readWrite = { host: "127.0.0.1", port: lab.ports.readWrite };
  const credentials = { user: "postgres", password: lab.superuserPassword, database: "postgres" };
  await queryPostgres({ ...readWrite, ...credentials }, CREATE_WRITES_TABLE);
  // The experiments' default workload (4 writers + 2 readers at 50 ops/s each), through HAProxy.
  const workload = new Workload({ readWrite, readOnly: { host: "127.0.0.1", port: lab.ports.readOnly }, credentials, ...workloadSchema.parse({}), runId: `toggle-${Date.now().toString(36)}` });
  const chaos = await stacks.ChaosStack.open({ chaosStack: arg("--chaos-stack"), labStack: arg("--lab-stack") }, () => {});
  const runs: Array<{ injectStart: number; reached: number; injectEnd: number; recoverStart: number; recoverEnd: number }> = [];
  workload.start();
  try {
    await new Promise((r) => setTimeout(r, 3000)); // the workload's connections up before the first toggle
    for (let i = 0; i < reps; i++) {
      const injectStart = Date.now();
      const applied = await chaos.apply([fault as never]);
      const injectEnd = Date.now();
      const stamps = applied.flatMap((f) => f.injections.map((x) => x.injectedAt * 1000));
      if (!stamps.length) throw new Error(`fault ${fault.name}: no injection stamp in the stack's outputs`);
      await new Promise((r) => setTimeout(r, 2000));
      const recoverStart = Date.now();
      await chaos.apply([]);
      runs.push({ injectStart, reached: Math.min(...stamps), injectEnd, recoverStart, recoverEnd: Date.now() });
      await new Promise((r) => setTimeout(r, 2000));
    }
  } finally {
    await workload.stop();
  }
  const acked = workload.writes.filter((w) => w.ackAt).length;
  console.log(JSON.stringify({ runs, workloadAcked: acked, workloadReads: workload.reads.filter((r) => r.ok).length }));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
