// PostgreSQL client helpers: connect, query with a bound, end without hanging.
import { Client } from "pg";

/** Who a client connects as (the lab's superuser, or the user's test account on their own cluster). */
export interface PostgresCredentials {
  user: string;
  password: string;
  database: string;
}

export interface PostgresEndpoint {
  host: string;
  port: number;
  password: string;
  user?: string;
  database?: string;
}

/**
 * A connected client (the endpoint's user and database default to postgres), bounded in connect and
 * query time; a dropped connection surfaces as a query's error (and `onError`), not a crash. The caller ends it.
 */
export async function connectPostgres(e: PostgresEndpoint, opts: { connectTimeoutMs: number; queryTimeoutMs: number; applicationName?: string; onError?: () => void }): Promise<Client> {
  const c = new Client({
    host: e.host, port: e.port, user: e.user ?? "postgres", password: e.password, database: e.database ?? "postgres",
    connectionTimeoutMillis: opts.connectTimeoutMs, query_timeout: opts.queryTimeoutMs, application_name: opts.applicationName,
  });
  c.on("error", opts.onError ?? (() => undefined));
  try {
    await c.connect();
  } catch (err) {
    await endPostgres(c);
    throw err;
  }
  return c;
}

/**
 * Ends a client within `withinMs`, then destroys its socket: pg's end() can stay pending forever once the
 * socket has dropped (brianc/node-postgres#2788, #2923) and, with nothing else alive, node then exits 0
 * with its work unfinished. The timer is kept referenced on purpose, so the process waits for the end.
 */
export async function endPostgres(c: Client, withinMs = 2000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const ended = await Promise.race([
    c.end().then(() => true, () => true),
    new Promise<boolean>((r) => { timer = setTimeout(() => r(false), withinMs); }),
  ]);
  clearTimeout(timer);
  if (!ended) (c as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
}

/** One query on its own short-lived connection, bounded in connect and query time; throws on failure. */
export async function queryPostgres<T = Record<string, any>>(e: PostgresEndpoint, sql: string, params: unknown[] = [], timeoutMs = 5000): Promise<T[]> {
  const c = await connectPostgres(e, { connectTimeoutMs: timeoutMs, queryTimeoutMs: timeoutMs });
  try {
    return (await c.query(sql, params)).rows as T[];
  } finally {
    await endPostgres(c);
  }
}
