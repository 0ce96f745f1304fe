import { abortedBefore, describeExpectation, formatNumber, metricOf, summarizeVerdicts, type ExpectationVerdict } from "../checkers/expectations";
import { ELECTION_LOG, QUOTED_FIRST_LOG } from "../checkers/log-lines";
import { markdownTable } from "./table";
import { alertTable, conclusionsOf, findingsSection, verdictLine } from "./findings";
import type { AlertVerdict } from "../checkers/alert-timing";
import type { Journal, LogLine } from "../checkers/journal";
import { serverSideLines } from "./server-charts";
import { computeMetrics, METRIC_NAMES, RESYNC_METRIC_NAMES, type CategoryMetric, type ExperimentMetrics, type Metric, type OpStats } from "../checkers/metrics";

/**
 * Markdown report of one experiment in the user's four sections (description and steps, expected
 * behaviour, actual results, analysis), and an index over many. Everything is rendered from the
 * journal and the metrics computed from it: nothing is written by hand per run, so a saved journal
 * re-renders to the same report.
 */

export interface ChartRef {
  title: string;
  /** Relative to the report file (charts are written next to it). */
  fileName: string;
}

export interface ReportOptions {
  /** Computed from the journal when not given. */
  metrics?: ExperimentMetrics;
  charts?: ChartRef[];
  /** Cap on log excerpt lines (lines about leadership and failures are kept first). */
  maxLogLines?: number;
}

// ---------------------------------------------------------------------------------------------------
// Formatting. Tables are hand-rolled: a dozen lines, and the markdown table packages are ESM-only.

export { markdownTable };

const iso = (t: number) => new Date(t).toISOString();
const secondsText = (ms: number) => `${ms < 0 ? "-" : "+"}${(Math.abs(ms) / 1000).toFixed(3)} s`;
const relative = (t: number, zero: number | null) => (zero === null ? "—" : secondsText(t - zero));
const ms = (v: number | null) => (v === null ? "—" : v.toFixed(1));
const perSecond = (v: number | null) => (v === null ? "—" : v.toFixed(1));


/** "pg1 → pg2", or "pg3 re-elected" when the same member won again on a newer timeline / raft term. */
const leaderMove = (c: { from?: string; to?: string }) => (c.from === c.to ? `${c.to} re-elected` : `${c.from} → ${c.to}`);

function bytesText(n: number): string {
  const units = ["KiB", "MiB", "GiB"];
  let v = n;
  let unit = "";
  for (const u of units) {
    if (v < 1024) break;
    v /= 1024;
    unit = u;
  }
  return unit ? `${n} B (${v.toFixed(1)} ${unit})` : `${n} B`;
}

export function formatMetricValue(m: Metric | CategoryMetric): string {
  if (m.value === null) return `n/a (${m.reason ?? "not measured"})`;
  if (m.unit === "category") return String(m.value);
  switch (m.unit) {
    case "s": return `${m.value.toFixed(3)} s`;
    case "ms": return `${m.value.toFixed(1)} ms`;
    case "ops/s": return `${m.value.toFixed(1)} ops/s`;
    case "bytes": return bytesText(m.value);
    case "count": return String(m.value);
  }
}

