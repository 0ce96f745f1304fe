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
}).strict();
export type Experiment = z.infer<typeof experimentSchema>;

export const CATALOG_DIR = path.join(__dirname, "catalog");

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
  const ids = new Set<string>();
  for (const e of experiments) {
    if (ids.has(e.id)) throw new ExperimentFileError(`duplicate experiment id ${e.id}`);
    ids.add(e.id);
  }
  return experiments;
}
