// Experiments declared as data (zod): hypothesis, method of fault steps, workload, probes, expectations; the catalog.
import * as fs from "fs";
import * as path from "path";
import { LineCounter, parseDocument } from "yaml";
import { z } from "zod";
import { faultSpec } from "../faults/spec";
import { ExpectationsSchema } from "../checkers/expectations";
import type { ExpectedAlertSpec } from "../checkers/alert-timing";

/**
 * Experiments declared as data (Chaos Toolkit's model): a steady-state hypothesis checked before and
 * after, a method of fault steps applied through the chaos stack, expectations checked against the
 * measured metrics, and a rollback (recover every fault) that always runs.
 */

export const hypothesisCheck = z.discriminatedUnion("check", [
  z.object({ check: z.literal("one-leader") }).strict(),
  z.object({ check: z.literal("replicas-streaming") }).strict(),
  z.object({ check: z.literal("error-rate-below"), percent: z.number().min(0).max(100), seconds: z.number().int().min(1).max(600).default(5) }).strict(),
]);
export type HypothesisCheck = z.infer<typeof hypothesisCheck>;

export const methodStep = z.discriminatedUnion("action", [
  /** Adds faults to the chaos stack and runs `pulumi up` (the user's path, through the Automation API). */
  z.object({ action: z.literal("inject"), faults: z.array(faultSpec).min(1).max(8) }).strict(),
  /** Removes faults by name (default: all) and runs `pulumi up`: their recover commands run. */
  z.object({ action: z.literal("recover"), faults: z.array(z.string()).optional() }).strict(),
  z.object({ action: z.literal("wait"), seconds: z.number().min(0).max(3600) }).strict(),
  /** Waits until Patroni reports a leader other than the one before the first inject. */
  z.object({ action: z.literal("wait-new-leader"), timeoutSeconds: z.number().int().min(1).max(600).default(60) }).strict(),
  /** Waits until one leader and every replica streaming. */
  z.object({ action: z.literal("wait-healthy"), timeoutSeconds: z.number().int().min(1).max(1800).default(120) }).strict(),
  /**
   * Writes at least `megabytes` of WAL on the current primary (bounded bulk inserts into a scratch table,
   * dropped afterwards), then pg_switch_wal() and CHECKPOINT: so a short lab isolation outgrows what
   * wal_keep_size keeps, and the checkpoint recycles what no slot holds.
   */
  z.object({
    action: z.literal("generate-wal"),
    megabytes: z.number().int().min(1, "generate-wal.megabytes: at least 1").max(2048, "generate-wal.megabytes: at most 2048 (the lab's disk)"),
    checkpoint: z.boolean().default(true),
    timeoutSeconds: z.number().int().min(5).max(900).default(120),
  }).strict(),
  /**
   * After healing: any replica not streaming `graceSeconds` after the last recover action whose WAL is gone
   * on the primary (its slot lost, or its received position older than the primary's oldest WAL segment) is
   * reinitialized through Patroni's REST API (POST /reinitialize {"force": true}); then waits until it streams.
   */
  z.object({
    action: z.literal("reinit-if-stuck"),
    graceSeconds: z.number().int().min(1, "reinit-if-stuck.graceSeconds: at least 1").max(600, "reinit-if-stuck.graceSeconds: at most 600").default(30),
    timeoutSeconds: z.number().int().min(10, "reinit-if-stuck.timeoutSeconds: at least 10").max(1800, "reinit-if-stuck.timeoutSeconds: at most 1800").default(300),
  }).strict(),
]);
export type MethodStep = z.infer<typeof methodStep>;

const alertName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,80}$/, "must be an alert name");
const conditionStart = z.string().regex(/^(injection|leader-change|demotion|(fault|recover):[a-z][a-z0-9-]{0,19})$/, "must be injection, leader-change, demotion, fault:NAME or recover:NAME");

export const workloadSchema = z.object({
  writers: z.number().int().min(0).max(32).default(4),
  readers: z.number().int().min(0).max(32).default(2),
  /** Operations per second per client: the default totals a few hundred ops/s. */
  writeRate: z.number().min(0.1).max(500).default(50),
  readRate: z.number().min(0.1).max(500).default(50),
}).strict();


/**
 * Patroni dynamic configuration the runner sets at runtime through the REST API (PATCH /config) before
 * the steady state, and restores afterwards: bootstrap.dcs in patroni.yml only applies at cluster creation.
 */
/** "64MB" / "1GB" → megabytes; undefined when not such a size. */
export function sizeMegabytes(size: string): number | undefined {
  const m = /^(\d+)(MB|GB)$/.exec(size);
  return m ? Number(m[1]) * (m[2] === "GB" ? 1024 : 1) : undefined;
}

