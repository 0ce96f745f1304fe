// Stack configuration of the lab, validated at the program's edge (zod).
import { z } from "zod";

/**
 * Stack configuration of the lab, validated at the program's edge. Every value that later reaches a
 * shell or a generated file passes through here first; errors name the key, the value and the range.
 */

/** Names that end up in container names, hostnames and shell words: a conservative DNS-label subset. */
export const dnsLabel = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,30}$/, "must be 1-31 chars of a-z, 0-9 and '-', starting with a letter");

const port = z.number().int().min(1024).max(65535);

/** PostgreSQL GUC names and values as Patroni passes them through (names: identifiers; values: plain). */
const pgParameterValue = z.union([
  z.number(),
  z.boolean(),
  z.string().regex(/^[A-Za-z0-9_.:,\/ -]{0,100}$/, "must be a plain value (letters, digits, _ . : , / - space)"),
]);

export const dcsSchema = z
  .object({
    ttl: z.number().int().min(5).max(300).default(10),
    loopWait: z.number().int().min(1).max(60).default(2),
    retryTimeout: z.number().int().min(1).max(120).default(4),
    maximumLagOnFailover: z.number().int().min(0).max(1 << 30).default(1048576),
    failsafeMode: z.boolean().default(false),
    synchronousMode: z.boolean().default(false),
  })
  .strict()
  .default({ ttl: 10, loopWait: 2, retryTimeout: 4, maximumLagOnFailover: 1048576, failsafeMode: false, synchronousMode: false })
  // Patroni's own rule: loop_wait + 2 * retry_timeout <= ttl, else leader keys expire during retries.
  .refine((d) => d.loopWait + 2 * d.retryTimeout <= d.ttl, {
    message: "loopWait + 2 * retryTimeout must be <= ttl (Patroni's rule, or the leader key expires while retrying)",
  });

export const portsSchema = z
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
const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 };

export function durationSeconds(d: string): number {
  const m = DURATION.exec(d);
  if (!m) throw new Error(`not a duration: ${JSON.stringify(d)}`);
  return Number(m[1]) * UNIT_SECONDS[m[2]];
}

const duration = (minSeconds: number, maxSeconds: number, example: string) =>
  z
    .string()
    .regex(DURATION, `must be a duration like ${example} (a whole number and one of ms, s, m, h, d)`)
    .refine((v) => !DURATION.test(v) || (durationSeconds(v) >= minSeconds && durationSeconds(v) <= maxSeconds), {
      message: `must be between ${minSeconds}s and ${maxSeconds}s`,
    });

/** Alertmanager label names to group by; "..." groups by every label (one notification per alert). */
const labelName = z.string().regex(/^(\.\.\.|[A-Za-z_][A-Za-z0-9_]{0,62})$/, "must be a label name or \"...\"");

export const monitoringSchema = z
  .object({
    enabled: z.boolean().default(true),
    /** Lab defaults are short: the lab measures how fast a fault becomes an alert. */
    scrapeIntervalSeconds: z.number().int().min(1).max(300).default(2),
    evaluationIntervalSeconds: z.number().int().min(1).max(300).default(2),
    /** Prometheus keeps this much history, and never more than retentionSizeMiB on its volume. */
    retention: duration(600, 30 * 86400, "2h").default("2h"),
    retentionSizeMiB: z.number().int().min(64).max(65536).default(256),
    /** Container memory limits (MiB): a storm of errors cannot take the host down. */
    memoryLimitMiB: z
      .object({
        prometheus: z.number().int().min(128).max(16384).default(512),
        alertmanager: z.number().int().min(32).max(2048).default(128),
        receiver: z.number().int().min(32).max(1024).default(64),
      })
      .strict()
      .prefault({}),
    alertmanager: z
      .object({
        groupBy: z.array(labelName).min(1).max(20).default(["..."]),
        groupWait: duration(0, 3600, "1s").default("1s"),
        groupInterval: duration(1, 86400, "5s").default("5s"),
        repeatInterval: duration(60, 7 * 86400, "1h").default("1h"),
      })
      .strict()
      .prefault({}),
    /** Published on 127.0.0.1 only. */
    ports: z
      .object({ prometheus: port.default(19090), alertmanager: port.default(19093), receiver: port.default(19094) })
      .strict()
      .prefault({})
      .refine((p) => new Set(Object.values(p)).size === 3, { message: "prometheus, alertmanager and receiver ports must differ" }),
  })
  .strict()
  .prefault({});

