// The checkers over a whole campaign from its journal: lost writes, two primaries, unavailability per fault combination.
import { computeMetrics } from "../checkers/metrics";
import type { Journal } from "../checkers/journal";
import { laggingMembers } from "./caught-up";
import type { ExpectedAlertSpec } from "../checkers/alert-spec";
import type { FaultSpec } from "../faults/spec";
import { checkCampaignAlerts, type CampaignAlertCheck } from "./alert-check";
import type { AlertDataRead } from "./alert-data";
import type { CampaignRun } from "./execute";

/**
 * The checkers over a whole campaign, from its journal alone: the experiment checkers (lost acknowledged
 * writes and unexpected rows against the rows read from every node, writable-primary overlaps from the
 * direct probes) plus per-cycle unavailability and catch-up; each anomaly carries the faults active at its
 * moment, so the combination that caused it can be read off.
 */

export interface FaultInterval {
  name: string;
  cycle: number;
  /** What it is, and on whom: "kill primary→pg3". */
  label: string;
  /** The role-level description a combination is grouped by: "kill@primary". */
  role: string;
  members: string[];
  plannedStartSeconds: number;
  plannedEndSeconds: number;
  skipped?: string;
  /** The inject's pulumi up (controller clock) and the injection time the fault resource reported. */
  injectStartedAt?: number;
  activeFrom?: number;
  /** End of the recover's pulumi up (rollback included); undefined when never recovered. */
  activeTo?: number;
  measured?: string;
}

export type AnomalyType = "lost-writes" | "unexpected-rows" | "two-primaries" | "unavailable" | "not-caught-up" | "fault-stopped-acting" | "alert-missing" | "alert-late";

export interface Anomaly {
  type: AnomalyType;
  at: number;
  summary: string;
  numbers: Record<string, number>;
  /** Labels of the faults active at `at` ("none" when healed: the fault window before it is in `cycle`). */
  activeFaults: string[];
  cycle?: number;
}

export interface CycleStats {
  cycle: number;
  combination: string;
  from: number;
  to: number;
  longestNoAckSeconds: number;
  lostWrites: number;
  twoPrimaryIntervals: number;
  notCaughtUp: string[];
}

export interface CombinationRow {
  combination: string;
  cycles: number;
  worstUnavailabilitySeconds: number;
  lostWrites: number;
  twoPrimaryIntervals: number;
  notCaughtUp: number;
}

export interface Coverage {
  historyFrom: number;
  historyTo: number;
  writes: number;
  writesFrom?: number;
  writesTo?: number;
  /** Rows read back from the final primary for the lost/unexpected check (every write of the run is checked against them). */
  finalRows: number;
  probes: number;
  probesFrom?: number;
  probesTo?: number;
  longestProbeGapMs: number;
  clusterSamples: number;
  longestClusterGapMs: number;
}

export interface CampaignAnalysis {
  faults: FaultInterval[];
  anomalies: Anomaly[];
  cycles: CycleStats[];
  combinations: CombinationRow[];
  coverage: Coverage;
  /** Alerts per fault window and alerts no fault explains; `ran: false` says why the check did not run. */
  alerts: CampaignAlertCheck;
  status: "PASS" | "FAIL" | "INVALID";
  reasons: string[];
}

export function faultLabel(spec: FaultSpec): string {
  switch (spec.kind) {
    case "node-stop": return spec.mode;
    case "partition": return "partition";
    case "loss": return `loss ${spec.percent}%`;
    case "delay": return `delay ${spec.delayMs}ms`;
    case "reset": return "reset";
    case "stress": return `stress ${spec.resource}`;
    case "etcd-outage": return `etcd ${spec.variant}${spec.variant === "block-client" ? "" : ` ×${typeof spec.members === "number" ? spec.members : spec.members.length}`}`;
  }
}

/** Each planned fault with what happened to it: skipped, or injected (when, verified how) and recovered (when). */
export function faultIntervals(run: Pick<CampaignRun, "schedule" | "toggles" | "journal">): FaultInterval[] {
  const events = run.journal.faults;
  return run.schedule.faults.map((f) => {
    const toggle = run.toggles.find((t) => t.action === "inject" && t.faults.some((x) => x.name === f.name));
    const own = toggle?.faults.find((x) => x.name === f.name);
    const inject = events.find((e) => e.action === "inject" && e.fault === f.name);
    const recover = events.filter((e) => e.action === "recover" && e.fault === f.name).at(-1);
    const what = faultLabel(f.spec);
    const members = own?.members ?? [];
    return {
      name: f.name, cycle: f.cycle, members, plannedStartSeconds: f.startSeconds, plannedEndSeconds: f.endSeconds,
      label: `${what} ${f.selector ? `${f.selector}→` : ""}${members.join(",") || "?"}`,
      role: `${what}${f.selector ? `@${f.selector}` : ""}`,
      skipped: toggle ? own?.skipped : "not reached (the campaign stopped before its toggle)",
      injectStartedAt: inject?.startedAt, activeFrom: inject ? Math.min(...(inject.injectedAt?.length ? inject.injectedAt : [inject.endedAt])) : undefined,
      activeTo: recover?.endedAt, measured: inject?.measured,
    };
  });
}

