// Section 3 of the per-experiment report: the actual results (timeline, metrics, phases, durability, logs, charts).
import type { AlertVerdict } from "../checkers/alert-timing";
import type { Journal, LogLine } from "../checkers/journal";
import { QUOTED_FIRST_LOG } from "../checkers/log-lines";
import { type ExperimentMetrics, METRIC_NAMES, type OpStats, RESYNC_METRIC_NAMES } from "../checkers/metrics";
import { alertTable } from "./findings";
import { bytesText, codeBlock, formatMetricValue, iso, leaderMove, ms, perSecond, relative } from "./format";
import { electionLines, resyncLines, singlePrimaryLines } from "./result-details";
import { serverSideLines } from "./server-charts";
import { markdownTable } from "./table";

export interface ChartRef {
  title: string;
  /** Relative to the report file (charts are written next to it). */
  fileName: string;
}

// ---------------------------------------------------------------------------------------------------
// Section 3: actual results.

interface TimelineEvent {
  at: number;
  event: string;
  detail: string;
}

export function timelineEvents(journal: Journal, m: ExperimentMetrics): TimelineEvent[] {
  const events: TimelineEvent[] = [];
  const add = (at: number | null | undefined, event: string, detail = "") => {
    if (at !== null && at !== undefined) events.push({ at, event, detail });
  };
  for (const f of journal.faults) {
    const what = `${f.fault} (${f.kind}) on ${f.targets.join(", ")}`;
    if (f.action === "inject") {
      add(f.startedAt, "inject action started", what);
      for (const t of f.injectedAt ?? []) add(t, "fault injected (stamp)", what);
      add(f.endedAt, "inject action finished", what);
    } else {
      add(f.startedAt, "recover action started", what);
      add(f.endedAt, "fault removed (recover action finished)", what);
    }
  }
  if (m.firstFailure) add(m.firstFailure.at, "first failed operation (detect)", `${m.firstFailure.op}: ${m.firstFailure.error}`);
  if (m.writeOutage) {
    add(m.writeOutage.lastAckBeforeAt, "last write acknowledged before the failures");
    add(m.writeOutage.firstAckAfterAt, "writes acknowledged again", `${m.writeOutage.failedWrites} failed writes in between`);
  }
  for (const c of m.patroniLeaderChanges) add(c.at, "Patroni leader change", `${leaderMove(c)}${c.epoch !== undefined ? ` (timeline ${c.epoch})` : ""}`);
  for (const c of m.etcdLeaderChanges) add(c.at, "etcd leader change", `${leaderMove(c)}${c.epoch !== undefined ? ` (term ${c.epoch})` : ""}`);
  for (const h of m.haproxyTransitions) add(h.at, `HAProxy ${h.server} ${h.to}`, `was ${h.from}`);
  for (const t of m.timelines.slice(1)) add(t.firstSeenAt, `timeline ${t.timeline} first seen`, `on ${t.member}`);
  if (m.lagPeak) add(m.lagPeak.at, "replication lag peak", `${m.lagPeak.member}: ${bytesText(m.lagPeak.bytes)}`);
  add(m.caughtUpAt, "replicas caught up", "every member listed, replicas streaming");
  for (const b of journal.resync?.bursts ?? []) add(b.endedAt, "WAL burst written (generate-wal)", `${bytesText(b.bytes)} on ${b.member}`);
  for (const a of m.alerts) {
    const labels = Object.entries(a.labels).map(([k, v]) => `${k}=${v}`).join(", ");
    add(a.firedAt, `alert ${a.alert} fired`, labels);
    add(a.receivedAt, `alert ${a.alert} delivered`, labels);
  }
  for (const x of journal.resync?.reinits ?? []) {
    add(x.requestedAt, "reinitialize requested (POST /reinitialize)", `${x.member}: ${x.reason}; HTTP ${x.status}`);
    add(x.streamingAt, "reinitialized replica streaming", x.member);
  }
  for (const v of m.resync?.verdicts ?? []) add(v.caughtUpAt, "isolated replica caught up", `${v.member}: ${v.method}`);
  for (const o of m.singlePrimary?.writableOverlaps ?? []) {
    add(o.start, "two nodes writable (start)", o.nodes.join(", "));
    add(o.end, "two nodes writable (end)", o.nodes.join(", "));
  }
  return events.sort((a, b) => a.at - b.at);
}

