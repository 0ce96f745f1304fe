// Runs one experiment end to end — leftovers refused, instruments started, steady state, method, rollback — and returns its journal.
import { randomBytes } from "crypto";
import { HEARTBEAT_LOG, RECORDED_LOG } from "../checkers/log-lines";
import type { Journal, Phase } from "../checkers/journal";
import type { ResyncRecord } from "../checkers/resync";
import { FaultWatch } from "../faults/watch";
import { formatLeftovers, orphans, scanMembers } from "../targets/doctor";
import { runControllerScript } from "../targets/live";
import { collectAlerts, readFinalRows } from "./collect";
import { expectedAlertSpecs, failoverExpected, type Experiment, type MethodStep } from "./definition";
import { describeSteps } from "./describe-steps";
import { checkHypothesis, currentLeaderName, directQuery, logChecks } from "./hypothesis";
import { Observers } from "./observers";
import { applyPatroniConfig } from "./patroni-config";
import { CREATE_PROBES_TABLE, mergeRowSnapshots, PrimaryProber, readNodeRowIds, type ProbeTarget } from "./primary-probes";
import { ResyncSampler } from "./resync-sampler";
import { fetchServerSide } from "./server-fetch";
import { ChaosStack } from "./stacks";
import { runStep } from "./steps";
import { fetchMemberLogs, resolveTarget, type ExperimentTarget, type TargetSelector } from "./target";
import { CREATE_WRITES_TABLE, WRITES_TABLE, Workload } from "./workload";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface RunOptions {
  /** The lab stack, or a chaos stack with the inventory of a user's cluster (pgchaos:targets). */
  target: TargetSelector;
  /** Called with each progress line (the CLI prints them). */
  log: (line: string) => void;
  /** Set by Ctrl-C: the runner stops at the next step and rolls back. */
  abortSignal?: AbortSignal;
  /** Campaigns: waits for a step's planned time and resolves its role selectors to members, just before it runs. */
  prepareStep?: (step: MethodStep, index: number) => Promise<MethodStep>;
}

class Aborted extends Error {}

/** What one run measures with, started before the steady state and stopped after the rollback. */
interface Instruments {
  runId: string;
  workload: Workload;
  observers: Observers;
  watch: FaultWatch;
  probeTargets: ProbeTarget[];
  prober?: PrimaryProber;
  directWriter?: Workload;
  /** Rows read from a node the moment it answers again after a gap (a demoted old primary restarting, before Patroni rewinds it). */
  rowCaptures: Promise<void>[];
  captured: Record<string, string[]>[];
  resync?: ResyncRecord;
  resyncSampler?: ResyncSampler;
}

interface Run {
  exp: Experiment;
  target: ExperimentTarget;
  chaos: ChaosStack;
  journal: Journal;
  log: (line: string) => void;
  phase: (name: Phase["name"], start: number) => void;
  endPhase: () => void;
  checkAbort: () => void;
  prepareStep?: RunOptions["prepareStep"];
}

function newJournal(exp: Experiment, target: ExperimentTarget, chaos: ChaosStack): Journal {
  return {
    experiment: {
      id: exp.id, title: exp.title, description: exp.description, variant: exp.variant, steps: describeSteps(exp, chaos.name), expected: exp.expected,
      expectedAlerts: expectedAlertSpecs(exp), failoverExpected: failoverExpected(exp),
    },
    target: target.describe, startedAt: Date.now(), endedAt: 0, phases: [], writes: [], reads: [], cluster: [], etcd: [], haproxy: [], faults: [], logs: [], alerts: [],
    finalRowIds: [], finalReadFrom: "", hypothesis: { before: [], after: [] }, notes: [],
  } as Journal;
}

/**
 * Leftovers from an earlier run would falsify this one: start from a chaos stack with no faults, and refuse
 * to run while members carry chaos objects no fault resource owns.
 */