const activeLabels = (faults: FaultInterval[], at: number) => {
  const on = faults.filter((f) => f.activeFrom !== undefined && f.activeFrom <= at && at < (f.activeTo ?? Infinity)).map((f) => `${f.name} (${f.label})`);
  return on.length ? on : ["none"];
};

/** Longest time in [from, to] without an acknowledged write (the window's edges count as acknowledgements). */
export function longestNoAck(ackTimes: number[], from: number, to: number): number {
  const points = [from, ...ackTimes.filter((t) => t > from && t < to), to];
  let worst = 0;
  for (let i = 1; i < points.length; i++) worst = Math.max(worst, points[i] - points[i - 1]);
  return worst;
}

const maxGap = (times: number[]) => times.reduce((g, t, i) => (i ? Math.max(g, t - times[i - 1]) : g), 0);

function coverageOf(j: Journal): Coverage {
  const sent = j.writes.map((w) => w.sentAt).sort((a, b) => a - b);
  const probeRounds = [...new Set((j.primaryProbes ?? []).map((p) => p.at))].sort((a, b) => a - b);
  const cluster = j.cluster.map((s) => s.at).sort((a, b) => a - b);
  return {
    historyFrom: j.startedAt, historyTo: j.endedAt, writes: sent.length, writesFrom: sent[0], writesTo: sent.at(-1), finalRows: j.finalRowIds.length,
    probes: (j.primaryProbes ?? []).length, probesFrom: probeRounds[0], probesTo: probeRounds.at(-1), longestProbeGapMs: maxGap(probeRounds),
    clusterSamples: cluster.length, longestClusterGapMs: maxGap(cluster),
  };
}

/** Patroni members not caught up in the last good /cluster sample before `at` (missing members included). */
function notCaughtUpAt(j: Journal, at: number): string[] {
  const sample = [...j.cluster].reverse().find((s) => s.ok && s.at <= at);
  if (!sample) return ["no /cluster sample"];
  return laggingMembers(sample, new Set(j.cluster.flatMap((s) => s.members.map((m) => m.name))));
}

/** Cycle windows: from the cycle's first toggle to the next cycle's (the last one to the end of the run). */
function cycleWindows(run: Pick<CampaignRun, "toggles" | "schedule" | "journal">, faults: FaultInterval[]): Array<{ cycle: number; from: number; to: number; combination: string }> {
  const cycleStart = new Map<number, number>();
  for (const rec of run.toggles.filter((t) => t.action === "inject")) {
    const cycle = run.schedule.faults.find((f) => f.name === rec.faults[0]?.name)?.cycle;
    if (cycle !== undefined) cycleStart.set(cycle, Math.min(cycleStart.get(cycle) ?? Infinity, rec.preparedAt));
  }
  const firsts = [...cycleStart].map(([cycle, at]) => ({ cycle, at })).sort((a, b) => a.at - b.at);
  const end = run.journal.phases.find((p) => p.name === "steady-after")?.end ?? run.journal.endedAt;
  return firsts.map((c, i) => {
    const injected = faults.filter((f) => f.cycle === c.cycle && f.activeFrom !== undefined).map((f) => f.role).sort();
    return { cycle: c.cycle, from: c.at, to: firsts[i + 1]?.at ?? end, combination: injected.length ? injected.join(" + ") : "(all skipped)" };
  });
}

/** The alert data read from the lab's monitoring and the catalog's expected alerts by experiment id. */
export interface AlertInput {
  data: AlertDataRead | undefined;
  catalog: Map<string, ExpectedAlertSpec[]>;
}