export function timelineTable(journal: Journal, m: ExperimentMetrics): string {
  const zero = m.anchors.injectionAt;
  return markdownTable(["Relative to injection", "Time (UTC)", "Event", "Detail"], timelineEvents(journal, m).map((e) => [relative(e.at, zero), iso(e.at), e.event, e.detail || "—"]));
}

export function metricsTable(m: ExperimentMetrics): string {
  // The resync metrics only exist where the run sampled the primary for them: elsewhere they would be rows of n/a.
  const names = m.resync === null ? METRIC_NAMES.filter((n) => !RESYNC_METRIC_NAMES.includes(n)) : METRIC_NAMES;
  return markdownTable(["Metric", "Value", "How computed"], names.map((n) => {
    const metric = m.scalars[n];
    return [metric.label, formatMetricValue(metric), metric.how];
  }));
}

const okFailed = (s: OpStats) => `${s.ok} / ${s.failed}`;
const percentiles = (s: OpStats) => `${ms(s.p50Ms)} / ${ms(s.p95Ms)} / ${ms(s.p99Ms)}`;

export function phaseTable(m: ExperimentMetrics): string {
  const zero = m.anchors.injectionAt;
  return markdownTable(
    ["Phase", "From", "To", "Writes ok / failed", "Write ops/s", "Write p50 / p95 / p99 ms", "Reads ok / failed", "Read ops/s", "Read p50 / p95 / p99 ms"],
    m.phases.map((p) => [p.phase, relative(p.start, zero), relative(p.end, zero), okFailed(p.writes), perSecond(p.writes.okPerSecond), percentiles(p.writes), okFailed(p.reads), perSecond(p.reads.okPerSecond), percentiles(p.reads)]),
  );
}

export function errorsTable(m: ExperimentMetrics): string {
  const rows = Object.entries(m.errorsByClass).sort(([a], [b]) => a.localeCompare(b)).map(([cls, c]) => [cls, String(c?.writes ?? 0), String(c?.reads ?? 0)]);
  return rows.length === 0 ? "No operation failed." : markdownTable(["Error class", "Failed writes", "Failed reads"], rows);
}

export function magnitudeTable(journal: Journal): string {
  const injects = journal.faults.filter((f) => f.action === "inject");
  if (injects.length === 0) return "No fault was injected.";
  return markdownTable(["Fault", "Kind", "Targets", "Configured", "Measured"], injects.map((f) => [f.fault, f.kind, f.targets.join(", "), f.configured ?? "—", f.measured ?? "not measured"]));
}

export const LIST_CAP = 20;
export const capped = (items: string[]) => (items.length > LIST_CAP ? [...items.slice(0, LIST_CAP), `… and ${items.length - LIST_CAP} more`] : items);

export function durabilityLines(m: ExperimentMetrics): string[] {
  const d = m.durability;
  if (!d) return ["The final rows were not read after recovery: lost and extra writes are not known."];
  const zero = m.anchors.injectionAt;
  const out = [`${d.acked} writes were acknowledged; the final rows were read directly from ${d.finalReadFrom}.`, ""];
  out.push(`- Lost acknowledged writes: ${d.lost.length}`);
  for (const l of capped(d.lost.map((w) => `\`${w.id}\` acknowledged at ${relative(w.ackAt, zero)}${w.server ? ` by ${w.server}` : ""}`))) out.push(`  - ${l}`);
  out.push(`- Indeterminate, committed (errored at the client, present in the final rows): ${d.indeterminateCommitted.length}`);
  for (const l of capped(d.indeterminateCommitted.map((w) => `\`${w.id}\` (${w.error ?? "no answer"})`))) out.push(`  - ${l}`);
  out.push(`- Indeterminate, absent (errored at the client, not in the final rows): ${d.indeterminateAbsent}`);
  out.push(`- Rows no write of this run sent: ${d.unknownRows.length}`);
  for (const l of capped(d.unknownRows.map((id) => `\`${id}\``))) out.push(`  - ${l}`);
  return out;
}