async function refuseLeftovers({ exp, target, chaos, log }: Run): Promise<void> {
  log(`[${exp.id}] chaos stack ${chaos.name}: recovering any fault left from earlier runs`);
  await chaos.recoverAll();
  const { leftovers, unreachable } = await scanMembers(target.members);
  // An incomplete scan is no clean bill: a member not scanned may carry anything.
  if (unreachable.length) throw new Error(`leftover scan incomplete on ${target.describe}: could not scan ${unreachable.join(", ")} (start them, or run \`${target.doctorCommand}\` once they answer)`);
  const stray = orphans(leftovers, await chaos.ownedFaults());
  if (stray.length) throw new Error(`chaos leftovers on ${target.describe} (run \`${target.doctorCommand}\`):\n${formatLeftovers(stray)}`);
}

/** The workload, observers, fault watch and the optional probes (single primary, direct writer, resync). */
async function prepareInstruments(run: Run, firstLeader: string): Promise<Instruments> {
  const { exp, target, chaos, journal, log } = run;
  const runId = `${exp.id}-${Date.now().toString(36)}-${randomBytes(2).toString("hex")}`;
  await directQuery(target, firstLeader, CREATE_WRITES_TABLE);
  const probeTargets: ProbeTarget[] = target.patroni.map((m) => ({ node: m.name, host: m.host, port: m.port }));
  const rowCaptures: Promise<void>[] = [];
  const captured: Record<string, string[]>[] = [];
  let prober: PrimaryProber | undefined;
  if (exp.probes.singlePrimary) {
    await directQuery(target, firstLeader, CREATE_PROBES_TABLE);
    prober = new PrimaryProber({
      targets: probeTargets, credentials: target.credentials, runId, intervalMs: exp.probes.intervalMs,
      onBackAfterGap: (node, at) => {
        const t = probeTargets.find((x) => x.node === node)!;
        rowCaptures.push(readNodeRowIds([t], target.credentials, WRITES_TABLE, runId).then((rows) => {
          captured.push(rows);
          journal.notes.push(`${node} answered again at ${new Date(at).toISOString()} after a gap: ${rows[node]?.length ?? "no"} rows of this run read from it before any rewind could complete`);
        }));
      },
    });
  }
  let directWriter: Workload | undefined;
  if (exp.probes.directWriter) {
    const node = target.patroni.find((m) => m.name === firstLeader)!;
    journal.directWriterTarget = firstLeader;
    directWriter = new Workload({
      readWrite: node, readOnly: node, credentials: target.credentials,
      writers: 1, readers: 0, writeRate: exp.workload.writeRate, readRate: 1, runId: `${runId}.direct`,
    });
  }
  const observers = new Observers({
    patroniRest: Object.fromEntries(target.patroni.map((m) => [m.name, m.rest])),
    etcdClient: Object.fromEntries(target.etcd.map((m) => [m.name, m.client])),
    haproxyStats: target.haproxyStats,
  }, 500);
  const workload = new Workload({ readWrite: target.readWrite, readOnly: target.readOnly, credentials: target.credentials, ...exp.workload, runId });
  const watch = new FaultWatch({ load: () => chaos.watchedFaults(), run: runControllerScript, log: (l) => log(`[${exp.id}] ${l}`) });
  journal.faultWatch = watch.record;
  const endpointOf = (name: string) => { const m = target.patroni.find((x) => x.name === name)!; return { host: m.host, port: m.port, ...target.credentials }; };
  // Replica resync runs: the current leader's replication rows, slots and pg_wal, sampled for the whole run.
  const resync: ResyncRecord | undefined = exp.probes.resync ? { intervalMs: exp.probes.resyncIntervalMs, samples: [], reinits: [], bursts: [] } : undefined;
  const resyncSampler = resync ? new ResyncSampler({ leader: () => observers.currentLeader(), endpoint: endpointOf, intervalMs: resync.intervalMs }) : undefined;
  return { runId, workload, observers, watch, probeTargets, prober, directWriter, rowCaptures, captured, resync, resyncSampler };
}