export const labConfigSchema = z
  .object({
    kind: z.literal("lab").default("lab"),
    /** Patroni scope and prefix of every lab object. */
    scope: dnsLabel.default("pgchaos"),
    etcdMembers: z.union([z.literal(1), z.literal(3), z.literal(5)], {
      error: "must be 1, 3 or 5",
    }).default(3),
    patroniNodes: z.number().int().min(2).max(7).default(3),
    dcs: dcsSchema,
    postgresParameters: z
      .record(z.string().regex(/^[a-z_][a-z0-9_.]{0,62}$/, "must be a PostgreSQL parameter name"), pgParameterValue)
      .default({}),
    ports: portsSchema,
    /** HAProxy's health checks of the Patroni REST API: how fast clients follow a new leader (a game-day A/B candidate). */
    haproxy: z
      .object({
        checkIntervalMs: z.number().int().min(100).max(60_000).default(1000),
        fall: z.number().int().min(1).max(10).default(2),
        rise: z.number().int().min(1).max(10).default(1),
      })
      .strict()
      .prefault({}),
    /** Seconds `pulumi up` waits for one leader, streaming replicas and a write/read through HAProxy. */
    readinessTimeoutSeconds: z.number().int().min(30).max(1800).default(240),
    /** Memory limit per container, in MiB, so a runaway member cannot take the host down. */
    memoryLimitMiB: z
      .object({ etcd: z.number().int().min(64).max(4096).default(256), patroni: z.number().int().min(128).max(8192).default(512), haproxy: z.number().int().min(32).max(1024).default(128) })
      .strict()
      .default({ etcd: 256, patroni: 512, haproxy: 128 }),
    /** Prometheus, Alertmanager, the alert receiver and the exporters on every member. */
    monitoring: monitoringSchema,
    /**
     * SSH mode: every member also runs sshd on a 127.0.0.1-published port (etcd i: portBase+i−1, pg i:
     * portBase+10+i−1, haproxy: portBase+20) for user `pgchaos` (passwordless sudo) with a per-stack key;
     * the stack outputs `sshTargets` (usable as a chaos stack's pgchaos:targets) and `sshPrivateKey`.
     */
    ssh: z
      .object({ enabled: z.boolean().default(false), portBase: port.default(12222) })
      .strict()
      .prefault({}),
  })
  .strict();

export type LabConfig = z.infer<typeof labConfigSchema>;
export type DcsConfig = z.infer<typeof dcsSchema>;
export type MonitoringConfig = z.infer<typeof monitoringSchema>;

/** The engine-smoke program: one command that writes a file on create and removes it on delete. */
export const smokeConfigSchema = z.object({ kind: z.literal("smoke"), file: z.string().regex(/^\/[A-Za-z0-9_.\/-]+$/, "must be an absolute path of plain characters") }).strict();

export class ConfigError extends Error {}

/** Turns zod issues into one message per key: `pgchaos:dcs.ttl = 2: must be >= 5`. */
export function formatIssues(namespace: string, raw: Record<string, unknown>, error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const key = issue.path.map(String).join(".");
      const value = issue.path.reduce<unknown>((v, k) => (v && typeof v === "object" ? (v as Record<string, unknown>)[String(k)] : undefined), raw);
      const shown = value === undefined ? "" : ` = ${JSON.stringify(value)}`;
      return `${namespace}:${key || "(root)"}${shown}: ${issue.message}`;
    })
    .join("\n");
}

export function parseConfig<S extends z.ZodTypeAny>(schema: S, namespace: string, raw: Record<string, unknown>): z.infer<S> {
  const result = schema.safeParse(raw);
  if (!result.success) throw new ConfigError(`invalid stack configuration:\n${formatIssues(namespace, raw, result.error)}`);
  return result.data;
}
