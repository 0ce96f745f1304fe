"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.ConfigError = exports.smokeConfigSchema = exports.labConfigSchema = exports.monitoringSchema = exports.portsSchema = exports.dcsSchema = exports.dnsLabel = void 0;
exports.durationSeconds = durationSeconds;
exports.formatIssues = formatIssues;
exports.parseConfig = parseConfig;
// Stack configuration of the lab, validated at the program's edge (zod).
const zod_1 = require("zod");
/**
 * Stack configuration of the lab, validated at the program's edge. Every value that later reaches a
 * shell or a generated file passes through here first; errors name the key, the value and the range.
 */
/** Names that end up in container names, hostnames and shell words: a conservative DNS-label subset. */
exports.dnsLabel = zod_1.z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,30}$/, "must be 1-31 chars of a-z, 0-9 and '-', starting with a letter");
const port = zod_1.z.number().int().min(1024).max(65535);
/** PostgreSQL GUC names and values as Patroni passes them through (names: identifiers; values: plain). */
const pgParameterValue = zod_1.z.union([
    zod_1.z.number(),
    zod_1.z.boolean(),
    zod_1.z.string().regex(/^[A-Za-z0-9_.:,\/ -]{0,100}$/, "must be a plain value (letters, digits, _ . : , / - space)"),
]);
exports.dcsSchema = zod_1.z
    .object({
    ttl: zod_1.z.number().int().min(5).max(300).default(10),
    loopWait: zod_1.z.number().int().min(1).max(60).default(2),
    retryTimeout: zod_1.z.number().int().min(1).max(120).default(4),
    maximumLagOnFailover: zod_1.z.number().int().min(0).max(1 << 30).default(1048576),
    failsafeMode: zod_1.z.boolean().default(false),
    synchronousMode: zod_1.z.boolean().default(false),
})
    .strict()
    .default({ ttl: 10, loopWait: 2, retryTimeout: 4, maximumLagOnFailover: 1048576, failsafeMode: false, synchronousMode: false })
    // Patroni's own rule: loop_wait + 2 * retry_timeout <= ttl, else leader keys expire during retries.
    .refine((d) => d.loopWait + 2 * d.retryTimeout <= d.ttl, {
    message: "loopWait + 2 * retryTimeout must be <= ttl (Patroni's rule, or the leader key expires while retrying)",
});
exports.portsSchema = zod_1.z
    .object({
    readWrite: port.default(15432),
    readOnly: port.default(15433),
    haproxyStats: port.default(18404),
    /** Base of the per-node ports; node i (1-based) gets base + i - 1. */
    postgresBase: port.default(15441),
    patroniRestBase: port.default(18009),
    etcdClientBase: port.default(12380),
})
    .strict()
    .default({ readWrite: 15432, readOnly: 15433, haproxyStats: 18404, postgresBase: 15441, patroniRestBase: 18009, etcdClientBase: 12380 });
/** A duration as Prometheus and Alertmanager write it: one number and one unit (500ms, 2s, 5m, 2h, 1d). */
const DURATION = /^(0|[1-9][0-9]{0,6})(ms|s|m|h|d)$/;
const UNIT_SECONDS = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 };
function durationSeconds(d) {
    const m = DURATION.exec(d);
    if (!m)
        throw new Error(`not a duration: ${JSON.stringify(d)}`);
    return Number(m[1]) * UNIT_SECONDS[m[2]];
}
const duration = (minSeconds, maxSeconds, example) => zod_1.z
    .string()
    .regex(DURATION, `must be a duration like ${example} (a whole number and one of ms, s, m, h, d)`)
    .refine((v) => !DURATION.test(v) || (durationSeconds(v) >= minSeconds && durationSeconds(v) <= maxSeconds), {
    message: `must be between ${minSeconds}s and ${maxSeconds}s`,
});
/** Alertmanager label names to group by; "..." groups by every label (one notification per alert). */
const labelName = zod_1.z.string().regex(/^(\.\.\.|[A-Za-z_][A-Za-z0-9_]{0,62})$/, "must be a label name or \"...\"");
exports.monitoringSchema = zod_1.z
    .object({
    enabled: zod_1.z.boolean().default(true),
    /** Lab defaults are short: the lab measures how fast a fault becomes an alert. */
    scrapeIntervalSeconds: zod_1.z.number().int().min(1).max(300).default(2),
    evaluationIntervalSeconds: zod_1.z.number().int().min(1).max(300).default(2),
    /** Prometheus keeps this much history, and never more than retentionSizeMiB on its volume. */
    retention: duration(600, 30 * 86400, "2h").default("2h"),
    retentionSizeMiB: zod_1.z.number().int().min(64).max(65536).default(256),
    /** Container memory limits (MiB): a storm of errors cannot take the host down. */
    memoryLimitMiB: zod_1.z
        .object({
        prometheus: zod_1.z.number().int().min(128).max(16384).default(512),
        alertmanager: zod_1.z.number().int().min(32).max(2048).default(128),
        receiver: zod_1.z.number().int().min(32).max(1024).default(64),
    })
        .strict()
        .prefault({}),
    alertmanager: zod_1.z
        .object({
        groupBy: zod_1.z.array(labelName).min(1).max(20).default(["..."]),
        groupWait: duration(0, 3600, "1s").default("1s"),
        groupInterval: duration(1, 86400, "5s").default("5s"),
        repeatInterval: duration(60, 7 * 86400, "1h").default("1h"),
    })
        .strict()
        .prefault({}),
    /** Published on 127.0.0.1 only. */
    ports: zod_1.z
        .object({ prometheus: port.default(19090), alertmanager: port.default(19093), receiver: port.default(19094) })
        .strict()
        .prefault({})
        .refine((p) => new Set(Object.values(p)).size === 3, { message: "prometheus, alertmanager and receiver ports must differ" }),
})
    .strict()
    .prefault({});