/** Steady state, hypothesis, the method's steps, steady state again: the body of a run. */
async function runPhases(run: Run, ins: Instruments): Promise<void> {
  const { exp, target, chaos, journal, log, phase, endPhase, checkAbort } = run;
  const { workload, observers, watch, prober, probeTargets, runId } = ins;
  phase("steady-before", Date.now());
  log(`[${exp.id}] steady state for ${exp.steadySeconds.before}s, workload ${exp.workload.writers}w×${exp.workload.writeRate}/s + ${exp.workload.readers}r×${exp.workload.readRate}/s`);
  await sleep(exp.steadySeconds.before * 1000);
  checkAbort();
  journal.hypothesis.before = await checkHypothesis(exp.hypothesis, target, workload, observers);
  endPhase();
  logChecks(log, exp.id, "before", journal.hypothesis.before);
  if (journal.hypothesis.before.some((c) => !c.ok)) {
    journal.notes.push("steady-state hypothesis did not hold before the method: aborted without injecting");
    log(`[${exp.id}] hypothesis does not hold: aborting before any fault`);
    return;
  }
  const leaderBefore = observers.currentLeader();
  phase("fault", Date.now());
  watch.start();
  for (const [index, planned] of exp.method.entries()) {
    checkAbort();
    const step = run.prepareStep ? await run.prepareStep(planned, index) : planned;
    checkAbort();
    if (step.action === "inject") watch.start(); // a full recover stopped it (campaigns inject again)
    await runStep(step, {
      chaos, journal, observers, target, log, expId: exp.id, leaderBefore, onRecovered: () => { void watch.stop(); endPhase(); phase("recovery", Date.now()); }, resync: ins.resync, resyncSampler: ins.resyncSampler, watch,
      snapshotRows: prober ? () => readNodeRowIds(probeTargets, target.credentials, WRITES_TABLE, runId) : undefined,
    });
  }
  endPhase();
  phase("steady-after", Date.now());
  log(`[${exp.id}] steady state after for ${exp.steadySeconds.after}s`);
  await sleep(exp.steadySeconds.after * 1000);
  journal.hypothesis.after = await checkHypothesis(exp.hypothesis, target, workload, observers);
  endPhase();
  logChecks(log, exp.id, "after", journal.hypothesis.after);
}

/** Rollback always runs: every fault this run applied is recovered through the chaos stack; then every instrument stops. */
async function rollbackAndStop({ exp, chaos, journal, log }: Run, ins: Instruments): Promise<void> {
  const { watch } = ins;
  await watch.stop();
  if (watch.record.checks) journal.notes.push(`fault watch: ${watch.record.checks} mechanism checks, ${watch.record.effectChecks} effect measurements, longest gap between two checks of a fault ${(watch.record.maxGapMs / 1000).toFixed(1)} s; ${watch.record.events.length ? `${watch.record.events.length} fault(s) stopped acting` : "every fault acted until recovered"}`);
  if (chaos.current().length) {
    log(`[${exp.id}] rollback: recovering ${chaos.current().map((f) => f.name).join(", ")}`);
    const started = Date.now();
    await chaos.recoverAll().then(
      () => journal.faults.push(...chaos.lastRecovered(started)),
      (e: Error) => journal.notes.push(`rollback failed: ${e.message}`),
    );
  }
  await ins.workload.stop();
  await ins.directWriter?.stop();
  await ins.prober?.stop();
  await ins.resyncSampler?.stop();
  await ins.observers.stop();
}