export function analyzeCampaign(run: Pick<CampaignRun, "campaign" | "schedule" | "toggles" | "journal">, alertInput?: AlertInput): CampaignAnalysis {
  const j = run.journal;
  const m = computeMetrics(j);
  const faults = faultIntervals(run);
  const anomalies: Anomaly[] = [];
  const acks = j.writes.flatMap((w) => (w.ackAt !== undefined ? [w.ackAt] : [])).sort((a, b) => a - b);
  const windows = cycleWindows(run, faults);
  const cycleOf = (at: number) => windows.find((w) => w.from <= at && at < w.to)?.cycle;
  const lost = m.durability?.lost ?? [];
  for (const [key, group] of groupBy(lost, (l) => activeLabels(faults, l.ackAt).join(" + "))) {
    anomalies.push({ type: "lost-writes", at: group[0].ackAt, summary: `${group.length} acknowledged write(s) lost (acknowledged ${isoTime(group[0].ackAt)}–${isoTime(group.at(-1)!.ackAt)} by ${[...new Set(group.map((g) => g.server ?? "?"))].join(", ")}), absent from the final primary ${j.finalReadFrom}`, numbers: { lostAckedWrites: group.length }, activeFaults: key.split(" + "), cycle: cycleOf(group[0].ackAt) });
  }
  const unknown = m.durability?.unknownRows ?? [];
  if (unknown.length) anomalies.push({ type: "unexpected-rows", at: j.endedAt, summary: `${unknown.length} row(s) of this run on the final primary that no write sent`, numbers: { unexpectedRows: unknown.length }, activeFaults: ["none"] });
  for (const o of m.singlePrimary?.writableOverlaps ?? []) {
    anomalies.push({ type: "two-primaries", at: o.start, summary: `${o.nodes.join(" and ")} both accepted writes for ${((o.end - o.start) / 1000).toFixed(1)} s (${(o.confirmedMs / 1000).toFixed(1)} s confirmed by probes on both sides)`, numbers: { seconds: (o.end - o.start) / 1000, confirmedSeconds: o.confirmedMs / 1000 }, activeFaults: activeLabels(faults, o.start), cycle: cycleOf(o.start) });
  }
  const cycles = windows.map((w): CycleStats => {
    const gap = longestNoAck(acks, w.from, w.to);
    const stats: CycleStats = {
      cycle: w.cycle, combination: w.combination, from: w.from, to: w.to, longestNoAckSeconds: gap / 1000,
      lostWrites: lost.filter((l) => l.ackAt >= w.from && l.ackAt < w.to).length,
      twoPrimaryIntervals: (m.singlePrimary?.writableOverlaps ?? []).filter((o) => o.start >= w.from && o.start < w.to).length,
      notCaughtUp: notCaughtUpAt(j, w.to),
    };
    if (stats.longestNoAckSeconds > run.campaign.bounds.writeUnavailabilitySeconds) anomalies.push({ type: "unavailable", at: w.from, summary: `no acknowledged write for ${stats.longestNoAckSeconds.toFixed(1)} s in cycle ${w.cycle} (bound ${run.campaign.bounds.writeUnavailabilitySeconds} s)`, numbers: { seconds: stats.longestNoAckSeconds }, activeFaults: activeLabels(faults, w.from), cycle: w.cycle });
    if (stats.notCaughtUp.length) anomalies.push({ type: "not-caught-up", at: w.to, summary: `at the end of cycle ${w.cycle} (${isoTime(w.to)}): ${stats.notCaughtUp.join("; ")}`, numbers: { members: stats.notCaughtUp.length }, activeFaults: activeLabels(faults, w.to), cycle: w.cycle });
    return stats;
  });
  for (const e of j.faultWatch?.events ?? []) anomalies.push({ type: "fault-stopped-acting", at: e.at, summary: `${e.fault} ${e.status} (${e.source}): ${e.reason}`, numbers: {}, activeFaults: activeLabels(faults, e.at), cycle: cycleOf(e.at) });
  const alerts = checkCampaignAlerts({ journal: j, metrics: m, faults, schedule: run.schedule, data: alertInput?.data, catalog: alertInput?.catalog ?? new Map() });
  anomalies.push(...alertAnomalies(alerts, faults));
  anomalies.sort((a, b) => a.at - b.at);
  const { status, reasons } = judge(j, faults, anomalies);
  return { faults, anomalies, cycles, combinations: combinationRows(cycles), coverage: coverageOf(j), alerts, status, reasons };
}

const labelText = (labels: Record<string, string>) => (Object.keys(labels).length ? `{${Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(",")}}` : "");

/**
 * Each missing or late expected alert as an anomaly with the faults active at its moment. Alerts no fault explains
 * are listed in the report's alert section, not here: on a shared host (MemberCpuSaturated from other loads) they
 * say more about the machine than about the cluster.
 */
