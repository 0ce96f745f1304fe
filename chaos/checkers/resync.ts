// How an isolated replica got back in sync after healing, classified from the primary's samples (pure: no I/O).
import type { Journal, LogLine } from "./journal";
import type { ResyncMethod, ResyncSample, ReinitRecord } from "./resync-records";

export { RESYNC_METHODS, type ResyncMethod, type ReplicationRowSample, type SlotRowSample, type ResyncSample, type ReinitRecord, type WalBurst, type ResyncRecord } from "./resync-records";

/**
 * How an isolated replica got back in sync after healing, read from the primary's side: a sampler asks
 * the current leader every ~1.5 s for pg_stat_replication, pg_replication_slots, its WAL position and the
 * size and oldest file of pg_wal; a pure classifier then decides, per isolated replica, whether it resumed
 * streaming from WAL kept by wal_keep_size (`streaming`), from WAL its slot held (`slot`), only after a
 * reinitialize because the WAL it needed was gone (`reinit`), or not at all (`not-caught-up`).
 */


// ---------------------------------------------------------------------------------------------------
// Pure helpers.

/** Patroni's slot name for a member (slot_name_from_member_name): lower case, '-' and '.' → '_', others → uNNNN. */
export function slotNameOf(member: string): string {
  return member.toLowerCase().replace(/[^a-z0-9_]/g, (c) => (c === "-" || c === "." ? "_" : `u${String(c.codePointAt(0)).padStart(4, "0")}`)).slice(0, 64);
}

/** Start LSN (bytes) of a WAL segment file name TTTTTTTTXXXXXXXXYYYYYYYY; undefined when not one. */
export function segmentStartBytes(name: string, segmentBytes: number): number | undefined {
  const m = /^[0-9A-F]{8}([0-9A-F]{8})([0-9A-F]{8})$/.exec(name);
  if (!m || segmentBytes <= 0) return undefined;
  const segmentsPerId = 0x100000000 / segmentBytes;
  return (parseInt(m[1], 16) * segmentsPerId + parseInt(m[2], 16)) * segmentBytes;
}

/** Lines of a replica's (or the primary's walsender's) log saying the WAL it asked for is gone. */
export const WAL_GONE_LOG = /requested WAL segment \S+ has already been removed/;
/** Lines saying a member was re-created from a base backup (Patroni's reinitialize). */
export const REINIT_LOG = /replica has been created using basebackup|reinitialize in progress/;

/**
 * Why the WAL the member needs is gone, from one primary sample, or null when it is not (known to be)
 * gone: its slot is `lost`, or the position it must stream from (its received position, from its own
 * Patroni, else the last flush_lsn the primary saw) is older than the primary's oldest WAL file.
 */
export function walGoneReason(member: string, sample: ResyncSample, memberPositionBytes: number | undefined): string | null {
  if (!sample.ok) return null;
  const slot = sample.slots.find((s) => s.name === slotNameOf(member));
  if (slot?.walStatus === "lost") return `its slot ${slot.name} on ${sample.leader} has wal_status lost`;
  if (memberPositionBytes === undefined || !sample.oldestSegment || !sample.walSegmentBytes) return null;
  const oldest = segmentStartBytes(sample.oldestSegment, sample.walSegmentBytes);
  if (oldest !== undefined && memberPositionBytes < oldest) {
    return `it needs WAL from ${lsnText(memberPositionBytes)} but the oldest segment left on ${sample.leader} is ${sample.oldestSegment} (starts at ${lsnText(oldest)})`;
  }
  return null;
}

export const lsnText = (bytes: number) => `${Math.floor(bytes / 0x100000000).toString(16).toUpperCase()}/${(bytes % 0x100000000).toString(16).toUpperCase()}`;

const rowOf = (s: ResyncSample, member: string) => s.replication.find((r) => r.name === member);
export const isStreaming = (s: ResyncSample, member: string) => rowOf(s, member)?.state === "streaming";