/** Everything measured goes to the journal; then the rows on the final primary, the logs, the alerts, the server side. */
async function recordResults({ exp, target, journal, log }: Run, ins: Instruments): Promise<void> {
  if (ins.prober) {
    journal.primaryProbes = ins.prober.samples;
    await Promise.all(ins.rowCaptures);
    if (ins.captured.length > 0) journal.nodeRowIds = mergeRowSnapshots(journal.nodeRowIds ?? {}, ...ins.captured);
    // A last read of every node once the workload has stopped: writes acknowledged after the healing
    // snapshot are then on the final primary too, and the accounting agrees with the lost-writes count.
    if (journal.nodeRowIds) journal.nodeRowIds = mergeRowSnapshots(journal.nodeRowIds, await readNodeRowIds(ins.probeTargets, target.credentials, WRITES_TABLE, ins.runId));
  }
  if (ins.resync && ins.resyncSampler) journal.resync = { ...ins.resync, samples: ins.resyncSampler.samples };
  if (ins.directWriter) journal.directWrites = ins.directWriter.writes;
  journal.writes = ins.workload.writes;
  journal.reads = ins.workload.reads;
  journal.cluster = ins.observers.cluster;
  journal.etcd = ins.observers.etcd;
  journal.haproxy = ins.observers.haproxy;
  await readFinalRows(target, ins.runId, journal, log, exp.id);
  journal.logs = await fetchMemberLogs(target.members, journal.startedAt, (text) => RECORDED_LOG.test(text) && !HEARTBEAT_LOG.test(text));
  log(`[${exp.id}] ${journal.logs.length} relevant log lines from ${new Set(journal.logs.map((l) => l.member)).size} member(s) via ${[...new Set(target.members.map((m) => m.transport.describe.split(" ")[0]))].join("/")}`);
  journal.alerts = await collectAlerts(exp, target, journal, log);
  journal.serverSide = await fetchServerSide(target.monitoring?.prometheus, journal, Date.now());
  log(`[${exp.id}] server side: ${journal.serverSide.unavailable ?? `${journal.serverSide.panels.filter((p) => !p.missing).length}/${journal.serverSide.panels.length} Prometheus panels with data`}`);
}

/** Runs one experiment end to end and returns its journal. Always recovers every fault before returning. */
export async function runExperiment(exp: Experiment, opts: RunOptions): Promise<Journal> {
  const { log } = opts;
  const target = await resolveTarget(opts.target);
  const chaos = await ChaosStack.open(target, log);
  const journal = newJournal(exp, target, chaos);
  const run: Run = {
    exp, target, chaos, journal, log,
    phase: (name, start) => journal.phases.push({ name, start, end: start }),
    endPhase: () => { const p = journal.phases.at(-1); if (p) p.end = Date.now(); },
    checkAbort: () => { if (opts.abortSignal?.aborted) throw new Aborted("interrupted (Ctrl-C)"); },
    prepareStep: opts.prepareStep,
  };
  await refuseLeftovers(run);
  const firstLeader = await currentLeaderName(target);
  const ins = await prepareInstruments(run, firstLeader);
  const restoreConfig = await applyPatroniConfig(exp, target, firstLeader, journal, log);
  let progress: NodeJS.Timeout | undefined;
  try {
    await ins.observers.start();
    ins.workload.start();
    ins.prober?.start();
    ins.directWriter?.start();
    ins.resyncSampler?.start();
    progress = setInterval(() => log(`    ${statusLine(ins.workload, ins.observers)}`), 5000);
    await runPhases(run, ins);
  } catch (e) {
    journal.notes.push(`${e instanceof Aborted ? "aborted" : "failed"}: ${(e as Error).message}`);
    if (!(e instanceof Aborted)) journal.runnerError = (e as Error).message;
    log(`[${exp.id}] ${e instanceof Aborted ? "aborted" : "error"}: ${(e as Error).message}`);
  } finally {
    if (progress) clearInterval(progress);
    await rollbackAndStop(run, ins);
    await restoreConfig();
  }
  await recordResults(run, ins);
  journal.endedAt = Date.now();
  return journal;
}

function statusLine(w: Workload, o: Observers): string {
  const since = Date.now() - 5000;
  const recent = w.writes.filter((x) => x.sentAt >= since);
  const acked = recent.filter((x) => x.ackAt).length;
  return `last 5s: ${acked}/${recent.length} writes acked, ${w.reads.filter((r) => r.sentAt >= since && r.ok).length} reads ok, leader ${o.currentLeader() ?? "none"}`;
}
