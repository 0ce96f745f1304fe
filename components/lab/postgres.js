"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.connectPostgres = connectPostgres;
exports.endPostgres = endPostgres;
exports.queryPostgres = queryPostgres;
// PostgreSQL client helpers: connect, query with a bound, end without hanging.
const pg_1 = require("pg");
/**
 * A connected client (the endpoint's user and database default to postgres), bounded in connect and
 * query time; a dropped connection surfaces as a query's error (and `onError`), not a crash. The caller ends it.
 */
async function connectPostgres(e, opts) {
    const c = new pg_1.Client({
        host: e.host, port: e.port, user: e.user ?? "postgres", password: e.password, database: e.database ?? "postgres",
        connectionTimeoutMillis: opts.connectTimeoutMs, query_timeout: opts.queryTimeoutMs, application_name: opts.applicationName,
    });
    c.on("error", opts.onError ?? (() => undefined));
    try {
        await c.connect();
    }
    catch (err) {
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
async function endPostgres(c, withinMs = 2000) {
    let timer;
    const ended = await Promise.race([
        c.end().then(() => true, () => true),
        new Promise((r) => { timer = setTimeout(() => r(false), withinMs); }),
    ]);
    clearTimeout(timer);
    if (!ended)
        c.connection?.stream?.destroy();
}
/** One query on its own short-lived connection, bounded in connect and query time; throws on failure. */
async function queryPostgres(e, sql, params = [], timeoutMs = 5000) {
    const c = await connectPostgres(e, { connectTimeoutMs: timeoutMs, queryTimeoutMs: timeoutMs });
    try {
        return (await c.query(sql, params)).rows;
    }
    finally {
        await endPostgres(c);
    }
}
