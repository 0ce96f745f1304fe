// The homework's questions answered from the game day's measured runs.
import { QUESTIONS, type Question } from "./programme";
import type { GameDayResults, RunResult } from "./results";
import { fmt } from "./verdict";

/**
 * The homework's questions answered from the game day's runs: each answer is built from the measured
 * values of the runs that belong to the question, with a link to each run's report. A question whose
 * experiments did not run says so.
 */

const v = (r: RunResult, key: string) => r.metrics[key]?.value ?? null;
const s = (x: number | null) => (x === null ? "n/a" : `${fmt(x)} s`);
const n = (x: number | null) => (x === null ? "n/a" : fmt(x));
const bytes = (x: number | null) => (x === null ? "n/a" : x >= 1048576 ? `${(x / 1048576).toFixed(1)} MiB` : `${Math.round(x / 1024)} KiB`);
const link = (r: RunResult) => `[${r.experiment}${r.variant ? ` (${r.variant})` : ""}](${r.report})`;
/** The verdict with the run's finding classes: a run that lost acknowledged writes never reads as a plain PASS. */
const verdictLine = (r: RunResult) => (r.findings.length ? `${r.verdict}, with finding(s): ${[...new Set(r.findings.map((f) => f.class))].join(", ")}` : r.verdict);

function failover(r: RunResult, maxLag: number | undefined): string {
  const e = r.election;
  const chosen = e
    ? `new leader ${e.to} (from ${e.from}) after ${s(e.afterSeconds)}; candidates just before: ${e.candidates.filter((c) => c.name !== e.from).map((c) => `${c.name} lag ${c.lagBytes === undefined ? "?" : bytes(c.lagBytes)}`).join(", ") || "none seen"}${maxLag !== undefined ? ` (maximum_lag_on_failover ${bytes(maxLag)})` : ""}${e.log.length ? `; Patroni: "${e.log[0]}"` : ""}`
    : `no leader change (time to new leader: ${r.metrics.timeToNewLeaderSeconds?.reason ?? "n/a"})`;
  return `${link(r)}: ${chosen}; writes unavailable ${s(v(r, "writeUnavailabilitySeconds"))}, ${n(v(r, "lostAckedWrites"))} acknowledged writes lost — ${verdictLine(r)}`;
}

function network(r: RunResult): string {
  return `${link(r)}: ${n(v(r, "failedWrites"))} failed writes, write availability ${r.writeAvailabilityPercent === undefined ? "n/a" : `${r.writeAvailabilityPercent.toFixed(1)} %`}, write p99 during the fault ${v(r, "faultWriteP99Ms") === null ? "n/a" : `${fmt(v(r, "faultWriteP99Ms")!)} ms`}, replication lag peak ${bytes(v(r, "replicationLagPeakBytes"))}, replicas caught up ${s(v(r, "catchUpSeconds"))} after recovery, ${n(v(r, "patroniLeaderChanges"))} leader change(s) — ${verdictLine(r)}`;
}

function load(r: RunResult): string {
  return `${link(r)}: write throughput during the fault ${v(r, "faultWriteOpsPerSecond") === null ? "n/a" : `${fmt(v(r, "faultWriteOpsPerSecond")!)} ops/s`}, write p99 ${v(r, "faultWriteP99Ms") === null ? "n/a" : `${fmt(v(r, "faultWriteP99Ms")!)} ms`}, ${n(v(r, "failedWrites"))} failed writes, ${n(v(r, "patroniLeaderChanges"))} leader change(s) — ${verdictLine(r)}`;
}

function alerting(r: RunResult): string {
  if (r.alerts.length === 0) return `${link(r)}: no expected alert declared or observed`;
  return `${link(r)}: ${r.alerts.map((a) => `${a.alert} ${a.status}${a.deliveredAfterSeconds !== null ? ` (delivered ${s(a.deliveredAfterSeconds)} after ${a.conditionHow}${a.boundSeconds !== null ? `, bound ${s(a.boundSeconds)}` : ""})` : ""}`).join("; ")}`;
}

function splitBrain(r: RunResult): string {
  return `${link(r)}: ${n(v(r, "doubleWritableIntervals"))} interval(s) with two writable nodes (${s(v(r, "doubleWritableSeconds"))}), new leader after ${s(v(r, "timeToNewLeaderSeconds"))}, ${n(v(r, "lostAckedWrites"))} acknowledged writes lost through HAProxy — ${verdictLine(r)}`;
}

function isolation(r: RunResult): string {
  return `${link(r)}: resynced by ${r.resyncMethod ?? "n/a"}, caught up ${s(v(r, "resyncCatchUpSeconds"))} after healing, peak lag ${bytes(v(r, "resyncPeakLagBytes"))}, primary's pg_wal peak ${bytes(v(r, "primaryPeakWalDirBytes"))} — ${verdictLine(r)}`;
}

function dcs(r: RunResult): string {
  return `${link(r)}: write availability ${r.writeAvailabilityPercent === undefined ? "n/a" : `${r.writeAvailabilityPercent.toFixed(1)} %`}, ${n(v(r, "failedWrites"))} failed writes, ${n(v(r, "patroniLeaderChanges"))} Patroni and ${n(v(r, "etcdLeaderChanges"))} etcd leader change(s), ${n(v(r, "lostAckedWrites"))} lost — ${verdictLine(r)}`;
}

/** Markdown lines: one heading per question, one bullet per run that answers it. */
export function answerLines(results: GameDayResults): string[] {
  const maxLag = results.settings.patroni?.maximum_lag_on_failover;
  const line: Record<Question, (r: RunResult) => string> = { failover: (r) => failover(r, maxLag), network, load, alerting, "split-brain": splitBrain, "long-isolation": isolation, dcs };
  const out: string[] = [];
  for (const q of Object.keys(QUESTIONS) as Question[]) {
    out.push(`### ${QUESTIONS[q]}`, "");
    const runs = q === "alerting" ? results.runs.filter((r) => r.role === "programme") : results.runs.filter((r) => r.role === "programme" && r.question === q);
    if (runs.length === 0) out.push(`_Not run in this game day (${results.mode})._`, "");
    else out.push(...runs.map((r) => `- ${line[q](r)}`), "");
    if (q === "failover" && runs.length) {
      out.push("How Patroni chooses: each healthy replica asks the others for their WAL positions; the one furthest ahead, within maximum_lag_on_failover of the last known leader position and not tagged nofailover, takes the leader key once the old one has expired (ttl) or was released (a planned stop). The candidates and Patroni's own lines above are from this run.", "");
    }
  }
  return out;
}
