import { randomBytes } from "crypto";
import { HEARTBEAT_LOG, RECORDED_LOG } from "../checkers/log-lines";
import { patroniLeader } from "../../components/patroni/rest";
import { queryPostgres } from "../../components/lab/postgres";
import { judgeCluster, type ReplicationRow } from "../../components/lab/health";
import type { FaultSpec } from "../faults/spec";
import { expectedAlertSpecs, failoverExpected, type Experiment, type HypothesisCheck, type MethodStep } from "./definition";
import { readMonitoringSettings } from "./monitoring-settings";
import type { AlertObservation, CheckResult, Journal, Phase } from "../checkers/journal";
import { formatLeftovers, orphans, scanMembers } from "../targets/doctor";
import { alertDelays, resolvedDelays } from "../../components/monitoring/alerts";
import { Observers } from "./observers";
import { describeSteps } from "../report/publish";
import { ChaosStack } from "./stacks";
import { FaultWatch } from "../faults/watch";
import { runControllerScript } from "../targets/live";
import { fetchMemberLogs, resolveTarget, type ExperimentTarget, type TargetSelector } from "./target";
import { CREATE_WRITES_TABLE, WRITES_TABLE, Workload } from "./workload";
import { configDelta, configIncludes, configProjection, CREATE_PROBES_TABLE, getPatroniConfig, mergeRowSnapshots, patchPatroniConfig, PrimaryProber, readNodeRowIds, type ProbeTarget } from "./primary-probes";
import { fetchServerSide } from "./server-fetch";
import type { ResyncRecord } from "../checkers/resync";
import { generateWal, reinitIfStuck } from "./resync-actions";
import { ResyncSampler } from "./resync-sampler";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface RunOptions {
  /** The lab stack, or a chaos stack with the inventory of a user's cluster (pgchaos:targets). */
  target: TargetSelector;
  /** Called with each progress line (the CLI prints them). */
  log: (line: string) => void;
  /** Set by Ctrl-C: the runner stops at the next step and rolls back. */
  abortSignal?: AbortSignal;
}

class Aborted extends Error {}

