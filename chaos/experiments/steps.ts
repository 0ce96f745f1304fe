// The method's steps as the runner executes them: inject, recover, waits, WAL generation, reinit-if-stuck.
import { fetchBounded, getJson } from "../../components/lab/http";
import type { Journal } from "../checkers/journal";
import type { ResyncRecord } from "../checkers/resync";
import type { FaultSpec } from "../faults/spec";
import { FaultWatch } from "../faults/watch";
import type { MethodStep } from "./definition";
import { clusterVerdict } from "./hypothesis";
import { Observers } from "./observers";
import { mergeRowSnapshots } from "./primary-probes";
import { generateWal, reinitIfStuck } from "./resync-actions";
import { ResyncSampler } from "./resync-sampler";
import { ChaosStack } from "./stacks";
import type { ExperimentTarget } from "./target";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface StepContext {
  chaos: ChaosStack;
  journal: Journal;
  observers: Observers;
  target: ExperimentTarget;
  log: (l: string) => void;
  expId: string;
  leaderBefore?: string;
  onRecovered: () => void;
  /** Split-brain runs: reads every node's row ids of this run (taken just before and just after healing). */
  snapshotRows?: () => Promise<Record<string, string[]>>;
  /** Replica resync runs: WAL bursts and reinitializations go here; the sampler gives fresh leader samples. */
  resync?: ResyncRecord;
  resyncSampler?: ResyncSampler;
  /** Re-checks the active faults; a change of the fault set runs through it (unwatched meanwhile). */
  watch: FaultWatch;
}

/** Runs one step of the method. */
export async function runStep(step: MethodStep, ctx: StepContext): Promise<void> {
  switch (step.action) {
    case "inject": return injectStep(step, ctx);
    case "recover": return recoverStep(step, ctx);
    case "wait": return waitStep(step, ctx);
    case "wait-new-leader": return waitNewLeaderStep(step, ctx);
    case "wait-healthy": return waitHealthyStep(step, ctx);
    case "generate-wal": return generateWalStep(step, ctx);
    case "reinit-if-stuck": return reinitIfStuckStep(step, ctx);
  }
}

async function injectStep(step: Extract<MethodStep, { action: "inject" }>, ctx: StepContext): Promise<void> {
  const { chaos, journal, log, expId } = ctx;
  const faults: FaultSpec[] = [...chaos.current(), ...step.faults];
  log(`[${expId}] inject ${step.faults.map((f) => `${f.name} (${f.kind})`).join(", ")} via pulumi up -s ${chaos.name}`);
  const startedAt = Date.now();
  const applied = await ctx.watch.during(() => chaos.apply(faults));
  const endedAt = Date.now();
  for (const f of applied.filter((a) => step.faults.some((s) => s.name === a.name))) {
    journal.faults.push({
      startedAt, endedAt, action: "inject", fault: f.name, kind: f.kind, targets: f.targets, mechanism: f.mechanism,
      injectedAt: f.injections.map((i) => Math.round(i.injectedAt * 1000)),
      configured: f.verification?.configured, measured: f.verification?.measured,
    });
    log(`[${expId}]   ${f.name}: ${f.targets.join(",")} via ${f.mechanism} (${((endedAt - startedAt) / 1000).toFixed(1)}s)`);
  }
}

async function recoverStep(step: Extract<MethodStep, { action: "recover" }>, ctx: StepContext): Promise<void> {
  const { chaos, journal, log, expId } = ctx;
  const names = step.faults ?? chaos.current().map((f) => f.name);
  log(`[${expId}] recover ${names.join(", ")} via pulumi up -s ${chaos.name}`);
  const heals = ctx.snapshotRows !== undefined && chaos.current().every((f) => names.includes(f.name));
  // Rows on an isolated node are read before healing too: after it, a rewind may erase them any moment.
  const beforeHeal = heals ? await ctx.snapshotRows!() : undefined;
  const startedAt = Date.now();
  await ctx.watch.during(() => chaos.apply(chaos.current().filter((f) => !names.includes(f.name))));
  const endedAt = Date.now();
  if (heals) {
    const afterHeal = await ctx.snapshotRows!();
    journal.nodeRowIds = mergeRowSnapshots(journal.nodeRowIds ?? {}, beforeHeal!, afterHeal);
    log(`[${expId}]   rows of this run per node (before ∪ right after healing): ${Object.entries(journal.nodeRowIds).map(([n, ids]) => `${n}=${ids.length}`).join(", ")}`);
  }
  for (const name of names) {
    const injected = journal.faults.find((f) => f.fault === name && f.action === "inject");
    journal.faults.push({ startedAt, endedAt, action: "recover", fault: name, kind: injected?.kind ?? "?", targets: injected?.targets ?? [] });
  }
  if (chaos.current().length === 0) ctx.onRecovered();
}

