// Direct per-node probes (never through HAProxy) for split-brain runs, and the Patroni dynamic config helpers.
import { Client } from "pg";
import { fetchBounded, getJson } from "../../components/lab/http";
import { connectPostgres, endPostgres, queryPostgres, type PostgresCredentials } from "../../components/lab/postgres";
import type { PrimaryProbeSample } from "../checkers/single-primary";

/**
 * Direct per-node probes for split-brain experiments: every PostgreSQL node is asked, on its own
 * published port (never through HAProxy), whether it is in recovery and whether it accepts a tiny
 * write. The samples feed the single-primary checker (single-primary.ts). Probe writes go to their
 * own table so they never count as workload rows.
 */

export const PROBES_TABLE = "pgchaos_probes";
export const CREATE_PROBES_TABLE = `create table if not exists ${PROBES_TABLE} (id text primary key, node text not null, at timestamptz not null default clock_timestamp())`;

/** Recovery state and WAL position (bytes): the primary's insert position, a replica's replay position. */
const WAL_POSITION_SQL = `select pg_is_in_recovery() as r,
  pg_wal_lsn_diff(case when pg_is_in_recovery() then pg_last_wal_replay_lsn() else pg_current_wal_lsn() end, '0/0')::float8 as wal`;

export interface ProbeTarget {
  node: string;
  host: string;
  port: number;
}

export interface PrimaryProberOptions {
  targets: ProbeTarget[];
  credentials: PostgresCredentials;
  /** Prefix of this run's probe ids. */
  runId: string;
  intervalMs: number;
  /** Bound on connect and on each query: a partitioned node must not stall the probe loop. */
  timeoutMs?: number;
  /**
   * Called when a node answers again after probes it did not answer (e.g. a demoted old primary coming
   * back up before Patroni rewinds it): the moment to read the rows only it has.
   */
  onBackAfterGap?: (node: string, at: number) => void;
}

export class PrimaryProber {
  readonly samples: PrimaryProbeSample[] = [];
  private running = false;
  private loops: Promise<void>[] = [];
  private seq = 0;

  constructor(private readonly opts: PrimaryProberOptions) {}

  start(): void {
    this.running = true;
    this.loops = this.opts.targets.map((t) => this.loop(t));
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
    this.loops = [];
  }

  private async loop(t: ProbeTarget): Promise<void> {
    let client: Client | undefined;
    const drop = () => {
      if (client) void endPostgres(client);
      client = undefined;
    };
    const timeout = this.opts.timeoutMs ?? Math.max(500, Math.min(2000, this.opts.intervalMs * 3));
    let next = Date.now();
    let answered: boolean | undefined;
    while (this.running) {
      const wait = next - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      if (!this.running) break;
      next = Math.max(next + this.opts.intervalMs, Date.now());
      const at = Date.now();
      let inRecovery: boolean | undefined;
      let writeOk = false;
      let walBytes: number | undefined;
      try {
        if (!client) {
          client = await connectPostgres({ host: t.host, port: t.port, ...this.opts.credentials }, { connectTimeoutMs: timeout, queryTimeoutMs: timeout, applicationName: "pgchaos-probe", onError: drop });
        }
        const row = (await client.query(WAL_POSITION_SQL)).rows[0] as { r: boolean; wal: number | null } | undefined;
        inRecovery = row?.r;
        walBytes = row?.wal ?? undefined;
        if (inRecovery === false) {
          // The write is attempted only where it can succeed: a node in recovery rejects it anyway.
          await client.query(`insert into ${PROBES_TABLE}(id, node) values ($1, $2)`, [`${this.opts.runId}-${t.node}-${++this.seq}`, t.node]);
          writeOk = true;
        }
      } catch {
        drop();
      }
      this.samples.push({ at, node: t.node, inRecovery, writeOk, ...(walBytes !== undefined ? { walBytes } : {}) });
      if (inRecovery !== undefined && answered === false) this.opts.onBackAfterGap?.(t.node, at);
      answered = inRecovery !== undefined;
    }
    drop();
  }
}

/** One query on one node's own port, bounded; undefined when the node does not answer. */
export async function queryNode<T = Record<string, unknown>>(t: ProbeTarget, credentials: PostgresCredentials, sql: string, params: unknown[] = [], timeoutMs = 5000): Promise<T[] | undefined> {
  return queryPostgres<T>({ host: t.host, port: t.port, ...credentials }, sql, params, timeoutMs).catch(() => undefined);
}

