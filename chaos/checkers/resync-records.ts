// What a resync run records in the journal: the primary's samples, reinitializations and WAL bursts; the resync methods.

export const RESYNC_METHODS = ["streaming", "slot", "reinit", "not-caught-up", "inconclusive"] as const;
export type ResyncMethod = (typeof RESYNC_METHODS)[number];

export interface ReplicationRowSample {
  /** application_name: Patroni sets the member's name. */
  name: string;
  state: string;
  /** pg_current_wal_lsn() − sent_lsn / − replay_lsn, bytes. */
  sentLagBytes: number | null;
  replayLagBytes: number | null;
  /** flush_lsn as bytes: what the replica has received and written (it asks for WAL from there on). */
  flushLsnBytes: number | null;
}

export interface SlotRowSample {
  name: string;
  type: string;
  active: boolean;
  /** reserved / extended / unreserved / lost (PostgreSQL 13+). */
  walStatus: string | null;
  restartLsnBytes: number | null;
  /** pg_current_wal_lsn() − restart_lsn: WAL this slot keeps on the primary. */
  retainedBytes: number | null;
}

export interface ResyncSample {
  at: number;
  /** The member asked (the leader as Patroni reported it at that moment). */
  leader: string;
  ok: boolean;
  error?: string;
  currentLsnBytes?: number;
  /** sum(size) of pg_ls_waldir(): the primary's pg_wal on disk. */
  walDirBytes?: number;
  walSegmentBytes?: number;
  /** Oldest WAL segment file still in pg_wal. */
  oldestSegment?: string;
  replication: ReplicationRowSample[];
  slots: SlotRowSample[];
}

export interface ReinitRecord {
  member: string;
  requestedAt: number;
  /** Why the runner reinitialized it (the evidence that its WAL was gone). */
  reason: string;
  /** Patroni's answer to POST /reinitialize. */
  status: number;
  response: string;
  /** First sample showing it streaming again afterwards. */
  streamingAt?: number;
}

/** One generate-wal step as executed: how much WAL the primary wrote, and what pg_wal looked like after. */
export interface WalBurst {
  member: string;
  startedAt: number;
  endedAt: number;
  /** pg_current_wal_lsn() after − before, bytes. */
  bytes: number;
  checkpoint: boolean;
  walDirBytesAfter?: number;
  oldestSegmentAfter?: string;
}

export interface ResyncRecord {
  intervalMs: number;
  samples: ResyncSample[];
  reinits: ReinitRecord[];
  bursts: WalBurst[];
}
