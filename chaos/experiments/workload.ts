// The client workload: uniquely identified writes through HAProxy's read-write port, reads through the read-only port.
import { Client } from "pg";
import { connectPostgres, endPostgres, type PostgresCredentials } from "../../components/lab/postgres";
import type { ErrorClass, ReadEvent, WriteEvent } from "../checkers/journal";

/**
 * A client that behaves like the seed's application: writers insert uniquely-identified rows through
 * HAProxy's read-write port, readers query the read-only port, each at a bounded rate, reconnecting
 * like a real client after any error. Every operation is logged with its send and acknowledge times.
 */
export interface WorkloadOptions {
  /** HAProxy's (or a VIP's) read-write and read-only addresses. */
  readWrite: { host: string; port: number };
  readOnly: { host: string; port: number };
  credentials: PostgresCredentials;
  writers: number;
  readers: number;
  /** Operations per second per writer/reader. */
  writeRate: number;
  readRate: number;
  /** Prefix of every row id of this run, so the final count only looks at this run's rows. */
  runId: string;
  /** Client-side bound on one operation (a hung connection counts as a timeout, not forever). */
  opTimeoutMs?: number;
}

export const WRITES_TABLE = "pgchaos_writes";
export const CREATE_WRITES_TABLE = `create table if not exists ${WRITES_TABLE} (id text primary key, writer int not null, sent_at timestamptz not null, inserted_at timestamptz not null default clock_timestamp())`;

/** Maps a pg/network error to the classes the report counts. */
export function classifyError(e: unknown): ErrorClass {
  const err = e as { code?: string; message?: string };
  const msg = (err.message ?? String(e)).toLowerCase();
  if (err.code === "25006" || msg.includes("read-only transaction")) return "read_only";
  if (err.code === "57P01" || err.code === "57P02" || err.code === "57P03" || msg.includes("shutting down") || msg.includes("starting up")) return "admin_shutdown";
  if (err.code === "57014" || msg.includes("query read timeout") || msg.includes("statement timeout")) return "query_timeout";
  if (err.code === "ECONNREFUSED") return "connect_refused";
  if (err.code === "ETIMEDOUT" || msg.includes("timeout expired") || msg.includes("connection timeout")) return "connect_timeout";
  if (err.code === "ECONNRESET" || err.code === "EPIPE" || msg.includes("connection terminated") || msg.includes("server closed the connection") || msg.includes("not queryable")) return "connection_reset";
  return "other";
}

/** Rejects when `promise` has not settled within `ms` (the message classifies as a query timeout). */
export function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`query read timeout: no answer within ${ms} ms (client-side deadline)`)), ms); });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

class ReconnectingClient {
  private client: Client | undefined;

  constructor(private readonly address: { host: string; port: number }, private readonly opts: WorkloadOptions) {}

  async query<T>(sql: string, params: unknown[]): Promise<T[]> {
    if (!this.client) {
      const timeout = this.opts.opTimeoutMs ?? 2000;
      // A broken idle connection must not crash the run: it is dropped and the next operation reconnects.
      this.client = await connectPostgres({ ...this.address, ...this.opts.credentials }, { connectTimeoutMs: timeout, queryTimeoutMs: timeout, applicationName: "pgchaos-workload", onError: () => this.drop() });
    }
    try {
      return (await withDeadline(this.client.query(sql, params), this.deadlineMs())).rows as T[];
    } catch (e) {
      this.drop();
      throw e;
    }
  }

  /** pg's query_timeout, then a margin: a query ended under it by a dropped connection can stay pending forever. */
  private deadlineMs(): number {
    return 2 * (this.opts.opTimeoutMs ?? 2000) + 1000;
  }

  drop(): void {
    const c = this.client;
    this.client = undefined;
    if (c) void endPostgres(c);
  }
}

export class Workload {
  readonly writes: WriteEvent[] = [];
  readonly reads: ReadEvent[] = [];
  private running = false;
  private loops: Promise<void>[] = [];
  private seq = 0;

  constructor(private readonly opts: WorkloadOptions) {}

  start(): void {
    this.running = true;
    for (let w = 0; w < this.opts.writers; w++) {
      const client = new ReconnectingClient(this.opts.readWrite, this.opts);
      this.loops.push(this.loop(1000 / this.opts.writeRate, client, () => this.writeOnce(w, client)));
    }
    for (let r = 0; r < this.opts.readers; r++) {
      const client = new ReconnectingClient(this.opts.readOnly, this.opts);
      this.loops.push(this.loop(1000 / this.opts.readRate, client, () => this.readOnce(r, client)));
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
    this.loops = [];
  }

  /** Fixed-rate loop: the next op is scheduled from the previous one's start, never bursting to catch up. */
  private async loop(intervalMs: number, client: ReconnectingClient, op: () => Promise<void>): Promise<void> {
    let next = Date.now() + Math.random() * intervalMs; // spread the clients over the interval
    while (this.running) {
      const wait = next - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      if (!this.running) break;
      next = Math.max(next + intervalMs, Date.now());
      await op();
    }
    client.drop();
  }

  private async writeOnce(writer: number, client: ReconnectingClient): Promise<void> {
    const id = `${this.opts.runId}-${writer}-${++this.seq}`;
    const event: WriteEvent = { id, writer, sentAt: Date.now() };
    this.writes.push(event);
    try {
      const rows = await client.query<{ server: string }>(
        `insert into ${WRITES_TABLE}(id, writer, sent_at) values ($1, $2, now()) returning host(inet_server_addr()) as server`, [id, writer]);
      event.ackAt = Date.now();
      event.server = rows[0]?.server;
    } catch (e) {
      event.doneAt = Date.now();
      event.error = classifyError(e);
      event.errorMessage = String((e as Error).message ?? e).slice(0, 200);
    }
  }

  private async readOnce(reader: number, client: ReconnectingClient): Promise<void> {
    const sentAt = Date.now();
    try {
      const rows = await client.query<{ server: string }>("select host(inet_server_addr()) as server, pg_is_in_recovery() as ro", []);
      this.reads.push({ reader, sentAt, doneAt: Date.now(), ok: true, server: rows[0]?.server });
    } catch (e) {
      this.reads.push({ reader, sentAt, doneAt: Date.now(), ok: false, error: classifyError(e) });
    }
  }
}
