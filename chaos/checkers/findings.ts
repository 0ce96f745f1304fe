// Findings: facts an operator needs from one run, computed apart from its verdict.
import type { AlertVerdict } from "./alert-timing";
import { faultWriteAvailability } from "./operations";
import { abortedBefore } from "./expectations";
import type { Journal } from "./journal";
import type { ExperimentMetrics } from "./metrics";

/**
 * Findings: facts that matter to an operator, computed from one run — apart from the verdict, which only
 * says whether the experiment's hypothesis held. A PASS can carry findings (a split-brain run whose
 * hypothesis holds still lost the writes its old primary acknowledged), and they come first in reports.
 */

export const FINDING_CLASSES = [
  "lost-writes",
  "two-primaries",
  "database-down-with-dcs",
  "false-failover",
  "write-unavailability",
  "replica-not-caught-up",
  "replica-reinit",
  "alert-missing",
  "alert-late",
] as const;
export type FindingClass = (typeof FINDING_CLASSES)[number];

export type Severity = "critical" | "major" | "minor";

export const SEVERITY: Record<FindingClass, Severity> = {
  "lost-writes": "critical",
  "two-primaries": "critical",
  "database-down-with-dcs": "major",
  "false-failover": "major",
  "write-unavailability": "major",
  "replica-not-caught-up": "major",
  "alert-missing": "major",
  "replica-reinit": "minor",
  "alert-late": "minor",
};

export interface Finding {
  class: FindingClass;
  severity: Severity;
  /** The experiment (and variant) whose run showed it. */
  experiment: string;
  variant?: string;
  /** What it is about when not the whole run: an alert's name. */
  subject?: string;
  /** One sentence with its numbers. */
  summary: string;
  /** The numbers behind it, for results.json and comparisons. */
  numbers: Record<string, number>;
}

const s1 = (n: number) => `${n.toFixed(1)} s`;

function durabilityFinding(journal: Journal, m: ExperimentMetrics): Omit<Finding, "experiment" | "variant" | "severity"> | undefined {
  const viaHaproxy = m.scalars.lostAckedWrites.value ?? 0;
  // Split-brain runs also write straight to the old primary; the divergence accounting covers both writers.
  const all = m.divergence ? m.divergence.ackedNotOnPrimary.length : viaHaproxy;
  if (all === 0 && viaHaproxy === 0) return undefined;
  const acked = m.durability?.acked ?? 0;
  const total = Math.max(all, viaHaproxy);
  const direct = total - viaHaproxy;
  const parts = [`${viaHaproxy} of ${acked} through HAProxy`];
  if (direct > 0) parts.push(`${direct} written directly to the old primary${journal.directWriterTarget ? ` ${journal.directWriterTarget}` : ""}`);
  return {
    class: "lost-writes",
    summary: `${total} acknowledged ${total === 1 ? "write" : "writes"} lost (${parts.join(", ")}): absent from the final primary${journal.finalReadFrom ? ` ${journal.finalReadFrom}` : ""}`,
    numbers: { lostAckedWrites: total, lostViaHaproxy: viaHaproxy, ackedViaHaproxy: acked },
  };
}

function unavailabilityBound(journal: Journal): number | undefined {
  const bounds = (journal.experiment.expected?.assertions ?? [])
    .filter((a) => a.metric === "writeUnavailabilitySeconds" && (a.op === "<=" || a.op === "<") && typeof a.value === "number")
    .map((a) => a.value as number);
  return bounds.length ? Math.min(...bounds) : undefined;
}

const usesDcsFault = (journal: Journal) => journal.faults.some((f) => f.action === "inject" && f.kind === "etcd-outage");

/** Leader changes to another node (a re-election of the same node on a new timeline is a demotion, not a failover). */
const leaderMoves = (m: ExperimentMetrics) => m.patroniLeaderChanges.filter((c) => c.from !== undefined && c.to !== undefined && c.from !== c.to);