/** A PostgreSQL size GUC as Patroni stores it ("64MB"), bounded: Patroni silently ignores some values out of range. */
const walSize = (key: string, minMb: number, maxMb: number, why: string) =>
  z.string()
    .refine((s) => sizeMegabytes(s) !== undefined, { message: `${key}: a size such as "${minMb}MB" or "1GB"` })
    .refine((s) => { const mb = sizeMegabytes(s); return mb === undefined || (mb >= minMb && mb <= maxMb); }, { message: `${key}: must be ${minMb}MB–${maxMb}MB (${why})` });

export const postgresqlConfigSchema = z.object({
  /** false: Patroni drops every member slot (an active one once its walsender ends) and replicas stream without one. */
  use_slots: z.boolean().optional(),
  parameters: z.object({
    // Patroni 3.0.2 only accepts wal_keep_size >= 16MB (smaller values are dropped and its 128MB default used).
    wal_keep_size: walSize("postgresql.parameters.wal_keep_size", 16, 65536, "Patroni ignores values under 16MB"),
    // PostgreSQL needs at least two 16 MB segments for both.
    max_wal_size: walSize("postgresql.parameters.max_wal_size", 32, 65536, "at least two WAL segments"),
    min_wal_size: walSize("postgresql.parameters.min_wal_size", 32, 65536, "at least two WAL segments"),
  }).partial().strict().superRefine((p, ctx) => {
    const [min, max] = [p.min_wal_size && sizeMegabytes(p.min_wal_size), p.max_wal_size && sizeMegabytes(p.max_wal_size)];
    if (min && max && min > max) ctx.addIssue({ code: "custom", path: ["min_wal_size"], message: `postgresql.parameters.min_wal_size (${p.min_wal_size}) must not exceed max_wal_size (${p.max_wal_size})` });
  }).optional(),
}).strict();


export const patroniConfigSchema = z.object({
  failsafe_mode: z.boolean().optional(),
  ttl: z.number().int().min(5).max(600).optional(),
  loop_wait: z.number().int().min(1).max(300).optional(),
  retry_timeout: z.number().int().min(1).max(300).optional(),
  synchronous_mode: z.boolean().optional(),
  postgresql: postgresqlConfigSchema.optional(),
  /**
   * Permanent slots. A physical slot named after a member keeps that member's WAL on the primary while the
   * member is absent from the DCS: Patroni 3.0.2 drops the slot of a member whose key expired, so without
   * one an isolated replica's slot is gone once its walsender times out.
   */
  slots: z.record(z.string(), z.object({ type: z.literal("physical") }).strict()).superRefine((slots, ctx) => {
    // Patroni's rule for slot names (it logs and skips any other): lower case letters, digits and '_'.
    for (const name of Object.keys(slots)) if (!/^[a-z0-9_]{1,63}$/.test(name)) ctx.addIssue({ code: "custom", path: [name], message: `slots: "${name}" is not a slot name (lower case letters, digits and '_', at most 63)` });
    if (Object.keys(slots).length > 16) ctx.addIssue({ code: "custom", message: "slots: at most 16" });
  }).optional(),
}).strict();
export type PatroniConfigSettings = z.infer<typeof patroniConfigSchema>;

/** Direct probes of every PostgreSQL node while the experiment runs (split-brain experiments). */
export const probesSchema = z.object({
  /** pg_is_in_recovery() and a test write on every node's own port, into journal.primaryProbes; row ids per node after healing. */
  singlePrimary: z.boolean().default(false),
  /** A second workload writing directly to the primary-before-the-fault's own port (not through HAProxy). */
  directWriter: z.boolean().default(false),
  intervalMs: z.number().int().min(100).max(5000).default(300),
  /** The primary sampled for replica resync (pg_stat_replication, slots, pg_wal) every resyncIntervalMs, into journal.resync. */
  resync: z.boolean().default(false),
  resyncIntervalMs: z.number().int().min(500, "probes.resyncIntervalMs: at least 500").max(10_000, "probes.resyncIntervalMs: at most 10000").default(1500),
}).strict();

/** A named setting under which the same experiment can run, for side-by-side comparisons. */
export const variantSchema = z.object({
  name: z.string().regex(/^[a-z][a-z0-9-]{0,20}$/, "must be a-z, 0-9 and '-'"),
  title: z.string().min(1).max(80).optional(),
  /** Merged over the experiment's own patroniConfig. */
  patroniConfig: patroniConfigSchema.default({}),
  /** Expected behaviour under this variant: prose appended, assertions added to the experiment's own. */
  expected: z.object({ prose: z.string().min(3).optional(), assertions: ExpectationsSchema.default([]) }).strict().default({ assertions: [] }),
}).strict();
export type Variant = z.infer<typeof variantSchema>;