const codeBlock = (lines: string[]) => ["```text", ...lines.map((l) => l.replace(/```/g, "'''")), "```"].join("\n");

// ---------------------------------------------------------------------------------------------------
// Section 1: description and steps.

function descriptionSection(journal: Journal): string[] {
  const out = ["## 1. Description and steps", "", journal.experiment.description, ""];
  const steps = journal.experiment.steps ?? [];
  if (steps.length > 0) {
    out.push("**Method**", "", ...steps.map((s, i) => `${i + 1}. ${s.description}${s.tool ? ` — tool: ${s.tool}` : ""}`), "");
  }
  const faults = [...journal.faults].sort((a, b) => a.startedAt - b.startedAt);
  if (faults.length > 0) {
    out.push("**Fault actions as executed**", "");
    out.push(markdownTable(
      ["Action", "Fault", "Kind", "Targets", "Mechanism", "Command", "Started (UTC)", "Took"],
      faults.map((f) => [f.action, f.fault, f.kind, f.targets.join(", "), f.mechanism ?? "—", f.command ? `\`${f.command}\`` : "—", iso(f.startedAt), `${((f.endedAt - f.startedAt) / 1000).toFixed(3)} s`]),
    ), "");
  } else out.push("No fault action was executed.", "");
  const pc = journal.patroniConfig;
  if (pc) {
    const keys = Object.keys(pc.requested);
    out.push(`**Patroni dynamic configuration for this run**${journal.experiment.variant ? ` (variant \`${journal.experiment.variant}\`)` : ""}: set through the REST API (\`PATCH /config\`) before the steady state, restored afterwards.`, "");
    out.push(markdownTable(["Key", "Before", "Requested", "In effect (read back)", "Restored"], keys.map((k) => [
      k, JSON.stringify(pc.before[k] ?? null), JSON.stringify(pc.requested[k]), JSON.stringify(pc.effective[k] ?? null),
      pc.appliedAt === undefined ? "nothing to restore" : pc.restoredAt === undefined ? "NOT restored" : iso(pc.restoredAt),
    ])), "");
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Section 2: expected behaviour.

function expectedSection(journal: Journal, metrics: ExperimentMetrics): string[] {
  const expected = journal.experiment.expected;
  const out = ["## 2. Expected behaviour", ""];
  if (!expected) return [...out, "No expectations were declared for this experiment.", ""];
  out.push(expected.prose, "");
  if (expected.assertions.length > 0) {
    out.push("Machine-checked assertions:", "");
    for (const e of expected.assertions) out.push(`- ${describeExpectation(e, metricOf(metrics, e))} (\`${e.metric} ${e.op} ${e.value}\`)${e.why ? ` — ${e.why}` : ""}`);
    out.push("");
  }
  return out;
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

function timelineTable(journal: Journal, m: ExperimentMetrics): string {
  const zero = m.anchors.injectionAt;
  return markdownTable(["Relative to injection", "Time (UTC)", "Event", "Detail"], timelineEvents(journal, m).map((e) => [relative(e.at, zero), iso(e.at), e.event, e.detail || "—"]));
}

function metricsTable(m: ExperimentMetrics): string {
  // The resync metrics only exist where the run sampled the primary for them: elsewhere they would be rows of n/a.
  const names = m.resync === null ? METRIC_NAMES.filter((n) => !RESYNC_METRIC_NAMES.includes(n)) : METRIC_NAMES;
  return markdownTable(["Metric", "Value", "How computed"], names.map((n) => {
    const metric = m.scalars[n];
    return [metric.label, formatMetricValue(metric), metric.how];
  }));
}

const okFailed = (s: OpStats) => `${s.ok} / ${s.failed}`;
const percentiles = (s: OpStats) => `${ms(s.p50Ms)} / ${ms(s.p95Ms)} / ${ms(s.p99Ms)}`;

function phaseTable(m: ExperimentMetrics): string {
  const zero = m.anchors.injectionAt;
  return markdownTable(
    ["Phase", "From", "To", "Writes ok / failed", "Write ops/s", "Write p50 / p95 / p99 ms", "Reads ok / failed", "Read ops/s", "Read p50 / p95 / p99 ms"],
    m.phases.map((p) => [p.phase, relative(p.start, zero), relative(p.end, zero), okFailed(p.writes), perSecond(p.writes.okPerSecond), percentiles(p.writes), okFailed(p.reads), perSecond(p.reads.okPerSecond), percentiles(p.reads)]),
  );
}

function errorsTable(m: ExperimentMetrics): string {
  const rows = Object.entries(m.errorsByClass).sort(([a], [b]) => a.localeCompare(b)).map(([cls, c]) => [cls, String(c?.writes ?? 0), String(c?.reads ?? 0)]);
  return rows.length === 0 ? "No operation failed." : markdownTable(["Error class", "Failed writes", "Failed reads"], rows);
}

function magnitudeTable(journal: Journal): string {
  const injects = journal.faults.filter((f) => f.action === "inject");
  if (injects.length === 0) return "No fault was injected.";
  return markdownTable(["Fault", "Kind", "Targets", "Configured", "Measured"], injects.map((f) => [f.fault, f.kind, f.targets.join(", "), f.configured ?? "—", f.measured ?? "not measured"]));
}

const LIST_CAP = 20;
const capped = (items: string[]) => (items.length > LIST_CAP ? [...items.slice(0, LIST_CAP), `… and ${items.length - LIST_CAP} more`] : items);

function durabilityLines(m: ExperimentMetrics): string[] {
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

function singlePrimaryLines(journal: Journal, m: ExperimentMetrics): string[] {
  const sp = m.singlePrimary;
  if (!sp) return [];
  const zero = m.anchors.injectionAt;
  const out = ["### Single-primary invariant", "", `${sp.probes} direct probes of ${sp.nodes.join(", ")}.`, ""];
  const rows = (list: typeof sp.writableOverlaps) => list.map((o) => [o.nodes.join(", "), relative(o.start, zero), relative(o.end, zero), `${((o.end - o.start) / 1000).toFixed(3)} s`, `${(o.confirmedMs / 1000).toFixed(3)} s`]);
  const headers = ["Nodes", "From", "To", "Length (upper bound)", "Confirmed by probes on both sides"];
  out.push(sp.writableOverlaps.length === 0 ? "At no instant did two nodes accept writes." : markdownTable(headers, rows(sp.writableOverlaps)), "");
  if (sp.notInRecoveryOverlaps.length > 0) out.push("Intervals in which two or more nodes reported `pg_is_in_recovery() = false`:", "", markdownTable(headers, rows(sp.notInRecoveryOverlaps)), "");
  const dv = m.divergence;
  if (dv) {
    out.push("**Where the writes landed** (rows on each node after the split, before any rewind)", "");
    out.push(markdownTable(["Node", "Rows"], dv.nodes.map((n) => [n, String(dv.rowsPerNode[n])])), "");
    out.push(`${dv.onEveryNode} ids are on every node.`, "");
    if (dv.groups.length > 0) out.push(markdownTable(["Only on", "Ids", "Of them acknowledged"], dv.groups.map((g) => [g.on.join(", ") || "(none)", String(g.ids.length), String(g.acked)])), "");
    out.push(`Acknowledged writes not on the final primary ${dv.finalPrimary}: ${dv.ackedNotOnPrimary.length}.`, "");
  }
  out.push(...directWriterLines(journal, m));
  out.push(...probeLagLines(m));
  return out;
}

/** Lag per replica from the probes' WAL positions: visible even while a replica is cut off from Patroni and etcd. */
function probeLagLines(m: ExperimentMetrics): string[] {
  const pl = m.probeLag;
  if (!pl || pl.series.length === 0) return [];
  const zero = m.anchors.injectionAt;
  const from = pl.caughtUpFrom;
  const rows = pl.series.map((s) => {
    // Only a point shortly before the recover action: an older one belongs to a node that was no longer a replica.
    const atRecover = from === null ? undefined : [...s.points].reverse().find((p) => p.at <= from && from - p.at <= 2000);
    return [
      s.node,
      s.peak ? bytesText(s.peak.lagBytes) : "—",
      s.peak ? relative(s.peak.at, zero) : "—",
      atRecover ? bytesText(atRecover.lagBytes) : "—",
      from === null ? "— (not recovered)"
      : s.caughtUpAt !== null ? `${((s.caughtUpAt - from) / 1000).toFixed(3)} s`
      : s.points.some((p) => p.at >= from) ? "never during the run" : "— (not a replica after that)",
    ];
  });
  return [
    "**Replication lag from the direct probes** (primary's `pg_current_wal_lsn()` − replica's `pg_last_wal_replay_lsn()`, each node probed on its own port)",
    "",
    markdownTable(["Replica", "Peak lag", "Peak at", "Lag when the recover action began", `Caught up (≤ ${bytesText(pl.maxLagBytes)}) after the recover action began`], rows),
    "",
  ];
}

/** The writer that bypasses HAProxy and writes to the old primary's own port: what it got acknowledged, and where that went. */
function directWriterLines(journal: Journal, m: ExperimentMetrics): string[] {
  const writes = journal.directWrites;
  if (!writes || writes.length === 0) return [];
  const zero = m.anchors.injectionAt;
  const acked = writes.filter((w) => w.ackAt !== undefined);
  const ackedAfter = zero === null ? [] : acked.filter((w) => w.sentAt >= zero);
  const lastAck = ackedAfter.length ? Math.max(...ackedAfter.map((w) => w.ackAt!)) : undefined;
  const final = new Set(journal.nodeRowIds?.[journal.finalReadFrom] ?? []);
  const lost = journal.nodeRowIds ? acked.filter((w) => !final.has(w.id)) : [];
  const out = [`**Direct writer** (1 client on ${journal.directWriterTarget ?? "the old primary"}'s own port, bypassing HAProxy): ${writes.length} writes, ${acked.length} acknowledged, ${ackedAfter.length} of them sent after the injection${lastAck !== undefined ? `, the last acknowledged at ${relative(lastAck, zero)}` : ""}.`];
  if (journal.nodeRowIds) out.push(`Direct-writer acknowledged writes missing from the final primary ${journal.finalReadFrom}: ${lost.length}${lost.length ? ` (e.g. ${lost.slice(0, 5).map((w) => `\`${w.id}\``).join(", ")})` : ""}.`);
  return [...out, ""];
}

/** How each isolated replica got back in sync, as the primary saw it: method, catch-up, lag, WAL held, reinitializations. */
export function resyncLines(journal: Journal, m: ExperimentMetrics): string[] {
  const r = m.resync;
  if (!r) return [];
  const zero = m.anchors.injectionAt;
  const interval = journal.resync?.intervalMs;
  const out = ["### Replica resync (from the primary's side)", ""];
  out.push(`${r.samples} samples of the current leader${interval ? `, one every ${interval} ms` : ""} (${r.failedSamples} without an answer): \`pg_stat_replication\`, \`pg_replication_slots\`, \`pg_current_wal_lsn()\`, \`pg_ls_waldir()\`.`, "");
  if (r.verdicts.length === 0) return [...out, "No replica that the primary listed before the injection was a target of the run's faults.", ""];
  out.push(markdownTable(
    ["Replica", "Method", "Caught up after healing", "Peak lag", "Slot kept through the isolation", "Peak WAL held by its slot", "Reinitialized"],
    r.verdicts.map((v) => [
      v.member, `**${v.method}**`,
      v.caughtUpSeconds === null ? "never in this run" : `${v.caughtUpSeconds.toFixed(3)} s`,
      v.peakLag ? `${bytesText(v.peakLag.bytes)} at ${relative(v.peakLag.at, zero)} (${v.peakLag.how})` : "—",
      v.slotHeld ? "yes" : "no",
      v.peakRetained ? `${bytesText(v.peakRetained.bytes)} (wal_status ${v.peakRetained.walStatus ?? "—"})` : "—",
      v.reinit ? `${relative(v.reinit.requestedAt, zero)}` : "no",
    ]),
  ), "");
  for (const v of r.verdicts) out.push(`Why **${v.method}** for ${v.member}:`, "", ...v.evidence.map((e) => `- ${e}`), "");
  if (r.walDirPeak) {
    const grew = r.walDirBefore ? ` (${bytesText(r.walDirBefore.bytes)} just before the isolation, ${bytesText(r.walDirPeak.bytes - r.walDirBefore.bytes)} more at the peak)` : "";
    out.push(`The primary's pg_wal peaked at ${bytesText(r.walDirPeak.bytes)} at ${relative(r.walDirPeak.at, zero)}${grew}.`, "");
  }
  for (const b of journal.resync?.bursts ?? []) {
    out.push(`generate-wal wrote ${bytesText(b.bytes)} of WAL on ${b.member} from ${relative(b.startedAt, zero)} to ${relative(b.endedAt, zero)}${b.checkpoint ? "; after its CHECKPOINT" : "; then"} pg_wal held ${b.walDirBytesAfter === undefined ? "—" : bytesText(b.walDirBytesAfter)}, oldest segment ${b.oldestSegmentAfter ?? "—"}.`, "");
  }
  const reinits = journal.resync?.reinits ?? [];
  if (reinits.length > 0) {
    out.push("**Reinitializations requested by the runner** (`reinit-if-stuck`)", "");
    out.push(markdownTable(["Member", "Requested", "Why", "Patroni's answer", "Streaming again"], reinits.map((x) => [
      x.member, `${relative(x.requestedAt, zero)} (${iso(x.requestedAt)})`, x.reason, `HTTP ${x.status}: ${x.response}`, x.streamingAt === undefined ? "not seen" : `${relative(x.streamingAt, zero)} (${((x.streamingAt - x.requestedAt) / 1000).toFixed(3)} s after the request)`,
    ])), "");
  }
  return out;
}

function hypothesisTable(journal: Journal): string {
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

function logLines(journal: Journal, m: ExperimentMetrics, max: number): string[] {
  const lines = selectLogLines(journal, m, max);
  if (lines.length === 0) return ["No log lines were collected around the fault."];
  const width = Math.max(...lines.map((l) => l.member.length));
  const omitted = journal.logs.length - lines.length;
  return [
    codeBlock(lines.map((l) => `${relative(l.at, m.anchors.injectionAt).padStart(10)}  ${iso(l.at)}  ${l.member.padEnd(width)}  ${l.text}`)),
    ...(omitted > 0 ? ["", `${omitted} other collected lines are outside the window or over the cap.`] : []),
  ];
}

function resultsSection(journal: Journal, m: ExperimentMetrics, charts: ChartRef[], maxLogLines: number, alerts: AlertVerdict[]): string[] {
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
export function electionLines(journal: Journal, m: ExperimentMetrics): string[] {
  const change = m.patroniLeaderChanges[0];
  const t0 = m.anchors.injectionAt;
  if (!change || t0 === null) return [];
  const before = [...journal.cluster].reverse().find((s) => s.ok && s.at <= t0 && s.members.length > 0);
  const out = ["### How Patroni chose the new leader", ""];
  if (before) {
    out.push(`Candidates as \`/cluster\` (observer ${before.observer}) reported them ${formatNumber((t0 - before.at) / 1000)} s before the injection:`, "");
    out.push(markdownTable(["Member", "Role", "State", "Lag (bytes)", "Timeline", "Tags"], before.members.map((c) => [
      c.name, c.role, c.state, c.lagBytes === undefined ? "—" : String(c.lagBytes), c.timeline === undefined ? "—" : String(c.timeline),
      c.tags && Object.keys(c.tags).length ? Object.entries(c.tags).map(([k, v]) => `${k}=${String(v)}`).join(", ") : "none",
    ])), "");
  }
  const lines = journal.logs.filter((l) => l.at >= t0 - 1000 && l.at <= change.at + 2000 && ELECTION_LOG.test(l.text));
  out.push(`New leader: ${change.to} (from ${change.from}), seen ${formatNumber((change.at - t0) / 1000)} s after the injection. Patroni's own account:`, "");
  out.push(lines.length ? ["```text", ...lines.map((l) => `${iso(l.at)}  ${l.member}  ${l.text}`), "```"].join("\n") : "_(no election lines in the collected logs)_", "");
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Section 4: analysis.

function verdictTable(verdicts: ExpectationVerdict[]): string {
  return markdownTable(["Expectation", "Actual", "Verdict", "By how much"], verdicts.map((v) => [describeExpectation(v.expectation, v.metric), formatMetricValue(v.metric), v.status, v.text]));
}

const s3 = (n: number) => `${n.toFixed(3)} s`;
const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** Short prose from the numbers: what happened, and where it differs from what was expected. */
export function analysisLines(journal: Journal, m: ExperimentMetrics, verdicts: ExpectationVerdict[]): string[] {
  const out: string[] = [];
  const t0 = m.anchors.injectionAt;
  const aborted = abortedBefore(journal);
  if (aborted) out.push(`The run was aborted: ${aborted}. The metrics below describe the steady state only; no expectation can be judged.`);
  const summary = summarizeVerdicts(verdicts);
  if (verdicts.length > 0 && !aborted) out.push(`${summary.held} of ${summary.total} expectations held${summary.pass ? "." : `; not held: ${verdicts.filter((v) => !v.held).map((v) => describeExpectation(v.expectation, v.metric)).join("; ")}.`}`);
  for (const v of verdicts.filter((x) => !x.held)) {
    out.push(v.metric.value === null ? `${v.metric.label} could not be measured: ${v.metric.reason ?? "no value"}.` : `${v.metric.label} was ${formatMetricValue(v.metric)}, ${v.text} (expected ${describeExpectation(v.expectation, v.metric)}).`);
  }

  const change = t0 === null ? undefined : m.patroniLeaderChanges.find((c) => c.at >= t0);
  if (change && t0 !== null) {
    out.push(change.from === change.to
      ? `Patroni re-elected ${change.to} ${s3((change.at - t0) / 1000)} after the injection${change.epoch !== undefined ? ` on a new timeline (${change.epoch})` : ""}: it had lost the leadership in between.`
      : `Patroni moved the leader from ${change.from} to ${change.to} ${s3((change.at - t0) / 1000)} after the injection${change.epoch !== undefined ? ` (timeline ${change.epoch})` : ""}.`);
  } else if (m.leaderBefore) out.push(`The leader stayed ${m.leaderBefore}: no leader change was observed after the injection.`);

  const o = m.writeOutage;
  if (!o) out.push("No write failed after the injection.");
  else if (o.firstAckAfterAt === null) out.push(`Writes failed from ${relative(o.firstFailureAt, t0)} and were not acknowledged again before the run ended.`);
  else {
    const u = m.scalars.writeUnavailabilitySeconds.value;
    out.push(`${plural(o.failedWrites, "write", "writes")} failed; ${u === null ? "writes" : `clients could not write for ${s3(u)}, and writes`} were acknowledged again at ${relative(o.firstAckAfterAt, t0)}.`);
    if (change) {
      const gap = (o.firstAckAfterAt - change.at) / 1000;
      out.push(gap >= 0
        ? `The first write was acknowledged ${s3(gap)} after the new leader appeared in /cluster: time spent after the election (HAProxy health checks, client reconnects).`
        : `Writes were acknowledged again ${s3(-gap)} before the new leader appeared in /cluster.`);
    }
  }

  const d = m.durability;
  if (!d) out.push("Lost writes are not known: the final rows were not read.");
  else if (d.lost.length === 0) out.push(`All ${d.acked} acknowledged writes are on ${d.finalReadFrom}.`);
  else {
    const servers = [...new Set(d.lost.map((l) => l.server).filter((x): x is string => !!x))];
    const [first, last] = [Math.min(...d.lost.map((l) => l.ackAt)), Math.max(...d.lost.map((l) => l.ackAt))];
    const when = first === last ? `at ${relative(first, t0)}` : `between ${relative(first, t0)} and ${relative(last, t0)}`;
    out.push(`${plural(d.lost.length, "acknowledged write is", "acknowledged writes are")} missing from ${d.finalReadFrom} (acknowledged ${when}${servers.length ? ` by ${servers.join(", ")}` : ""})${change && last <= change.at ? ": acknowledged before the leader change and absent after it, consistent with asynchronous replication losing commits that had not reached the new leader" : ""}.`);
  }
  if (d && d.indeterminateCommitted.length > 0) out.push(`${plural(d.indeterminateCommitted.length, "write", "writes")} reported an error to the client but committed (indeterminate): counted among the extra rows, not as lost.`);
  if (d && d.unknownRows.length > 0) out.push(`${plural(d.unknownRows.length, "row", "rows")} on ${d.finalReadFrom} came from no write of this run.`);

  const catchUp = m.scalars.catchUpSeconds;
  if (catchUp.value !== null) out.push(`Replicas were all streaming and caught up ${s3(catchUp.value)} after the fault was removed${m.lagPeak ? ` (lag peak ${bytesText(m.lagPeak.bytes)} on ${m.lagPeak.member})` : ""}.`);
  else if (m.anchors.recoveryEndAt !== null) out.push(`Replica catch-up: ${catchUp.reason}.`);

  for (const v of m.resync?.verdicts ?? []) {
    const retained = v.peakRetained ? `, its slot holding up to ${bytesText(v.peakRetained.bytes)} on the primary` : "";
    out.push(v.caughtUpSeconds === null
      ? `${v.member} did not catch up in this run (${v.method})${v.walGone.length ? `: the WAL it needed was gone (${v.walGone[0]})` : ""}.`
      : `${v.member} resynced by **${v.method}**: caught up ${s3(v.caughtUpSeconds)} after the partition was removed${retained}${v.reinit ? `, after the runner reinitialized it (${v.reinit.reason})` : ""}.`);
  }

  const fired = m.scalars.firstAlertFiredSeconds;
  const delivered = m.scalars.firstAlertDeliveredSeconds;
  if (fired.value !== null) out.push(`The first alert fired ${s3(fired.value)} after the injection${delivered.value !== null ? ` and the first notification reached the receiver at ${s3(delivered.value)}` : ", but no notification reached the receiver"}.`);
  else if (journal.alerts.length > 0 || t0 !== null) out.push(`Alerts: ${fired.reason}.`);

  const sp = m.singlePrimary;
  if (sp) {
    out.push(sp.holds
      ? `The single-primary invariant held over ${sp.probes} probes: at most one node accepted writes at any instant.`
      : `The single-primary invariant was violated: ${sp.writableOverlaps.length} interval(s) with two or more writable nodes, ${formatNumber(sp.writableOverlaps.reduce((s, x) => s + x.end - x.start, 0) / 1000)} s in total (upper bound).`);
  }

  const failedAfter = journal.hypothesis.after.filter((c) => !c.ok);
  if (failedAfter.length > 0) out.push(`The steady state did not return: ${failedAfter.map((c) => `${c.name} (${c.detail})`).join("; ")}.`);
  if (journal.notes.length > 0) out.push(`The runner recorded ${journal.notes.length} note(s); see "Runner notes".`);
  return out;
}

function analysisSection(journal: Journal, m: ExperimentMetrics, verdicts: ExpectationVerdict[]): string[] {
  const out = ["## 4. Analysis", ""];
  out.push("### Verdict per expectation", "", verdicts.length === 0 ? "No expectations were declared." : verdictTable(verdicts), "");
  out.push("### Expected and actual", "", ...analysisLines(journal, m, verdicts).map((l) => `- ${l}`), "");
  return out;
}

// ---------------------------------------------------------------------------------------------------

export function renderExperimentReport(journal: Journal, options: ReportOptions = {}): string {
  const m = options.metrics ?? computeMetrics(journal);
  const c = conclusionsOf(journal, m);
  const lines = [
    `# ${journal.experiment.title}`,
    "",
    `Experiment \`${journal.experiment.id}\`, run ${iso(journal.startedAt)}${journal.target ? ` against ${journal.target}` : ""}. Verdict: ${verdictLine(c)}.`,
    "",
    ...findingsSection(c),
    ...descriptionSection(journal),
    ...expectedSection(journal, m),
    ...resultsSection(journal, m, options.charts ?? [], options.maxLogLines ?? 40, c.alerts),
    ...analysisSection(journal, m, c.outcome.verdicts),
  ];
  return `${lines.join("\n").replace(/\n{3,}/g, "\n\n").trimEnd()}\n`;
}

export interface IndexEntry {
  journal: Journal;
  /** Link to the experiment's report, relative to the index. */
  reportPath: string;
  metrics?: ExperimentMetrics;
}

export function renderReportIndex(entries: IndexEntry[], title = "Experiment reports"): string {
  const judged = entries.map((e) => {
    const m = e.metrics ?? computeMetrics(e.journal);
    return { e, m, c: conclusionsOf(e.journal, m) };
  });
  const short = (metric: Metric) => (metric.value === null ? "—" : formatMetricValue(metric));
  const rows = judged.map(({ e, m, c }) => [
    `[${e.journal.experiment.title}](${e.reportPath})`,
    c.outcome.text,
    c.findings.length === 0 ? "none" : c.findings.map((f) => `${f.severity}: ${f.summary}`).join("; "),
    short(m.scalars.timeToNewLeaderSeconds),
    short(m.scalars.writeUnavailabilitySeconds),
    short(m.scalars.lostAckedWrites),
    short(m.scalars.firstAlertDeliveredSeconds),
    iso(e.journal.startedAt),
  ]);
  const passed = judged.filter(({ c }) => c.outcome.status === "PASS").length;
  const findings = judged.reduce((n, { c }) => n + c.findings.length, 0);
  return [
    `# ${title}`,
    "",
    `${entries.length} experiments, ${passed} passed every expectation; ${findings} finding(s).`,
    "",
    markdownTable(["Experiment", "Verdict", "Findings", "Time to new leader", "Write unavailability", "Lost acked writes", "First alert delivered", "Run (UTC)"], rows),
    "",
  ].join("\n");
}
