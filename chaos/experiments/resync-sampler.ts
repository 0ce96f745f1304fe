// Samples the current leader for the resync classifier: pg_stat_replication, slots, WAL position and pg_wal, every ~1.5 s.
import { queryPostgres, type PostgresEndpoint } from "../../components/lab/postgres";
import type { ResyncSample } from "../checkers/resync";

// ---------------------------------------------------------------------------------------------------
// Sampling.

/** One round trip: everything the classifier needs from the primary. Fails on a replica (pg_current_wal_lsn). */
export const RESYNC_SQL = `select pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::float8 as current_lsn,
  (select coalesce(sum(size), 0) from pg_ls_waldir())::float8 as wal_dir_bytes,
  (select min(name) from pg_ls_waldir() where name ~ '^[0-9A-F]{24}$') as oldest_segment,
  (select setting::float8 from pg_settings where name = 'wal_segment_size') as wal_segment_bytes,
  coalesce((select json_agg(json_build_object('name', application_name, 'state', state,
      'sent', pg_wal_lsn_diff(pg_current_wal_lsn(), sent_lsn), 'replay', pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn),
      'flush', pg_wal_lsn_diff(flush_lsn, '0/0'))) from pg_stat_replication), '[]'::json) as replication,
  coalesce((select json_agg(json_build_object('name', slot_name, 'type', slot_type, 'active', active, 'walStatus', wal_status,
      'restart', pg_wal_lsn_diff(restart_lsn, '0/0'), 'retained', pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn))) from pg_replication_slots), '[]'::json) as slots`;

const num = (v: unknown): number | null => (v === null || v === undefined || Number.isNaN(Number(v)) ? null : Number(v));

/** A row of RESYNC_SQL as a sample. */
export function parseResyncRow(at: number, leader: string, row: Record<string, any>): ResyncSample {
  return {
    at, leader, ok: true,
    currentLsnBytes: num(row.current_lsn) ?? undefined,
    walDirBytes: num(row.wal_dir_bytes) ?? undefined,
    walSegmentBytes: num(row.wal_segment_bytes) ?? undefined,
    oldestSegment: row.oldest_segment ?? undefined,
    replication: (row.replication as any[]).map((r) => ({ name: String(r.name), state: String(r.state), sentLagBytes: num(r.sent), replayLagBytes: num(r.replay), flushLsnBytes: num(r.flush) })),
    slots: (row.slots as any[]).map((s) => ({
      name: String(s.name), type: String(s.type), active: Boolean(s.active), walStatus: s.walStatus ?? null, restartLsnBytes: num(s.restart), retainedBytes: num(s.retained),
    })),
  };
}

export async function sampleLeader(leader: string, endpoint: PostgresEndpoint, timeoutMs = 3000): Promise<ResyncSample> {
  const at = Date.now();
  try {
    const [row] = await queryPostgres(endpoint, RESYNC_SQL, [], timeoutMs);
    return parseResyncRow(at, leader, row);
  } catch (e) {
    return { at, leader, ok: false, error: (e as Error).message.slice(0, 200), replication: [], slots: [] };
  }
}

export interface ResyncSamplerOptions {
  /** The current leader's name (Patroni's view), undefined when there is none. */
  leader: () => string | undefined;
  endpoint: (member: string) => PostgresEndpoint;
  intervalMs: number;
}

/** Samples the current leader every intervalMs until stopped; a tick with no leader is skipped. */
export class ResyncSampler {
  readonly samples: ResyncSample[] = [];
  private running = false;
  private loop: Promise<void> | undefined;

  constructor(private readonly opts: ResyncSamplerOptions) {}

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  /** One sample now, outside the loop (the reinit step decides on a fresh one). */
  async sampleNow(): Promise<ResyncSample | undefined> {
    const leader = this.opts.leader();
    if (!leader) return undefined;
    const s = await sampleLeader(leader, this.opts.endpoint(leader), Math.min(3000, this.opts.intervalMs * 2));
    this.samples.push(s);
    return s;
  }

  private async run(): Promise<void> {
    let next = Date.now();
    while (this.running) {
      const wait = next - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      if (!this.running) break;
      next = Math.max(next + this.opts.intervalMs, Date.now());
      await this.sampleNow();
    }
  }
}