async function waitStep(step: Extract<MethodStep, { action: "wait" }>, ctx: StepContext): Promise<void> {
  const { log, expId } = ctx;
  log(`[${expId}] wait ${step.seconds}s`);
  await sleep(step.seconds * 1000);
}

async function waitNewLeaderStep(step: Extract<MethodStep, { action: "wait-new-leader" }>, ctx: StepContext): Promise<void> {
  const { journal, observers, log, expId } = ctx;
  log(`[${expId}] waiting for a leader other than ${ctx.leaderBefore} (≤ ${step.timeoutSeconds}s)`);
  const t0 = Date.now();
  while (Date.now() - t0 < step.timeoutSeconds * 1000) {
    const leader = observers.currentLeader();
    if (leader && leader !== ctx.leaderBefore) {
      log(`[${expId}]   new leader ${leader} after ${((Date.now() - t0) / 1000).toFixed(1)}s`);
      return;
    }
    await sleep(250);
  }
  journal.notes.push(`no new leader within ${step.timeoutSeconds}s`);
  log(`[${expId}]   no new leader within ${step.timeoutSeconds}s`);
}

async function waitHealthyStep(step: Extract<MethodStep, { action: "wait-healthy" }>, ctx: StepContext): Promise<void> {
  const { journal, observers, log, expId } = ctx;
  log(`[${expId}] waiting for one leader and every replica streaming (≤ ${step.timeoutSeconds}s)`);
  const t0 = Date.now();
  while (Date.now() - t0 < step.timeoutSeconds * 1000) {
    if ((await clusterVerdict(ctx.target, observers)).healthy) {
      log(`[${expId}]   healthy after ${((Date.now() - t0) / 1000).toFixed(1)}s`);
      return;
    }
    await sleep(500);
  }
  journal.notes.push(`cluster not healthy within ${step.timeoutSeconds}s of recovery`);
  log(`[${expId}]   not healthy within ${step.timeoutSeconds}s`);
}

async function generateWalStep(step: Extract<MethodStep, { action: "generate-wal" }>, ctx: StepContext): Promise<void> {
  const { journal, observers, log, expId } = ctx;
  const leader = observers.currentLeader();
  const node = ctx.target.patroni.find((m) => m.name === leader);
  if (!node) throw new Error("generate-wal: no leader to write WAL on");
  log(`[${expId}] generate ≥ ${step.megabytes} MB of WAL on ${node.name}${step.checkpoint ? ", then CHECKPOINT" : ""}`);
  const burst = await generateWal(node.name, { host: node.host, port: node.port, ...ctx.target.credentials }, step.megabytes, step.checkpoint, step.timeoutSeconds * 1000);
  log(`[${expId}]   ${(burst.bytes / 1048576).toFixed(1)} MB of WAL in ${((burst.endedAt - burst.startedAt) / 1000).toFixed(1)} s; pg_wal ${((burst.walDirBytesAfter ?? 0) / 1048576).toFixed(1)} MB, oldest segment ${burst.oldestSegmentAfter ?? "?"}`);
  if (ctx.resync) ctx.resync.bursts.push(burst);
  else journal.notes.push(`generate-wal: ${burst.bytes} bytes of WAL on ${burst.member} from ${new Date(burst.startedAt).toISOString()} to ${new Date(burst.endedAt).toISOString()}`);
}

async function reinitIfStuckStep(step: Extract<MethodStep, { action: "reinit-if-stuck" }>, ctx: StepContext): Promise<void> {
  const { journal, observers, log, expId } = ctx;
  const sampler = ctx.resyncSampler!;
  const healedAt = Math.max(...journal.faults.filter((f) => f.action === "recover").map((f) => f.endedAt), journal.phases.at(-1)?.start ?? Date.now());
  const rest = (name: string) => ctx.target.patroni.find((m) => m.name === name)!.rest;
  log(`[${expId}] reinit-if-stuck: replicas not streaming ${step.graceSeconds} s after healing whose WAL is gone get POST /reinitialize (≤ ${step.timeoutSeconds} s)`);
  await reinitIfStuck({
    graceSeconds: step.graceSeconds, timeoutSeconds: step.timeoutSeconds, healedAt, log, reinits: ctx.resync!.reinits, notes: journal.notes,
    replicas: () => ctx.target.patroni.map((m) => m.name).filter((n) => n !== observers.currentLeader()),
    sample: () => sampler.sampleNow(), samples: () => sampler.samples,
    memberPosition: async (name) => {
      const body = await getJson<{ xlog?: { received_location?: number; replayed_location?: number } }>(`${rest(name)}/patroni`, {}, 3000);
      return body.xlog?.received_location ?? body.xlog?.replayed_location;
    },
    reinitialize: async (name) => {
      return fetchBounded(`${rest(name)}/reinitialize`, { method: "POST", body: JSON.stringify({ force: true }), headers: { "content-type": "application/json" } }, 10_000,
        async (res) => ({ status: res.status, body: await res.text() }));
    },
  });
}