/**
 * Row ids of this run on each node, read concurrently and as early as possible (a rewind would erase
 * the divergent ones). Nodes that do not answer are absent from the result.
 */
export async function readNodeRowIds(targets: ProbeTarget[], credentials: PostgresCredentials, table: string, idPrefix: string): Promise<Record<string, string[]>> {
  const results = await Promise.all(targets.map(async (t) => [t.node, await queryNode<{ id: string }>(t, credentials, `select id from ${table} where id like $1`, [`${idPrefix}%`])] as const));
  return Object.fromEntries(results.filter(([, rows]) => rows !== undefined).map(([node, rows]) => [node, rows!.map((r) => r.id)]));
}

/** Per node, the union of several snapshots (rows only disappear through a rewind, which the earliest snapshot predates). */
export function mergeRowSnapshots(...snapshots: Record<string, string[]>[]): Record<string, string[]> {
  const out: Record<string, Set<string>> = {};
  for (const s of snapshots) for (const [node, ids] of Object.entries(s)) for (const id of ids) (out[node] ??= new Set()).add(id);
  return Object.fromEntries(Object.entries(out).map(([node, ids]) => [node, [...ids].sort()]));
}

// ---------------------------------------------------------------------------------------------------
// Patroni's dynamic configuration at runtime (failsafe_mode, ttl, ...): patroni.yml's bootstrap.dcs only
// applies when the cluster is created, so experiments change it through the REST API (PATCH /config),
// which stores it in the DCS for every member, and restore it afterwards.

export type PatroniDynamicConfig = Record<string, unknown>;

export async function getPatroniConfig(restUrl: string): Promise<PatroniDynamicConfig> {
  return getJson<PatroniDynamicConfig>(`${restUrl}/config`, {}, 5000);
}

export async function patchPatroniConfig(restUrl: string, patch: PatroniDynamicConfig): Promise<PatroniDynamicConfig> {
  return fetchBounded(`${restUrl}/config`, { method: "PATCH", body: JSON.stringify(patch), headers: { "content-type": "application/json" } }, 10_000, async (res) => {
    if (!res.ok) throw new Error(`PATCH ${restUrl}/config ${JSON.stringify(patch)}: HTTP ${res.status} ${(await res.text()).slice(0, 200)}`);
    return (await res.json()) as PatroniDynamicConfig;
  });
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Deep equality of JSON values (the config's leaves: booleans, numbers, strings, small objects). */
const sameJson = (a: unknown, b: unknown): boolean =>
  isObject(a) && isObject(b) ? Object.keys({ ...a, ...b }).every((k) => sameJson(a[k], b[k])) : a === b;

/**
 * The keys of `wanted` whose current value differs, with the value to restore afterwards. Nested objects
 * (postgresql.parameters) are compared leaf by leaf, since Patroni's PATCH merges them the same way; a key
 * absent from the current config is restored with null, which PATCH /config removes.
 */
export function configDelta(current: PatroniDynamicConfig, wanted: PatroniDynamicConfig): { patch: PatroniDynamicConfig; restore: PatroniDynamicConfig } {
  const patch: PatroniDynamicConfig = {};
  const restore: PatroniDynamicConfig = {};
  for (const [k, v] of Object.entries(wanted)) {
    if (v === undefined || sameJson(current[k], v)) continue;
    if (isObject(v) && isObject(current[k])) {
      const inner = configDelta(current[k] as PatroniDynamicConfig, v);
      if (Object.keys(inner.patch).length === 0) continue;
      patch[k] = inner.patch;
      restore[k] = inner.restore;
      continue;
    }
    patch[k] = v;
    restore[k] = current[k] === undefined ? null : current[k];
  }
  return { patch, restore };
}

/** The part of `current` that `wanted` names (same shape), for the journal's "in effect" column. */
export function configProjection(current: PatroniDynamicConfig, wanted: PatroniDynamicConfig): PatroniDynamicConfig {
  return Object.fromEntries(Object.entries(wanted).map(([k, v]) => [k,
    isObject(v) && isObject(current[k]) ? configProjection(current[k] as PatroniDynamicConfig, v) : current[k] ?? null]));
}

/** Every leaf of `wanted` has that value in `current` (the PATCH has reached this member's view of the DCS). */
export function configIncludes(current: PatroniDynamicConfig, wanted: PatroniDynamicConfig): boolean {
  return sameJson(configProjection(current, wanted), wanted);
}
