// Section 4 of the per-experiment report: the verdict per expectation and what was expected against what happened.
import { abortedBefore, describeExpectation, type ExpectationVerdict, formatNumber, summarizeVerdicts } from "../checkers/expectations";
import type { Journal } from "../checkers/journal";
import type { ExperimentMetrics } from "../checkers/metrics";
import { bytesText, formatMetricValue, plural, relative, s3 } from "./format";
import { markdownTable } from "./table";

// ---------------------------------------------------------------------------------------------------
// Section 4: analysis.

function verdictTable(verdicts: ExpectationVerdict[]): string {
  return markdownTable(["Expectation", "Actual", "Verdict", "By how much"], verdicts.map((v) => [describeExpectation(v.expectation, v.metric), formatMetricValue(v.metric), v.status, v.text]));
}


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

export function analysisSection(journal: Journal, m: ExperimentMetrics, verdicts: ExpectationVerdict[]): string[] {
  const out = ["## 4. Analysis", ""];
  out.push("### Verdict per expectation", "", verdicts.length === 0 ? "No expectations were declared." : verdictTable(verdicts), "");
  out.push("### Expected and actual", "", ...analysisLines(journal, m, verdicts).map((l) => `- ${l}`), "");
  return out;
}