export function computeFindings(journal: Journal, m: ExperimentMetrics, alerts: AlertVerdict[]): Finding[] {
  if (abortedBefore(journal) || m.anchors.injectionAt === null) return [];
  const found: Omit<Finding, "experiment" | "variant" | "severity">[] = [];
  const lost = durabilityFinding(journal, m);
  if (lost) found.push(lost);

  const sp = m.singlePrimary;
  if (sp && sp.writableOverlaps.length > 0) {
    const secs = sp.writableOverlaps.reduce((t, o) => t + o.end - o.start, 0) / 1000;
    found.push({ class: "two-primaries", summary: `two nodes accepted writes at once in ${sp.writableOverlaps.length} interval(s), ${s1(secs)} in total (direct probes of every node)`, numbers: { intervals: sp.writableOverlaps.length, seconds: secs } });
  }

  const failed = m.scalars.failedWrites.value ?? 0;
  if (usesDcsFault(journal) && failed > 0) {
    const a = faultWriteAvailability(m);
    const u = m.scalars.writeUnavailabilitySeconds.value;
    found.push({
      class: "database-down-with-dcs",
      summary: `the database stopped taking writes because etcd did: ${failed} writes failed${a ? `, ${a.percent.toFixed(1)} % write availability during the fault` : ""}${u !== null ? `, clients could not write for ${s1(u)}` : ""}`,
      numbers: { failedWrites: failed, ...(a ? { writeAvailabilityPercent: a.percent } : {}), ...(u !== null ? { writeUnavailabilitySeconds: u } : {}) },
    });
  }

  const moves = leaderMoves(m);
  if (journal.experiment.failoverExpected === false && moves.length > 0) {
    found.push({ class: "false-failover", summary: `${moves.length} leader change(s) where none was planned (${moves.map((c) => `${c.from} → ${c.to}`).join(", ")})`, numbers: { leaderChanges: moves.length } });
  }

  const bound = unavailabilityBound(journal);
  const u = m.scalars.writeUnavailabilitySeconds.value;
  if (bound !== undefined && u !== null && u > bound) {
    found.push({ class: "write-unavailability", summary: `clients could not write for ${s1(u)}, over the experiment's bound of ${s1(bound)}`, numbers: { writeUnavailabilitySeconds: u, boundSeconds: bound } });
  }

  const notStreaming = journal.hypothesis.after.filter((c) => !c.ok && c.name.includes("streaming"));
  const stuck = (m.resync?.verdicts ?? []).filter((v) => v.caughtUpSeconds === null);
  if (notStreaming.length > 0 || stuck.length > 0) {
    const who = [...stuck.map((v) => `${v.member} (${v.method})`), ...notStreaming.map((c) => c.detail)];
    found.push({ class: "replica-not-caught-up", summary: `a replica did not catch up after the fault was removed: ${who.join("; ")}`, numbers: { replicas: Math.max(stuck.length, notStreaming.length) } });
  }
  const reinit = (m.resync?.verdicts ?? []).filter((v) => v.method === "reinit");
  if (reinit.length > 0) {
    found.push({ class: "replica-reinit", summary: `${reinit.map((v) => v.member).join(", ")} needed a reinitialize (full copy): the WAL it needed was gone from the primary`, numbers: { replicas: reinit.length } });
  }

  for (const a of alerts) {
    if (a.status === "missing" || a.status === "not fired") {
      found.push({ class: "alert-missing", subject: a.alert, summary: `${a.alert} ${a.status === "not fired" ? "never fired" : "fired but its notification never arrived"} (condition began at ${a.conditionHow})`, numbers: {} });
    } else if (a.status === "late" && a.deliveredAfterSeconds !== null && a.boundSeconds !== null) {
      found.push({ class: "alert-late", subject: a.alert, summary: `${a.alert} delivered ${s1(a.deliveredAfterSeconds)} after ${a.conditionHow}, ${s1(-(a.marginSeconds ?? 0))} over its bound of ${s1(a.boundSeconds)}`, numbers: { deliveredAfterSeconds: a.deliveredAfterSeconds, boundSeconds: a.boundSeconds } });
    }
  }
  return found.map((f) => ({ ...f, severity: SEVERITY[f.class], experiment: journal.experiment.id, ...(journal.experiment.variant ? { variant: journal.experiment.variant } : {}) }));
}

/** Findings in the order a reader needs them: most severe first, then by class. */
export function sortFindings(findings: Finding[]): Finding[] {
  const rank = { critical: 0, major: 1, minor: 2 };
  return [...findings].sort((a, b) => rank[a.severity] - rank[b.severity] || FINDING_CLASSES.indexOf(a.class) - FINDING_CLASSES.indexOf(b.class));
}