/** The member's last flush position the primary reported before `before` (what it has received). */
export function lastFlushBefore(samples: ResyncSample[], member: string, before: number): number | undefined {
  let out: number | undefined;
  for (const s of samples) {
    if (s.at >= before || !s.ok) continue;
    const f = rowOf(s, member)?.flushLsnBytes;
    if (f !== null && f !== undefined) out = f;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Classification.

export interface ResyncInput {
  member: string;
  /** The isolation took effect (fault stamp or end of the inject action). */
  isolatedAt: number;
  /** Start of the recover action that removed the isolation: a catch-up is looked for from here. */
  healStartAt: number;
  /**
   * End of that action: the fault is certainly gone (its rules come off at the end of the `pulumi up`; most of
   * the action is the engine starting). Catch-up time is measured from here.
   */
  healedAt: number;
  samples: ResyncSample[];
  reinits: ReinitRecord[];
  /** Log lines of the run (the member's own are searched for WAL-gone and base-backup lines). */
  logs: LogLine[];
  caughtUpLagBytes: number;
}

export interface LagPoint {
  at: number;
  bytes: number;
  /** measured: pg_stat_replication's replay lag; carried: no row (walsender gone), current LSN − last replay position seen. */
  how: "measured" | "carried";
}

export interface ResyncVerdict {
  member: string;
  method: ResyncMethod;
  /** One sentence per fact the method rests on. */
  evidence: string[];
  caughtUpAt: number | null;
  caughtUpSeconds: number | null;
  peakLag: LagPoint | null;
  lag: LagPoint[];
  /** The member's slot on the primary during isolation → catch-up: the WAL it held. */
  peakRetained: { at: number; bytes: number; walStatus: string | null } | null;
  /** Present in every primary sample of the isolation, never `lost`. */
  slotHeld: boolean;
  walGone: string[];
  reinit: ReinitRecord | null;
}

/** Every ok sample in [from, to), time ordered. */
const between = (samples: ResyncSample[], from: number, to: number) => samples.filter((s) => s.ok && s.at >= from && s.at < to).sort((a, b) => a.at - b.at);

/** Lag: measured while the primary still lists the member; carried from its last replay position when not. */
function lagDuringIsolation(samples: ResyncSample[], member: string, isolatedAt: number, until: number): { lag: LagPoint[]; peakLag: LagPoint | null } {
  const lag: LagPoint[] = [];
  let lastReplay: number | undefined;
  for (const s of samples.filter((x) => x.ok && x.at >= isolatedAt - 5000 && x.at <= until)) {
    const row = rowOf(s, member);
    if (row && row.replayLagBytes !== null && s.currentLsnBytes !== undefined) {
      lastReplay = s.currentLsnBytes - row.replayLagBytes;
      if (s.at >= isolatedAt) lag.push({ at: s.at, bytes: row.replayLagBytes, how: "measured" });
    } else if (lastReplay !== undefined && s.currentLsnBytes !== undefined && s.at >= isolatedAt) {
      lag.push({ at: s.at, bytes: Math.max(0, s.currentLsnBytes - lastReplay), how: "carried" });
    }
  }
  const peakLag = lag.reduce<LagPoint | null>((p, x) => (p === null || x.bytes > p.bytes ? x : p), null);

  return { lag, peakLag };
}

/** The slot: held only if present in every primary sample of the isolation and never lost; its peak retained WAL. */
function slotDuringIsolation(samples: ResyncSample[], slot: string, isolatedAt: number, healStartAt: number, until: number) {
  const isolation = between(samples, isolatedAt, healStartAt);
  const slotRows = isolation.map((s) => s.slots.find((x) => x.name === slot));
  const slotHeld = isolation.length > 0 && slotRows.every((r) => r !== undefined && r.walStatus !== "lost");
  const firstMissing = isolation.find((s, i) => slotRows[i] === undefined);
  let peakRetained: ResyncVerdict["peakRetained"] = null;
  for (const s of between(samples, isolatedAt, until === Infinity ? Number.MAX_SAFE_INTEGER : until + 1)) {
    const r = s.slots.find((x) => x.name === slot);
    if (r?.retainedBytes !== null && r?.retainedBytes !== undefined && (peakRetained === null || r.retainedBytes > peakRetained.bytes)) peakRetained = { at: s.at, bytes: r.retainedBytes, walStatus: r.walStatus };
  }

  return { isolation, slotHeld, firstMissing, peakRetained };
}

/** Was the WAL it needed gone? Slot lost, its position older than the oldest segment, or its own log says so. */
function walGoneEvidence(input: ResyncInput, samples: ResyncSample[], until: number): Set<string> {
  const { member, isolatedAt, healStartAt } = input;
  const walGone = new Set<string>();
  const position = lastFlushBefore(samples, member, healStartAt);
  for (const s of between(samples, isolatedAt, until === Infinity ? Number.MAX_SAFE_INTEGER : until)) {
    // The first sample that shows it is evidence enough; later ones only repeat it with a newer oldest file.
    const r = walGoneReason(member, s, position);
    if (r) {
      walGone.add(`${r.replace(/ on \S+ /, " on the primary ")} (${new Date(s.at).toISOString()})`);
      break;
    }
  }
  const goneLine = input.logs.find((l) => l.member === member && l.at >= isolatedAt && l.at <= until && WAL_GONE_LOG.test(l.text));
  if (goneLine) walGone.add(`its log: "${goneLine.text.slice(0, 160)}"`);

  return walGone;
}

export function classifyResync(input: ResyncInput): ResyncVerdict {
  const { member, isolatedAt, healStartAt, caughtUpLagBytes } = input;
  const samples = [...input.samples].sort((a, b) => a.at - b.at);
  const slot = slotNameOf(member);
  const evidence: string[] = [];

  // A row the primary still lists from before the isolation (its walsender not yet timed out) is stale: caught
  // up means received WAL beyond what it had when the heal began (or nothing left to receive at all).
  const positionAtHeal = lastFlushBefore(samples, member, healStartAt) ?? -1;
  const caught = samples.find((s) => {
    const row = s.ok && s.at >= healStartAt ? rowOf(s, member) : undefined;
    return row?.state === "streaming" && row.replayLagBytes !== null && row.replayLagBytes <= caughtUpLagBytes && ((row.flushLsnBytes ?? -1) > positionAtHeal || row.replayLagBytes === 0);
  });
  const caughtUpAt = caught?.at ?? null;
  const until = caughtUpAt ?? Infinity;

  const { lag, peakLag } = lagDuringIsolation(samples, member, isolatedAt, until);

  const { isolation, slotHeld, firstMissing, peakRetained } = slotDuringIsolation(samples, slot, isolatedAt, healStartAt, until);

  const walGone = walGoneEvidence(input, samples, until);

  const reinit = input.reinits.find((r) => r.member === member && r.status >= 200 && r.status < 300 && r.requestedAt >= isolatedAt && r.requestedAt <= until) ?? null;
  const reinitLine = input.logs.find((l) => l.member === member && l.at >= isolatedAt && l.at <= until && REINIT_LOG.test(l.text));

  const result = (method: ResyncMethod): ResyncVerdict => ({
    member, method, evidence, caughtUpAt, caughtUpSeconds: caughtUpAt === null ? null : (caughtUpAt - input.healedAt) / 1000,
    peakLag, lag, peakRetained, slotHeld, walGone: [...walGone], reinit,
  });

  if (isolation.length === 0) {
    evidence.push("no primary sample during the isolation");
    return result(caughtUpAt === null ? "not-caught-up" : "inconclusive");
  }
  if (walGone.size > 0) evidence.push(`the WAL it needed was gone: ${[...walGone].join("; ")}`);
  if (reinit) evidence.push(`reinitialized through POST /reinitialize at ${new Date(reinit.requestedAt).toISOString()} (${reinit.reason})`);
  else if (reinitLine) evidence.push(`its log shows a re-creation from a base backup: "${reinitLine.text.slice(0, 120)}"`);
  if (caughtUpAt === null) {
    evidence.push(`never streaming within ${caughtUpLagBytes} bytes of the primary after the heal began`);
    return result("not-caught-up");
  }
  evidence.push(`streaming with replay lag ≤ ${caughtUpLagBytes} bytes at ${new Date(caughtUpAt).toISOString()}`);
  if (reinit || reinitLine) return result("reinit");
  if (walGone.size > 0) {
    evidence.push("yet it caught up with no reinitialize this run saw");
    return result("inconclusive");
  }
  if (slotHeld) {
    evidence.push(`its slot ${slot} stayed on the primary through all ${isolation.length} samples of the isolation${peakRetained ? `, holding up to ${peakRetained.bytes} bytes (wal_status ${peakRetained.walStatus})` : ""}`);
    return result("slot");
  }
  evidence.push(firstMissing
    ? `its slot ${slot} was gone from the primary from ${new Date(firstMissing.at).toISOString()} (Patroni drops the slot of a member absent from the DCS): the WAL came from what wal_keep_size kept`
    : `no slot: the WAL came from what wal_keep_size kept`);
  return result("streaming");
}

// ---------------------------------------------------------------------------------------------------
// The run's isolated replicas and the primary's WAL during the isolation.

export interface ResyncAnalysis {
  verdicts: ResyncVerdict[];
  /** pg_wal size on the primary: last sample before the isolation, and the peak from the isolation to the end of catch-up. */
  walDirBefore: { at: number; bytes: number } | null;
  walDirPeak: { at: number; bytes: number } | null;
  samples: number;
  failedSamples: number;
}

/**
 * Per replica isolated by the run's faults (inject targets that the primary listed as replicas before
 * the injection), its verdict; null when the run sampled no resync data.
 */
export function analyseResync(journal: Journal, caughtUpLagBytes: number): ResyncAnalysis | null {
  const r = journal.resync;
  if (!r || r.samples.length === 0) return null;
  const samples = [...r.samples].sort((a, b) => a.at - b.at);
  const injects = journal.faults.filter((f) => f.action === "inject").sort((a, b) => a.startedAt - b.startedAt);
  const verdicts: ResyncVerdict[] = [];
  let windowStart = Infinity;
  let windowEnd = -Infinity;
  for (const inj of injects) {
    const isolatedAt = inj.injectedAt?.length ? Math.min(...inj.injectedAt) : inj.endedAt;
    const recover = journal.faults.filter((f) => f.action === "recover" && f.fault === inj.fault && f.startedAt >= inj.startedAt).sort((a, b) => a.startedAt - b.startedAt)[0];
    const replicasBefore = new Set(samples.filter((s) => s.ok && s.at < isolatedAt).flatMap((s) => s.replication.map((x) => x.name)));
    for (const member of inj.targets.filter((t) => replicasBefore.has(t))) {
      const v = classifyResync({ member, isolatedAt, healStartAt: recover?.startedAt ?? journal.endedAt, healedAt: recover?.endedAt ?? journal.endedAt, samples, reinits: r.reinits, logs: journal.logs, caughtUpLagBytes });
      verdicts.push(v);
      windowStart = Math.min(windowStart, isolatedAt);
      windowEnd = Math.max(windowEnd, v.caughtUpAt ?? journal.endedAt);
    }
  }
  const before = [...samples].reverse().find((s) => s.ok && s.walDirBytes !== undefined && s.at < windowStart);
  let peak: ResyncAnalysis["walDirPeak"] = null;
  for (const s of samples) {
    if (s.ok && s.walDirBytes !== undefined && s.at >= windowStart && s.at <= windowEnd && (peak === null || s.walDirBytes > peak.bytes)) peak = { at: s.at, bytes: s.walDirBytes };
  }
  return {
    verdicts,
    walDirBefore: before ? { at: before.at, bytes: before.walDirBytes! } : null,
    walDirPeak: peak,
    samples: samples.length,
    failedSamples: samples.filter((s) => !s.ok).length,
  };
}

// ---------------------------------------------------------------------------------------------------
// reinit-if-stuck: Patroni 3.0.2 leaves a replica whose WAL is gone retrying forever; the step decides.

export interface StuckDecision {
  member: string;
  action: "streaming" | "wait" | "reinit" | "not-gone";
  reason: string;
}

/**
 * What to do about each replica, from a fresh primary sample: streaming ones are done; within the grace
 * period after healing, wait; after it, reinitialize those whose WAL is gone (and only those: a replica
 * that is merely slow is left alone).
 */
export function decideStuck(replicas: string[], sample: ResyncSample, positions: Record<string, number | undefined>, now: number, graceEndsAt: number, alreadyReinitialized: Set<string>): StuckDecision[] {
  return replicas.map((member): StuckDecision => {
    if (isStreaming(sample, member)) return { member, action: "streaming", reason: "streaming" };
    if (alreadyReinitialized.has(member)) return { member, action: "wait", reason: "reinitialize requested, waiting for it to stream" };
    if (now < graceEndsAt) return { member, action: "wait", reason: `not streaming yet, ${((graceEndsAt - now) / 1000).toFixed(0)} s of grace left` };
    const gone = walGoneReason(member, sample, positions[member]);
    return gone ? { member, action: "reinit", reason: gone } : { member, action: "not-gone", reason: "not streaming, but the WAL it needs is still on the primary" };
  });
}
