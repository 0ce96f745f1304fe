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

/** One query on its own short-lived connection, bounded in connect and query time; throws on failure. */
export async function queryPostgres<T = Record<string, any>>(e: PostgresEndpoint, sql: string, params: unknown[] = [], timeoutMs = 5000): Promise<T[]> {
  const c = new Client({ host: e.host, port: e.port, user: e.user ?? "postgres", password: e.password, database: e.database ?? "postgres", connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs });
  c.on("error", () => undefined); // a dropped connection surfaces as the query's error, not a crash
  try {
    await c.connect();
    return (await c.query(sql, params)).rows as T[];
  } finally {
    await c.end().catch(() => undefined);
  }
}
