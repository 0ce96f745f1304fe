// Client-side operations: latency per phase, errors, the write outage, the first failure, durability of acknowledged writes.
import type { Anchors } from "./anchors";
import type { ErrorClass, Journal, Phase, WriteEvent } from "./journal";

const seconds = (ms: number) => ms / 1000;

// ---------------------------------------------------------------------------------------------------
// Client-side operations.

const failedAt = (w: WriteEvent) => w.doneAt ?? w.sentAt;
const isFailedWrite = (w: WriteEvent) => w.error !== undefined;

/** Nearest-rank percentile of an ascending array (hand-rolled: three lines, the definition is the point). */
export function percentile(sortedAscending: number[], p: number): number | null {
  if (sortedAscending.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sortedAscending.length));
  return sortedAscending[rank - 1];
}

export interface OpStats {
  sent: number;
  ok: number;
  failed: number;
  /** Acknowledged operations per second of the phase. */
  okPerSecond: number | null;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
}

export interface PhaseStats {
  phase: Phase["name"];
  start: number;
  end: number;
  writes: OpStats;
  reads: OpStats;
}

function opStats(latenciesMs: number[], sent: number, failed: number, durationMs: number): OpStats {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  return {
    sent,
    ok: sorted.length,
    failed,
    okPerSecond: durationMs > 0 ? sorted.length / seconds(durationMs) : null,
    p50Ms: percentile(sorted, 50),
    p95Ms: percentile(sorted, 95),
    p99Ms: percentile(sorted, 99),
  };
}

/** Operations are attributed to the phase they were sent in: [start, end). */
export function phaseStats(journal: Journal): PhaseStats[] {
  return journal.phases.map((p) => {
    const inPhase = (t: number) => t >= p.start && t < p.end;
    const writes = journal.writes.filter((w) => inPhase(w.sentAt));
    const reads = journal.reads.filter((r) => inPhase(r.sentAt));
    const ackedLatencies = writes.flatMap((w) => (w.ackAt !== undefined ? [w.ackAt - w.sentAt] : []));
    const readLatencies = reads.flatMap((r) => (r.ok ? [r.doneAt - r.sentAt] : []));
    return {
      phase: p.name,
      start: p.start,
      end: p.end,
      writes: opStats(ackedLatencies, writes.length, writes.filter(isFailedWrite).length, p.end - p.start),
      reads: opStats(readLatencies, reads.length, reads.filter((r) => !r.ok).length, p.end - p.start),
    };
  });
}

export type ErrorsByClass = Partial<Record<ErrorClass, { writes: number; reads: number }>>;

export function errorsByClass(journal: Journal): ErrorsByClass {
  const out: ErrorsByClass = {};
  const bump = (c: ErrorClass, k: "writes" | "reads") => ((out[c] ??= { writes: 0, reads: 0 })[k] += 1);
  for (const w of journal.writes) if (w.error) bump(w.error, "writes");
  for (const r of journal.reads) if (!r.ok) bump(r.error ?? "other", "reads");
  return out;
}

export interface WriteOutage {
  failedWrites: number;
  firstFailureSentAt: number;
  firstFailureAt: number;
  lastFailureAt: number;
  lastAckBeforeAt: number | null;
  firstAckAfterAt: number | null;
}

/** The failed writes that can be the fault's (their error came after the inject action began). */
export function writeOutage(journal: Journal, anchors: Anchors): WriteOutage | null {
  const from = anchors.injectActionStartAt ?? -Infinity;
  const failed = journal.writes.filter((w) => isFailedWrite(w) && failedAt(w) >= from);
  if (failed.length === 0) return null;
  const firstFailureAt = Math.min(...failed.map(failedAt));
  const lastFailureAt = Math.max(...failed.map(failedAt));
  const acks = journal.writes.flatMap((w) => (w.ackAt !== undefined ? [w.ackAt] : []));
  const before = acks.filter((t) => t < firstFailureAt);
  const after = acks.filter((t) => t > lastFailureAt);
  return {
    failedWrites: failed.length,
    firstFailureSentAt: Math.min(...failed.map((w) => w.sentAt)),
    firstFailureAt,
    lastFailureAt,
    lastAckBeforeAt: before.length > 0 ? Math.max(...before) : null,
    firstAckAfterAt: after.length > 0 ? Math.min(...after) : null,
  };
}

export interface FirstFailure {
  at: number;
  op: "write" | "read";
  error: ErrorClass;
}

/** The first failed operation (write or read) after the inject action began, at the time its error came back. */
export function firstFailure(journal: Journal, anchors: Anchors): FirstFailure | null {
  const from = anchors.injectActionStartAt ?? -Infinity;
  const candidates = [
    ...journal.writes.filter(isFailedWrite).map((w) => ({ at: failedAt(w), op: "write" as const, error: w.error as ErrorClass })),
    ...journal.reads.filter((r) => !r.ok).map((r) => ({ at: r.doneAt, op: "read" as const, error: r.error ?? ("other" as const) })),
  ].filter((c) => c.at >= from);
  return candidates.length === 0 ? null : candidates.reduce((a, b) => (b.at < a.at ? b : a));
}

// ---------------------------------------------------------------------------------------------------
// Durability: acknowledged writes against the rows found after recovery.

export interface Durability {
  acked: number;
  /** Acknowledged, absent from the final rows. */
  lost: { id: string; ackAt: number; server?: string }[];
  /** Final rows never acknowledged: indeterminate writes that committed plus rows no write of this run sent. */
  extra: string[];
  /** Writes that errored (or never answered) and yet are in the final rows: indeterminate, committed. Not losses. */
  indeterminateCommitted: { id: string; error?: ErrorClass }[];
  /** Final rows whose id no write of this run carried. */
  unknownRows: string[];
  /** Errored writes absent from the final rows (failed cleanly, as the client was told or could assume). */
  indeterminateAbsent: number;
  finalReadFrom: string;
}

export function durability(journal: Journal): Durability | null {
  if (!journal.finalReadFrom) return null;
  const final = new Set(journal.finalRowIds);
  const byId = new Map(journal.writes.map((w) => [w.id, w]));
  const acked = journal.writes.filter((w) => w.ackAt !== undefined);
  const unacked = journal.writes.filter((w) => w.ackAt === undefined);
  const extra = journal.finalRowIds.filter((id) => byId.get(id)?.ackAt === undefined);
  return {
    acked: acked.length,
    lost: acked.filter((w) => !final.has(w.id)).map((w) => ({ id: w.id, ackAt: w.ackAt as number, server: w.server })),
    extra,
    indeterminateCommitted: unacked.filter((w) => final.has(w.id)).map((w) => ({ id: w.id, error: w.error })),
    unknownRows: extra.filter((id) => !byId.has(id)),
    indeterminateAbsent: unacked.filter((w) => !final.has(w.id)).length,
    finalReadFrom: journal.finalReadFrom,
  };
}

/** Share of the writes sent during the fault phase that were acknowledged. */
export function faultWriteAvailability(m: { phases: PhaseStats[] }): { percent: number; sent: number; ok: number } | null {
  const fault = m.phases.find((p) => p.phase === "fault");
  if (!fault || fault.writes.sent === 0) return null;
  return { percent: (100 * fault.writes.ok) / fault.writes.sent, sent: fault.writes.sent, ok: fault.writes.ok };
}