/** Runs one experiment end to end and returns its journal. Always recovers every fault before returning. */
export async function runExperiment(exp: Experiment, opts: RunOptions): Promise<Journal> {
  const { log } = opts;
  const target = await resolveTarget(opts.target);
  const chaos = await ChaosStack.open(target, log);
  const runId = `${exp.id}-${Date.now().toString(36)}-${randomBytes(2).toString("hex")}`;
  const journal: Journal = {
    experiment: {
      id: exp.id, title: exp.title, description: exp.description, variant: exp.variant, steps: describeSteps(exp, chaos.name), expected: exp.expected,
      expectedAlerts: expectedAlertSpecs(exp), failoverExpected: failoverExpected(exp),
    },
    target: target.describe, startedAt: Date.now(), endedAt: 0, phases: [], writes: [], reads: [], cluster: [], etcd: [], haproxy: [], faults: [], logs: [], alerts: [],
    finalRowIds: [], finalReadFrom: "", hypothesis: { before: [], after: [] }, notes: [],
  } as Journal;
  const phase = (name: Phase["name"], start: number) => journal.phases.push({ name, start, end: start });
  const endPhase = () => { const p = journal.phases.at(-1); if (p) p.end = Date.now(); };
  const checkAbort = () => { if (opts.abortSignal?.aborted) throw new Aborted("interrupted (Ctrl-C)"); };

  // Leftovers from an earlier run would falsify this one: start from a chaos stack with no faults,
  // and refuse to run while members carry chaos objects no fault resource owns.
  log(`[${exp.id}] chaos stack ${chaos.name}: recovering any fault left from earlier runs`);
  await chaos.recoverAll();
  const { leftovers, unreachable } = await scanMembers(target.members);
  // An incomplete scan is no clean bill: a member not scanned may carry anything.
  if (unreachable.length) throw new Error(`leftover scan incomplete on ${target.describe}: could not scan ${unreachable.join(", ")} (start them, or run \`${target.doctorCommand}\` once they answer)`);
  const stray = orphans(leftovers, await chaos.ownedFaults());
  if (stray.length) throw new Error(`chaos leftovers on ${target.describe} (run \`${target.doctorCommand}\`):\n${formatLeftovers(stray)}`);

  const firstLeader = await currentLeaderName(target);
  await directQuery(target, firstLeader, CREATE_WRITES_TABLE);
  const probeTargets: ProbeTarget[] = target.patroni.map((m) => ({ node: m.name, host: m.host, port: m.port }));
  let prober: PrimaryProber | undefined;
  let directWriter: Workload | undefined;
  // Rows read from a node the moment it answers again after a gap (a demoted old primary restarting,
  // before Patroni rewinds it): its divergent rows exist only until the rewind.
  const rowCaptures: Promise<void>[] = [];
  const captured: Record<string, string[]>[] = [];
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
  if (exp.probes.directWriter) {
    const node = target.patroni.find((m) => m.name === firstLeader)!;
    journal.directWriterTarget = firstLeader;
    directWriter = new Workload({
      readWrite: node, readOnly: node, credentials: target.credentials,
      writers: 1, readers: 0, writeRate: exp.workload.writeRate, readRate: 1, runId: `${runId}.direct`,
    });
  }
  const restoreConfig = await applyPatroniConfig(exp, target, firstLeader, journal, log);
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
  let leaderBefore: string | undefined;
  let progress: NodeJS.Timeout | undefined;
  try {
    await observers.start();
    workload.start();
    prober?.start();
    directWriter?.start();
    resyncSampler?.start();
    progress = setInterval(() => log(`    ${statusLine(workload, observers)}`), 5000);
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
    } else {
      leaderBefore = observers.currentLeader();
      phase("fault", Date.now());
      watch.start();
      for (const step of exp.method) {
        checkAbort();
        await runStep(step, {
          chaos, journal, observers, target, log, expId: exp.id, leaderBefore, onRecovered: () => { void watch.stop(); endPhase(); phase("recovery", Date.now()); }, resync, resyncSampler, watch,
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
  } catch (e) {
    journal.notes.push(`${e instanceof Aborted ? "aborted" : "failed"}: ${(e as Error).message}`);
    if (!(e instanceof Aborted)) journal.runnerError = (e as Error).message;
    log(`[${exp.id}] ${e instanceof Aborted ? "aborted" : "error"}: ${(e as Error).message}`);
  } finally {
    if (progress) clearInterval(progress);
    await watch.stop();
    if (watch.record.checks) journal.notes.push(`fault watch: ${watch.record.checks} mechanism checks, ${watch.record.effectChecks} effect measurements, longest gap between two checks of a fault ${(watch.record.maxGapMs / 1000).toFixed(1)} s; ${watch.record.events.length ? `${watch.record.events.length} fault(s) stopped acting` : "every fault acted until recovered"}`);
    // Rollback always runs: every fault this run applied is recovered through the chaos stack.
    if (chaos.current().length) {
      log(`[${exp.id}] rollback: recovering ${chaos.current().map((f) => f.name).join(", ")}`);
      const started = Date.now();
      await chaos.recoverAll().then(
        () => journal.faults.push(...chaos.lastRecovered(started)),
        (e: Error) => journal.notes.push(`rollback failed: ${e.message}`),
      );
    }
    await workload.stop();
    await directWriter?.stop();
    await prober?.stop();
    await resyncSampler?.stop();
    await observers.stop();
    await restoreConfig();
  }
  if (prober) {
    journal.primaryProbes = prober.samples;
    await Promise.all(rowCaptures);
    if (captured.length > 0) journal.nodeRowIds = mergeRowSnapshots(journal.nodeRowIds ?? {}, ...captured);
    // A last read of every node once the workload has stopped: writes acknowledged after the healing
    // snapshot are then on the final primary too, and the accounting agrees with the lost-writes count.
    if (journal.nodeRowIds) journal.nodeRowIds = mergeRowSnapshots(journal.nodeRowIds, await readNodeRowIds(probeTargets, target.credentials, WRITES_TABLE, runId));
  }
  if (resync && resyncSampler) journal.resync = { ...resync, samples: resyncSampler.samples };
  if (directWriter) journal.directWrites = directWriter.writes;
  journal.writes = workload.writes;
  journal.reads = workload.reads;
  journal.cluster = observers.cluster;
  journal.etcd = observers.etcd;
  journal.haproxy = observers.haproxy;
  await readFinalRows(target, runId, journal, log, exp.id);
  journal.logs = await fetchMemberLogs(target.members, journal.startedAt, (text) => RECORDED_LOG.test(text) && !HEARTBEAT_LOG.test(text));
  log(`[${exp.id}] ${journal.logs.length} relevant log lines from ${new Set(journal.logs.map((l) => l.member)).size} member(s) via ${[...new Set(target.members.map((m) => m.transport.describe.split(" ")[0]))].join("/")}`);
  journal.alerts = await collectAlerts(exp, target, journal, log);
  journal.serverSide = await fetchServerSide(target.monitoring?.prometheus, journal, Date.now());
  log(`[${exp.id}] server side: ${journal.serverSide.unavailable ?? `${journal.serverSide.panels.filter((p) => !p.missing).length}/${journal.serverSide.panels.length} Prometheus panels with data`}`);
  journal.endedAt = Date.now();
  return journal;
}

interface StepContext {
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

async function runStep(step: MethodStep, ctx: StepContext): Promise<void> {
  const { chaos, journal, observers, log, expId } = ctx;
  switch (step.action) {
    case "inject": {
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
      return;
    }
    case "recover": {
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
      return;
    }
    case "wait":
      log(`[${expId}] wait ${step.seconds}s`);
      await sleep(step.seconds * 1000);
      return;
    case "wait-new-leader": {
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
      return;
    }
    case "wait-healthy": {
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
      return;
    }
    case "generate-wal": {
      const leader = observers.currentLeader();
      const node = ctx.target.patroni.find((m) => m.name === leader);
      if (!node) throw new Error("generate-wal: no leader to write WAL on");
      log(`[${expId}] generate ≥ ${step.megabytes} MB of WAL on ${node.name}${step.checkpoint ? ", then CHECKPOINT" : ""}`);
      const burst = await generateWal(node.name, { host: node.host, port: node.port, ...ctx.target.credentials }, step.megabytes, step.checkpoint, step.timeoutSeconds * 1000);
      log(`[${expId}]   ${(burst.bytes / 1048576).toFixed(1)} MB of WAL in ${((burst.endedAt - burst.startedAt) / 1000).toFixed(1)} s; pg_wal ${((burst.walDirBytesAfter ?? 0) / 1048576).toFixed(1)} MB, oldest segment ${burst.oldestSegmentAfter ?? "?"}`);
      if (ctx.resync) ctx.resync.bursts.push(burst);
      else journal.notes.push(`generate-wal: ${burst.bytes} bytes of WAL on ${burst.member} from ${new Date(burst.startedAt).toISOString()} to ${new Date(burst.endedAt).toISOString()}`);
      return;
    }
    case "reinit-if-stuck": {
      const sampler = ctx.resyncSampler!;
      const healedAt = Math.max(...journal.faults.filter((f) => f.action === "recover").map((f) => f.endedAt), journal.phases.at(-1)?.start ?? Date.now());
      const rest = (name: string) => ctx.target.patroni.find((m) => m.name === name)!.rest;
      log(`[${expId}] reinit-if-stuck: replicas not streaming ${step.graceSeconds} s after healing whose WAL is gone get POST /reinitialize (≤ ${step.timeoutSeconds} s)`);
      await reinitIfStuck({
        graceSeconds: step.graceSeconds, timeoutSeconds: step.timeoutSeconds, healedAt, log, reinits: ctx.resync!.reinits, notes: journal.notes,
        replicas: () => ctx.target.patroni.map((m) => m.name).filter((n) => n !== observers.currentLeader()),
        sample: () => sampler.sampleNow(), samples: () => sampler.samples,
        memberPosition: async (name) => {
          const body = (await (await fetch(`${rest(name)}/patroni`, { signal: AbortSignal.timeout(3000) })).json()) as { xlog?: { received_location?: number; replayed_location?: number } };
          return body.xlog?.received_location ?? body.xlog?.replayed_location;
        },
        reinitialize: async (name) => {
          const res = await fetch(`${rest(name)}/reinitialize`, { method: "POST", body: JSON.stringify({ force: true }), headers: { "content-type": "application/json" }, signal: AbortSignal.timeout(10_000) });
          return { status: res.status, body: await res.text() };
        },
      });
      return;
    }
  }
}

/**
 * Sets the experiment's Patroni dynamic configuration (failsafe_mode, ttl, ...) through the leader's
 * REST API and records it; returns the function that restores the previous values (retried: the DCS may
 * still be recovering when the run ends).
 */
async function applyPatroniConfig(exp: Experiment, target: ExperimentTarget, leader: string, journal: Journal, log: (l: string) => void): Promise<() => Promise<void>> {
  const wanted = Object.fromEntries(Object.entries(exp.patroniConfig).filter(([, v]) => v !== undefined));
  if (Object.keys(wanted).length === 0) return async () => undefined;
  const rest = (name: string) => target.patroni.find((m) => m.name === name)!.rest;
  const current = await getPatroniConfig(rest(leader));
  const { patch, restore } = configDelta(current, wanted);
  const record = { requested: wanted, before: configProjection(current, wanted), effective: { ...current } } as NonNullable<Journal["patroniConfig"]>;
  journal.patroniConfig = record;
  if (Object.keys(patch).length > 0) {
    log(`[${exp.id}] Patroni config: PATCH /config ${JSON.stringify(patch)} on ${leader}`);
    await patchPatroniConfig(rest(leader), patch);
    record.appliedAt = Date.now();
  } else log(`[${exp.id}] Patroni config already ${JSON.stringify(wanted)}`);
  // GET /config answers from the member's cached view of the DCS, which a PATCH updates on a later loop:
  // read back until every requested key shows (bounded), then give every member one more loop_wait.
  let after = await getPatroniConfig(rest(leader));
  const deadline = Date.now() + 30_000;
  while (!configIncludes(after, wanted) && Date.now() < deadline) {
    await sleep(1000);
    after = await getPatroniConfig(rest(leader));
  }
  record.effective = configProjection(after, wanted);
  if (!configIncludes(after, wanted)) journal.notes.push(`Patroni config not in effect 30 s after PATCH /config: ${JSON.stringify(record.effective)}`);
  await sleep((Number(after.loop_wait ?? 10) + 1) * 1000);
  return async () => {
    if (Object.keys(restore).length === 0) return;
    const t0 = Date.now();
    while (Date.now() - t0 < 60_000) {
      for (const m of target.patroni) {
        try {
          await patchPatroniConfig(m.rest, restore);
          record.restoredAt = Date.now();
          log(`[${exp.id}] Patroni config restored: PATCH /config ${JSON.stringify(restore)} on ${m.name}`);
          return;
        } catch {
          // DCS not writable yet, or the member is down: the next member, then again
        }
      }
      await sleep(2000);
    }
    journal.notes.push(`Patroni config NOT restored (${JSON.stringify(restore)}): set it back with PATCH /config`);
    log(`[${exp.id}] could not restore the Patroni config ${JSON.stringify(restore)}`);
  };
}

function statusLine(w: Workload, o: Observers): string {
  const since = Date.now() - 5000;
  const recent = w.writes.filter((x) => x.sentAt >= since);
  const acked = recent.filter((x) => x.ackAt).length;
  return `last 5s: ${acked}/${recent.length} writes acked, ${w.reads.filter((r) => r.sentAt >= since && r.ok).length} reads ok, leader ${o.currentLeader() ?? "none"}`;
}

function logChecks(log: (l: string) => void, id: string, when: string, checks: CheckResult[]): void {
  for (const c of checks) log(`[${id}]   hypothesis ${when}: ${c.ok ? "holds" : "VIOLATED"} — ${c.name}: ${c.detail}`);
}

async function currentLeaderName(target: ExperimentTarget): Promise<string> {
  const leader = await patroniLeader(target.patroni.map((m) => m.rest), { untilLeader: true }).catch(() => undefined);
  if (!leader) throw new Error(`no Patroni leader on ${target.describe}: the cluster is not healthy`);
  return leader;
}

/** A query straight to one node (not through HAProxy). */
async function directQuery(target: ExperimentTarget, member: string, sql: string, params: unknown[] = []): Promise<any[]> {
  const m = target.patroni.find((x) => x.name === member)!;
  return queryPostgres({ host: m.host, port: m.port, ...target.credentials }, sql, params, 30_000);
}

async function clusterVerdict(target: ExperimentTarget, observers: Observers) {
  const names = target.patroni.map((m) => m.name);
  const latest = [...observers.cluster].reverse().find((s) => s.ok);
  const leader = latest?.members.find((m) => m.role === "leader")?.name;
  const replication = leader ? ((await directQuery(target, leader, "select application_name, state from pg_stat_replication").catch(() => undefined)) as ReplicationRow[] | undefined) : undefined;
  return judgeCluster(names, latest?.members ?? [], replication);
}

async function checkHypothesis(checks: HypothesisCheck[], target: ExperimentTarget, w: Workload, o: Observers): Promise<CheckResult[]> {
  const verdict = await clusterVerdict(target, o);
  return checks.map((c): CheckResult => {
    switch (c.check) {
      case "one-leader":
        return { name: "one leader", ok: !!verdict.leader && !verdict.problems.some((p) => p.includes("leader")), detail: verdict.leader ? `leader ${verdict.leader}` : verdict.problems.join("; ") };
      case "replicas-streaming": {
        const streaming = verdict.problems.filter((p) => p.includes("streaming") || p.includes("state"));
        return { name: "every replica streaming", ok: !!verdict.leader && streaming.length === 0, detail: streaming.length ? streaming.join("; ") : "all replicas streaming from the leader" };
      }
      case "error-rate-below": {
        const since = Date.now() - c.seconds * 1000;
        const ops = [...w.writes.filter((x) => x.sentAt >= since).map((x) => !x.error), ...w.reads.filter((x) => x.sentAt >= since).map((x) => x.ok)];
        const errors = ops.filter((ok) => !ok).length;
        const rate = ops.length ? (100 * errors) / ops.length : 100;
        return { name: `error rate < ${c.percent}% over ${c.seconds}s`, ok: ops.length > 0 && rate < c.percent, detail: `${errors} errors in ${ops.length} ops (${rate.toFixed(2)}%)` };
      }
    }
  });
}

/** The rows of this run as the primary has them after recovery, read directly from it. */
async function readFinalRows(target: ExperimentTarget, runId: string, journal: Journal, log: (l: string) => void, id: string): Promise<void> {
  try {
    const leader = await currentLeaderName(target);
    const rows = await directQuery(target, leader, `select id from ${WRITES_TABLE} where id like $1`, [`${runId}-%`]);
    journal.finalRowIds = rows.map((r) => r.id as string);
    journal.finalReadFrom = leader;
    log(`[${id}] ${journal.finalRowIds.length} rows of this run on the primary ${leader}`);
  } catch (e) {
    journal.notes.push(`final rows not read: ${(e as Error).message}`);
  }
}

/**
 * When monitoring is on: for each alert the experiment expects, when it fired in Prometheus (its ALERTS
 * samples keep the exact evaluation) and when its firing and resolved notifications reached the receiver.
 * Read once after the run: both sides keep timestamps, so nothing is lost by not polling during it.
 */
async function collectAlerts(exp: Experiment, target: ExperimentTarget, journal: Journal, log: (l: string) => void): Promise<AlertObservation[]> {
  const inject = journal.faults.find((f) => f.action === "inject");
  const monitoring = target.monitoring;
  const names = [...new Set(expectedAlertSpecs(exp).map((a) => a.alert))];
  if (!monitoring || !inject || names.length === 0) return [];
  const injectedAt = new Date(Math.min(...(inject.injectedAt?.length ? inject.injectedAt : [inject.startedAt])));
  const recoverAt = journal.faults.find((f) => f.action === "recover")?.startedAt ?? journal.endedAt;
  try {
    journal.monitoringSettings = await readMonitoringSettings(monitoring.prometheus, monitoring.alertmanager);
  } catch (e) {
    journal.notes.push(`monitoring settings not read (alert bounds unknown): ${(e as Error).message}`);
  }
  try {
    const fired = await alertDelays({ prometheusUrl: monitoring.prometheus, receiverUrl: monitoring.receiver, injectedAt, expected: names, timeoutSeconds: 0 });
    const resolved = await resolvedDelays({ receiverUrl: monitoring.receiver, since: new Date(recoverAt), expected: names, timeoutSeconds: 0 });
    const ms = (iso?: string) => (iso ? Date.parse(iso) : undefined);
    const out = fired.map((a, i): AlertObservation => ({
      alert: a.alertname, labels: a.labels ?? a.expectedLabels, firedAt: ms(a.firedAt), receivedAt: ms(a.receivedAt), resolvedReceivedAt: ms(resolved[i]?.receivedAt),
    }));
    log(`[${exp.id}] alerts: ${out.map((a) => `${a.alert} ${a.receivedAt ? `delivered +${((a.receivedAt - injectedAt.getTime()) / 1000).toFixed(1)}s` : "NOT delivered"}`).join(", ")}`);
    return out;
  } catch (e) {
    journal.notes.push(`alerts not read from monitoring: ${(e as Error).message}`);
    return [];
  }
}
