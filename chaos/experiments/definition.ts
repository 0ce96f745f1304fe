import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { z } from "zod";
import { faultSpec } from "../faults/spec";
import { ExpectationsSchema } from "./expectations";

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
]);
export type MethodStep = z.infer<typeof methodStep>;

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
export const patroniConfigSchema = z.object({
  failsafe_mode: z.boolean().optional(),
  ttl: z.number().int().min(5).max(600).optional(),
  loop_wait: z.number().int().min(1).max(300).optional(),
  retry_timeout: z.number().int().min(1).max(300).optional(),
  synchronous_mode: z.boolean().optional(),
}).strict();
export type PatroniConfigSettings = z.infer<typeof patroniConfigSchema>;

/** Direct probes of every PostgreSQL node while the experiment runs (split-brain experiments). */
export const probesSchema = z.object({
  /** pg_is_in_recovery() and a test write on every node's own port, into journal.primaryProbes; row ids per node after healing. */
  singlePrimary: z.boolean().default(false),
  /** A second workload writing directly to the primary-before-the-fault's own port (not through HAProxy). */
  directWriter: z.boolean().default(false),
  intervalMs: z.number().int().min(100).max(5000).default(300),
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
  /** Alerts expected to fire (when monitoring is on), by alert name. */
  expectedAlerts: z.array(z.string()).default([]),
  /** Lab settings this experiment needs (checked, not changed, by the runner). */
  requires: z.object({ failsafeMode: z.boolean().optional(), synchronousMode: z.boolean().optional() }).strict().default({}),
  patroniConfig: patroniConfigSchema.default({}),
  probes: probesSchema.default({ singlePrimary: false, directWriter: false, intervalMs: 300 }),
  /** Settings to compare side by side (`pgchaos compare <id>`); a plain `run` uses the experiment as declared. */
  variants: z.array(variantSchema).max(8).default([]),
  /** Set by withVariant: the variant this experiment object runs as. */
  variant: z.string().optional(),
}).strict().superRefine((e, ctx) => {
  const seen = new Set<string>();
  e.variants.forEach((v, i) => {
    if (seen.has(v.name)) ctx.addIssue({ code: "custom", path: ["variants", i, "name"], message: `duplicate variant ${v.name}` });
    seen.add(v.name);
  });
});
export type Experiment = z.infer<typeof experimentSchema>;

/** The experiment as run under one of its variants: patroniConfig merged, the variant recorded. */
export function withVariant(exp: Experiment, name: string): Experiment {
  const v = exp.variants.find((x) => x.name === name);
  if (!v) throw new ExperimentFileError(`experiment ${exp.id} has no variant ${name} (has: ${exp.variants.map((x) => x.name).join(", ") || "none"})`);
  return {
    ...exp, patroniConfig: { ...exp.patroniConfig, ...v.patroniConfig }, variant: v.name, title: `${exp.title} [${v.title ?? v.name}]`,
    expected: {
      prose: v.expected.prose ? `${exp.expected.prose.trim()} Under ${v.title ?? v.name}: ${v.expected.prose.trim()}` : exp.expected.prose,
      assertions: [...exp.expected.assertions, ...v.expected.assertions],
    },
  };
}

export const CATALOG_DIR = path.join(__dirname, "catalog");
const RULES_FILE = path.join(__dirname, "..", "..", "monitoring", "rules", "pgchaos.rules.yml");

export class ExperimentFileError extends Error {}

export function parseExperiment(text: string, file: string): Experiment {
  const result = experimentSchema.safeParse(parse(text));
  if (!result.success) {
    const issues = result.error.issues.map((i) => `  ${i.path.join(".") || "(root)"}: ${i.message}`).join("\n");
    throw new ExperimentFileError(`${file}: invalid experiment\n${issues}`);
  }
  return result.data;
}

/** Every experiment of the catalog (chaos/experiments/catalog/*.yaml), validated, sorted by file name. */
export function loadCatalog(dir = CATALOG_DIR): Experiment[] {
  const files = fs.readdirSync(dir).filter((f) => f.endsWith(".yaml")).sort();
  const experiments = files.map((f) => parseExperiment(fs.readFileSync(path.join(dir, f), "utf8"), f));
  // Expected alerts must be alerts the lab's rules define, or the check could never hold.
  const rules = fs.readFileSync(RULES_FILE, "utf8");
  const known = new Set([...rules.matchAll(/^\s*- alert: (\w+)/gm)].map((m) => m[1]));
  for (const e of experiments) {
    const unknown = e.expectedAlerts.filter((a) => !known.has(a));
    if (unknown.length) throw new ExperimentFileError(`${e.id}: expectedAlerts ${unknown.join(", ")} not defined in ${path.relative(process.cwd(), RULES_FILE)}`);
  }
  const ids = new Set<string>();
  for (const e of experiments) {
    if (ids.has(e.id)) throw new ExperimentFileError(`duplicate experiment id ${e.id}`);
    ids.add(e.id);
  }
  return experiments;
}