function alertAnomalies(check: CampaignAlertCheck, faults: FaultInterval[]): Anomaly[] {
  if (!check.ran) return [];
  const out: Anomaly[] = [];
  for (const w of check.windows) {
    for (const v of w.verdicts) {
      const at = v.conditionAt ?? w.from;
      const what = `${v.alert}${labelText(v.expectedLabels)} for ${w.fault} (${w.label}, expected by ${w.catalog})`;
      const bound = v.boundSeconds === null ? "bound unknown" : `bound ${v.boundSeconds} s`;
      if (v.status === "late") out.push({ type: "alert-late", at, summary: `${what}: delivered ${v.deliveredAfterSeconds?.toFixed(1)} s after ${v.conditionHow} (${bound})`, numbers: { deliveredAfterSeconds: v.deliveredAfterSeconds ?? NaN, boundSeconds: v.boundSeconds ?? NaN }, activeFaults: activeLabels(faults, at), cycle: w.cycle });
      if (v.status === "missing" || v.status === "not fired") out.push({ type: "alert-missing", at, summary: `${what}: ${v.status === "missing" ? `fired in Prometheus ${v.firedAfterSeconds?.toFixed(1)} s after ${v.conditionHow} but never delivered` : `never fired after ${v.conditionHow}`} (window ${((w.to - at) / 1000).toFixed(1)} s, ${bound})`, numbers: { windowSeconds: (w.to - at) / 1000 }, activeFaults: activeLabels(faults, at), cycle: w.cycle });
    }
  }
  return out;
}

function combinationRows(cycles: CycleStats[]): CombinationRow[] {
  return [...groupBy(cycles, (c) => c.combination)].map(([combination, cs]) => ({
    combination, cycles: cs.length, worstUnavailabilitySeconds: Math.max(...cs.map((c) => c.longestNoAckSeconds)),
    lostWrites: cs.reduce((a, c) => a + c.lostWrites, 0), twoPrimaryIntervals: cs.reduce((a, c) => a + c.twoPrimaryIntervals, 0),
    notCaughtUp: cs.filter((c) => c.notCaughtUp.length).length,
  })).sort((a, b) => b.cycles - a.cycles || a.combination.localeCompare(b.combination));
}

/** INVALID when the run proves nothing (error, abort, a fault not acting or not recovered); FAIL on any anomaly. */
function judge(j: Journal, faults: FaultInterval[], anomalies: Anomaly[]): { status: CampaignAnalysis["status"]; reasons: string[] } {
  const invalid: string[] = [];
  if (j.runnerError) invalid.push(`runner error: ${briefError(j.runnerError)}`);
  for (const n of j.notes.filter((x) => x.startsWith("aborted"))) invalid.push(n);
  for (const n of j.notes.filter((x) => x.startsWith("rollback failed"))) invalid.push(n);
  const unrecovered = faults.filter((f) => f.activeFrom !== undefined && f.activeTo === undefined);
  if (unrecovered.length) invalid.push(`not recovered: ${unrecovered.map((f) => f.name).join(", ")}`);
  const stopped = anomalies.filter((a) => a.type === "fault-stopped-acting");
  if (stopped.length) invalid.push(`${stopped.length} fault(s) stopped acting while planned active`);
  if (invalid.length) return { status: "INVALID", reasons: invalid };
  const failing = anomalies.filter((a) => a.type !== "fault-stopped-acting");
  const failedAfter = j.hypothesis.after.filter((c) => !c.ok).map((c) => `after the campaign: ${c.name}: ${c.detail}`);
  if (j.hypothesis.after.length === 0) return { status: "INVALID", reasons: ["the steady state after the campaign was never checked"] };
  if (failing.length || failedAfter.length) return { status: "FAIL", reasons: [...failedAfter, ...[...groupBy(failing, (a) => a.type)].map(([t, as]) => `${as.length} ${t} anomal${as.length === 1 ? "y" : "ies"}`)] };
  return { status: "PASS", reasons: [] };
}

/** A failed `pulumi up` reduced to its own error lines (its whole output is in the journal's notes). */
function briefError(text: string): string {
  const lines = [...new Set(text.split("\n").map((l) => l.trim()).filter((l) => /^error: /.test(l) && l !== "error: update failed"))];
  return lines.length ? lines.join("; ") : text.split("\n")[0];
}

function groupBy<T>(items: T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const it of items) out.set(key(it), [...(out.get(key(it)) ?? []), it]);
  return out;
}

const isoTime = (ms: number) => new Date(ms).toISOString().slice(11, 23);