export const experimentSchema = z.object({
  id: z.string().regex(/^[a-z][a-z0-9-]{0,40}$/, "must be a-z, 0-9 and '-'"),
  title: z.string().min(3).max(120),
  description: z.string().min(3),
  /** Part of the default set run by the README's main command. */
  default: z.boolean().default(false),
  workload: workloadSchema.default({ writers: 4, readers: 2, writeRate: 50, readRate: 50 }),
  steadySeconds: z.object({ before: z.number().min(1).max(600).default(8), after: z.number().min(1).max(600).default(8) }).strict().default({ before: 8, after: 8 }),
  hypothesis: z.array(hypothesisCheck).default([{ check: "one-leader" }, { check: "replicas-streaming" }]),
  method: z.array(methodStep).min(1),
  expected: z.object({ prose: z.string().min(3), assertions: ExpectationsSchema.default([]) }).strict(),
  /**
   * Alerts expected to fire (when monitoring is on): a name, or `{alert, from}` where `from` says when the
   * alert's condition begins — injection (default), leader-change (default for PatroniLeaderChanged), demotion
   * (the old primary stopped accepting writes),
   * fault:NAME (that fault's injection) or recover:NAME (that fault's recovery, e.g. monitoring back).
   */
  expectedAlerts: z.array(z.union([alertName, z.object({ alert: alertName, from: conditionStart }).strict()])).default([]),
  /** Lab settings this experiment needs (checked, not changed, by the runner). */
  requires: z.object({ failsafeMode: z.boolean().optional(), synchronousMode: z.boolean().optional() }).strict().default({}),
  patroniConfig: patroniConfigSchema.default({}),
  probes: probesSchema.default({ singlePrimary: false, directWriter: false, intervalMs: 300, resync: false, resyncIntervalMs: 1500 }),
  /** Settings to compare side by side (`pgchaos compare <id>`); a plain `run` uses the experiment as declared. */
  variants: z.array(variantSchema).max(8).default([]),
  /** Set by withVariant: the variant this experiment object runs as. */
  variant: z.string().optional(),
}).strict().superRefine((e, ctx) => {
  // The step decides on the primary's slots and WAL files: only the resync sampler reads them.
  e.method.forEach((m, i) => {
    if (m.action === "reinit-if-stuck" && !e.probes.resync) ctx.addIssue({ code: "custom", path: ["method", i, "action"], message: "reinit-if-stuck needs probes.resync: true" });
  });
  const injected = new Set(e.method.flatMap((m) => (m.action === "inject" ? m.faults.map((f) => f.name) : [])));
  e.expectedAlerts.forEach((a, i) => {
    const from = typeof a === "string" ? undefined : a.from;
    const fault = from && /^(fault|recover):/.test(from) ? from.slice(from.indexOf(":") + 1) : undefined;
    if (fault && !injected.has(fault)) ctx.addIssue({ code: "custom", path: ["expectedAlerts", i, "from"], message: `${from}: no inject step of this experiment has a fault named ${fault} (has: ${[...injected].join(", ")})` });
  });
  const seen = new Set<string>();
  e.variants.forEach((v, i) => {
    if (seen.has(v.name)) ctx.addIssue({ code: "custom", path: ["variants", i, "name"], message: `duplicate variant ${v.name}` });
    seen.add(v.name);
  });
});
export type Experiment = z.infer<typeof experimentSchema>;

/** The experiment's expected alerts with the moment each one's condition begins. */
export function expectedAlertSpecs(e: Pick<Experiment, "expectedAlerts">): ExpectedAlertSpec[] {
  return e.expectedAlerts.map((a): ExpectedAlertSpec => {
    const alert = typeof a === "string" ? a : a.alert;
    const from = typeof a === "string" ? (alert === "PatroniLeaderChanged" ? "leader-change" : "injection") : a.from;
    if (from === "injection" || from === "leader-change" || from === "demotion") return { alert, from: { kind: from } };
    const [kind, fault] = from.split(":") as ["fault" | "recover", string];
    return { alert, from: { kind, fault } };
  });
}

/** A failover is part of the plan when the method waits for a new leader; a leader change elsewhere is a false failover. */
export const failoverExpected = (e: Pick<Experiment, "method">): boolean => e.method.some((m) => m.action === "wait-new-leader");

/** A variant's settings over the experiment's own, nested objects (postgresql.parameters) merged key by key. */
export function mergeConfig<T extends Record<string, unknown>>(base: T, over: T): T {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = isPlainObject(b) && isPlainObject(v) ? mergeConfig(b, v) : v;
  }
  return out as T;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** The experiment as run under one of its variants: patroniConfig merged, the variant recorded. */