export function hypothesisTable(journal: Journal): string {
  const names = [...new Set([...journal.hypothesis.before, ...journal.hypothesis.after].map((c) => c.name))];
  if (names.length === 0) return "No steady-state checks were recorded.";
  const show = (list: typeof journal.hypothesis.before, n: string) => {
    const c = list.find((x) => x.name === n);
    return c ? `${c.ok ? "ok" : "FAILED"}: ${c.detail}` : "not checked";
  };
  return markdownTable(["Check", "Before", "After"], names.map((n) => [n, show(journal.hypothesis.before, n), show(journal.hypothesis.after, n)]));
}

/** Lines around the fault (5 s before the inject action to 30 s after recovery), leadership and failures first when capped. */
export function selectLogLines(journal: Journal, m: ExperimentMetrics, max: number): LogLine[] {
  const from = (m.anchors.injectActionStartAt ?? journal.startedAt) - 5000;
  const to = (m.anchors.recoveryEndAt ?? journal.endedAt) + 30000;
  const inWindow = journal.logs.filter((l) => l.at >= from && l.at <= to);
  const picked = inWindow.length <= max ? inWindow : [...inWindow.filter((l) => QUOTED_FIRST_LOG.test(l.text)), ...inWindow.filter((l) => !QUOTED_FIRST_LOG.test(l.text))].slice(0, max);
  return [...picked].sort((a, b) => a.at - b.at || a.member.localeCompare(b.member));
}

export function logLines(journal: Journal, m: ExperimentMetrics, max: number): string[] {
  const lines = selectLogLines(journal, m, max);
  if (lines.length === 0) return ["No log lines were collected around the fault."];
  const width = Math.max(...lines.map((l) => l.member.length));
  const omitted = journal.logs.length - lines.length;
  return [
    codeBlock(lines.map((l) => `${relative(l.at, m.anchors.injectionAt).padStart(10)}  ${iso(l.at)}  ${l.member.padEnd(width)}  ${l.text}`)),
    ...(omitted > 0 ? ["", `${omitted} other collected lines are outside the window or over the cap.`] : []),
  ];
}

export function resultsSection(journal: Journal, m: ExperimentMetrics, charts: ChartRef[], maxLogLines: number, alerts: AlertVerdict[]): string[] {
  const out = ["## 3. Actual results", ""];
  out.push(`Run ${iso(journal.startedAt)} → ${iso(journal.endedAt)}; injection at ${m.anchors.injectionAt === null ? "—" : iso(m.anchors.injectionAt)} (${m.anchors.injectionHow}).`, "");
  out.push("### Timeline", "", timelineTable(journal, m), "");
  out.push(...electionLines(journal, m));
  out.push("### Metrics", "", metricsTable(m), "");
  out.push("### Throughput and latency by phase", "", "Operations are counted in the phase they were sent in; latencies of successful operations, nearest-rank percentiles.", "", phaseTable(m), "");
  out.push("### Errors by class", "", errorsTable(m), "");
  out.push("### Fault magnitude: configured and measured", "", magnitudeTable(journal), "");
  out.push("### Acknowledged writes after recovery", "", ...durabilityLines(m), "");
  out.push("### Alerts", "", ...alertTable(alerts));
  out.push(...singlePrimaryLines(journal, m));
  out.push(...resyncLines(journal, m));
  out.push("### Steady-state hypothesis", "", hypothesisTable(journal), "");
  out.push("### Log excerpts", "", ...logLines(journal, m, maxLogLines), "");
  if (charts.length > 0) out.push("### Charts", "", ...charts.flatMap((c) => [`![${c.title}](${c.fileName})`, ""]));
  out.push(...serverSideLines(journal));
  if (journal.notes.length > 0) out.push("### Runner notes", "", ...journal.notes.map((n) => `- ${n}`), "");
  return out;
}

/**
 * How Patroni chose the new leader: the candidates as the last /cluster sample before the injection
 * saw them (role, lag, timeline, tags), and Patroni's own log lines from the injection to the promotion.
 */
