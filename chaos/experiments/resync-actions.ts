// Resync steps that act on the cluster: reinitialize a replica stuck without its WAL, generate WAL on the primary.
import { connectPostgres, endPostgres, type PostgresEndpoint } from "../../components/lab/postgres";
import { decideStuck, isStreaming, lastFlushBefore, type ReinitRecord, type ResyncSample, type StuckDecision, type WalBurst } from "../checkers/resync";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface ReinitStepOptions {
  graceSeconds: number;
  timeoutSeconds: number;
  /** End of the recover action that healed the isolation: the grace period starts here. */
  healedAt: number;
  /** Patroni members that should be streaming from the leader now. */
  replicas: () => string[];
  /** A fresh sample of the leader (also kept in the journal). */
  sample: () => Promise<ResyncSample | undefined>;
  samples: () => ResyncSample[];
  /** The member's received (else replayed) WAL position from its own Patroni (GET /patroni), bytes. */
  memberPosition: (member: string) => Promise<number | undefined>;
  /** POST /reinitialize {"force": true} on the member. */
  reinitialize: (member: string) => Promise<{ status: number; body: string }>;
  log: (line: string) => void;
  reinits: ReinitRecord[];
  notes: string[];
}

/**
 * The reinit-if-stuck step: waits until every replica streams; a replica still not streaming after the
 * grace period whose WAL is gone is reinitialized (once; a refused request is retried every 10 s), and
 * why is recorded. Returns when all stream or the timeout ends (then a note says who did not).
 */
export async function reinitIfStuck(o: ReinitStepOptions): Promise<void> {
  const graceEndsAt = o.healedAt + o.graceSeconds * 1000;
  const deadline = Math.max(Date.now(), graceEndsAt) + o.timeoutSeconds * 1000;
  const requested = new Set<string>();
  const retryAt = new Map<string, number>();
  const toldNotGone = new Set<string>();
  let last: StuckDecision[] = [];
  while (Date.now() < deadline) {
    const sample = await o.sample();
    if (!sample?.ok) {
      await sleep(1000);
      continue;
    }
    const now = Date.now();
    const replicas = o.replicas();
    const positions: Record<string, number | undefined> = {};
    for (const m of replicas) {
      if (!isStreaming(sample, m) && now >= graceEndsAt && !requested.has(m)) positions[m] = (await o.memberPosition(m).catch(() => undefined)) ?? lastFlushBefore(o.samples(), m, now);
    }
    last = decideStuck(replicas, sample, positions, now, graceEndsAt, requested);
    for (const d of last) {
      if (d.action === "streaming") {
        const rec = o.reinits.find((r) => r.member === d.member && r.status < 300 && r.streamingAt === undefined);
        if (rec) {
          rec.streamingAt = sample.at;
          o.log(`    ${d.member} streaming again ${((sample.at - rec.requestedAt) / 1000).toFixed(1)} s after the reinitialize request`);
        }
      } else if (d.action === "reinit" && (retryAt.get(d.member) ?? 0) <= now) {
        o.log(`    ${d.member} not streaming ${((now - o.healedAt) / 1000).toFixed(0)} s after healing and ${d.reason}: POST /reinitialize {"force": true}`);
        const requestedAt = Date.now();
        const answer = await o.reinitialize(d.member).catch((e: Error) => ({ status: 0, body: e.message }));
        o.reinits.push({ member: d.member, requestedAt, reason: d.reason, status: answer.status, response: answer.body.slice(0, 200) });
        o.notes.push(`${d.member} reinitialized at ${new Date(requestedAt).toISOString()} (POST /reinitialize → HTTP ${answer.status} ${answer.body.slice(0, 80)}): not streaming ${((requestedAt - o.healedAt) / 1000).toFixed(0)} s after healing and ${d.reason}`);
        if (answer.status >= 200 && answer.status < 300) requested.add(d.member);
        else retryAt.set(d.member, Date.now() + 10_000);
      } else if (d.action === "not-gone" && !toldNotGone.has(d.member)) {
        toldNotGone.add(d.member);
        o.log(`    ${d.member} ${d.reason}: not reinitialized, still waiting`);
      }
    }
    if (last.every((d) => d.action === "streaming")) return;
    await sleep(1000);
  }
  const stuck = last.filter((d) => d.action !== "streaming");
  o.notes.push(`reinit-if-stuck: after ${o.timeoutSeconds} s not streaming: ${stuck.map((d) => `${d.member} (${d.reason})`).join("; ") || "no leader sample"}`);
  o.log(`    not every replica streaming within ${o.timeoutSeconds} s: ${stuck.map((d) => d.member).join(", ")}`);
}

/** Rows of about 1 kB (uncompressed: under TOAST's threshold), 16k per statement: ~20 MB of WAL each. */
const WALGEN_TABLE = "pgchaos_walgen";
const WALGEN_BATCH = `insert into ${WALGEN_TABLE} select g, repeat(md5(g::text), 31) from generate_series(1, 16000) g`;

/**
 * The generate-wal step: at least `megabytes` of WAL on the primary through bounded bulk inserts into a
 * scratch table (dropped afterwards), then pg_switch_wal() and, when asked, CHECKPOINT. Measured, not assumed:
 * the WAL written is the primary's own LSN difference.
 */
export async function generateWal(member: string, endpoint: PostgresEndpoint, megabytes: number, checkpoint: boolean, timeoutMs: number): Promise<WalBurst> {
  const startedAt = Date.now();
  const deadline = startedAt + timeoutMs;
  const c = await connectPostgres(endpoint, { connectTimeoutMs: 10_000, queryTimeoutMs: timeoutMs, applicationName: "pgchaos-generate-wal" });
  try {
    const lsn = async () => Number((await c.query("select pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::float8 as b")).rows[0].b);
    const start = await lsn();
    await c.query(`create table if not exists ${WALGEN_TABLE} (id int, pad text)`);
    let written = 0;
    while ((written = (await lsn()) - start) < megabytes * 1048576) {
      if (Date.now() > deadline) throw new Error(`generate-wal: only ${written} bytes of WAL within ${timeoutMs / 1000} s`);
      await c.query(WALGEN_BATCH);
    }
    await c.query(`drop table ${WALGEN_TABLE}`);
    await c.query("select pg_switch_wal()");
    if (checkpoint) await c.query("checkpoint");
    const after = (await c.query("select (select coalesce(sum(size), 0) from pg_ls_waldir())::float8 as d, (select min(name) from pg_ls_waldir() where name ~ '^[0-9A-F]{24}$') as o")).rows[0];
    return { member, startedAt, endedAt: Date.now(), bytes: (await lsn()) - start, checkpoint, walDirBytesAfter: Number(after.d), oldestSegmentAfter: after.o ?? undefined };
  } finally {
    await endPostgres(c);
  }
}