export function withVariant(exp: Experiment, name: string): Experiment {
  const v = exp.variants.find((x) => x.name === name);
  if (!v) throw new ExperimentFileError(`experiment ${exp.id} has no variant ${name} (has: ${exp.variants.map((x) => x.name).join(", ") || "none"})`);
  return {
    ...exp, patroniConfig: mergeConfig(exp.patroniConfig, v.patroniConfig), variant: v.name, title: `${exp.title} [${v.title ?? v.name}]`,
    expected: {
      prose: v.expected.prose ? `${exp.expected.prose.trim()} Under ${v.title ?? v.name}: ${v.expected.prose.trim()}` : exp.expected.prose,
      assertions: [...exp.expected.assertions, ...v.expected.assertions],
    },
  };
}

export const CATALOG_DIR = path.join(__dirname, "catalog");
const RULES_FILE = path.join(__dirname, "..", "..", "monitoring", "rules", "pgchaos.rules.yml");

export class ExperimentFileError extends Error {}

/** A path of keys/indexes in an experiment object, e.g. ["method", 1, "seconds"]. */
type FieldPath = (string | number)[];

/** Sets `value` at `path` in a plain object tree (an override from the command line), creating objects as needed. */
export function setPath(root: Record<string, unknown>, path: FieldPath, value: unknown): void {
  let node: any = root;
  path.forEach((k, i) => {
    if (i === path.length - 1) node[k] = value;
    else {
      if (node[k] === undefined || typeof node[k] !== "object") node[k] = typeof path[i + 1] === "number" ? [] : {};
      node = node[k];
    }
  });
}

/**
 * Parses and validates one experiment file; every error names the file and the line (`file:12: method.1.seconds: …`).
 * `overrides` are applied after parsing and before validation (pgchaos run --set).
 */
export function parseExperiment(text: string, file: string, overrides: { path: FieldPath; value: unknown }[] = []): Experiment {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  if (doc.errors.length) {
    throw new ExperimentFileError(`${file}: invalid YAML\n${doc.errors.map((e) => `  ${file}:${e.linePos?.[0].line ?? "?"}: ${e.message.split("\n")[0]}`).join("\n")}`);
  }
  const raw = (doc.toJS() ?? {}) as Record<string, unknown>;
  for (const o of overrides) setPath(raw, o.path, o.value);
  const result = experimentSchema.safeParse(raw);
  if (result.success) return result.data;
  const lineOf = (path: PropertyKey[]): string => {
    if (overrides.some((o) => o.path.join(".") === path.slice(0, o.path.length).join("."))) return "(--set)";
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n) as (string | number)[], true) as { range?: [number, number, number] } | undefined;
      if (node?.range) return String(lines.linePos(node.range[0]).line);
    }
    return "1";
  };
  const issues = result.error.issues.map((i) => `  ${file}:${lineOf(i.path)}: ${i.path.join(".") || "(root)"}: ${i.message}`).join("\n");
  throw new ExperimentFileError(`${file}: invalid experiment\n${issues}`);
}

/** Names of the alerts the lab's rules define. */
export function ruleAlertNames(rulesFile = RULES_FILE): Set<string> {
  return new Set([...fs.readFileSync(rulesFile, "utf8").matchAll(/^\s*- alert: (\w+)/gm)].map((m) => m[1]));
}

/** Checks an experiment against the rest of the project: its expected alerts must be rules of the lab. */
export function crossCheck(e: Experiment, file: string, known = ruleAlertNames()): void {
  // Expected alerts must be alerts the lab's rules define, or the check could never hold.
  const unknown = expectedAlertSpecs(e).map((a) => a.alert).filter((a) => !known.has(a));
  if (unknown.length) throw new ExperimentFileError(`${file}: ${e.id}: expectedAlerts ${unknown.join(", ")} not defined in ${path.relative(process.cwd(), RULES_FILE)}`);
}

/** Every catalog file, validated one by one: a bad file is a problem of its own and never hides the others. */
export function readCatalog(dir = CATALOG_DIR): { experiments: Experiment[]; problems: string[] } {
  const files = fs.readdirSync(dir).filter((f) => f.endsWith(".yaml")).sort();
  const known = ruleAlertNames();
  const experiments: Experiment[] = [];
  const problems: string[] = [];
  for (const f of files) {
    try {
      const e = parseExperiment(fs.readFileSync(path.join(dir, f), "utf8"), f);
      crossCheck(e, f, known);
      if (experiments.some((x) => x.id === e.id)) throw new ExperimentFileError(`${f}: duplicate experiment id ${e.id}`);
      experiments.push(e);
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  return { experiments, problems };
}

/** Every experiment of the catalog (chaos/experiments/catalog/*.yaml), validated, sorted by file name; throws on any bad file. */
export function loadCatalog(dir = CATALOG_DIR): Experiment[] {
  const { experiments, problems } = readCatalog(dir);
  if (problems.length) throw new ExperimentFileError(problems.join("\n"));
  return experiments;
}