exports.labConfigSchema = zod_1.z
    .object({
    kind: zod_1.z.literal("lab").default("lab"),
    /** Patroni scope and prefix of every lab object. */
    scope: exports.dnsLabel.default("pgchaos"),
    etcdMembers: zod_1.z.union([zod_1.z.literal(1), zod_1.z.literal(3), zod_1.z.literal(5)], {
        error: "must be 1, 3 or 5",
    }).default(3),
    patroniNodes: zod_1.z.number().int().min(2).max(7).default(3),
    dcs: exports.dcsSchema,
    postgresParameters: zod_1.z
        .record(zod_1.z.string().regex(/^[a-z_][a-z0-9_.]{0,62}$/, "must be a PostgreSQL parameter name"), pgParameterValue)
        .default({}),
    ports: exports.portsSchema,
    /** HAProxy's health checks of the Patroni REST API: how fast clients follow a new leader (a game-day A/B candidate). */
    haproxy: zod_1.z
        .object({
        checkIntervalMs: zod_1.z.number().int().min(100).max(60_000).default(1000),
        fall: zod_1.z.number().int().min(1).max(10).default(2),
        rise: zod_1.z.number().int().min(1).max(10).default(1),
    })
        .strict()
        .prefault({}),
    /** Seconds `pulumi up` waits for one leader, streaming replicas and a write/read through HAProxy. */
    readinessTimeoutSeconds: zod_1.z.number().int().min(30).max(1800).default(240),
    /** Memory limit per container, in MiB, so a runaway member cannot take the host down. */
    memoryLimitMiB: zod_1.z
        .object({ etcd: zod_1.z.number().int().min(64).max(4096).default(256), patroni: zod_1.z.number().int().min(128).max(8192).default(512), haproxy: zod_1.z.number().int().min(32).max(1024).default(128) })
        .strict()
        .default({ etcd: 256, patroni: 512, haproxy: 128 }),
    /** Prometheus, Alertmanager, the alert receiver and the exporters on every member. */
    monitoring: exports.monitoringSchema,
    /**
     * SSH mode: every member also runs sshd on a 127.0.0.1-published port (etcd i: portBase+i−1, pg i:
     * portBase+10+i−1, haproxy: portBase+20) for user `pgchaos` (passwordless sudo) with a per-stack key;
     * the stack outputs `sshTargets` (usable as a chaos stack's pgchaos:targets) and `sshPrivateKey`.
     */
    ssh: zod_1.z
        .object({ enabled: zod_1.z.boolean().default(false), portBase: port.default(12222) })
        .strict()
        .prefault({}),
})
    .strict();
/** The engine-smoke program: one command that writes a file on create and removes it on delete. */
exports.smokeConfigSchema = zod_1.z.object({ kind: zod_1.z.literal("smoke"), file: zod_1.z.string().regex(/^\/[A-Za-z0-9_.\/-]+$/, "must be an absolute path of plain characters") }).strict();
class ConfigError extends Error {
}
exports.ConfigError = ConfigError;
/** Turns zod issues into one message per key: `pgchaos:dcs.ttl = 2: must be >= 5`. */
function formatIssues(namespace, raw, error) {
    return error.issues
        .map((issue) => {
        const key = issue.path.map(String).join(".");
        const value = issue.path.reduce((v, k) => (v && typeof v === "object" ? v[String(k)] : undefined), raw);
        const shown = value === undefined ? "" : ` = ${JSON.stringify(value)}`;
        return `${namespace}:${key || "(root)"}${shown}: ${issue.message}`;
    })
        .join("\n");
}
function parseConfig(schema, namespace, raw) {
    const result = schema.safeParse(raw);
    if (!result.success)
        throw new ConfigError(`invalid stack configuration:\n${formatIssues(namespace, raw, result.error)}`);
    return result.data;
}
