// Details of section 3 shown when a run measured them: single-primary probes, probe lag, direct writers, resync, the leader election.
import { formatNumber } from "../checkers/expectations";
import type { Journal } from "../checkers/journal";
import { ELECTION_LOG } from "../checkers/log-lines";
import type { ExperimentMetrics } from "../checkers/metrics";
import { bytesText, iso, relative } from "./format";
import { markdownTable } from "./table";

export function singlePrimaryLines(journal: Journal, m: ExperimentMetrics): string[] {
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
export function probeLagLines(m: ExperimentMetrics): string[] {
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
export function directWriterLines(journal: Journal, m: ExperimentMetrics): string[] {
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
