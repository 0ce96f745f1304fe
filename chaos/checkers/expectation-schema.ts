// Machine-checkable expectations as an experiment declares them (zod), on the metrics metric-names.ts lists.
import { z } from "zod";
import { CATEGORY_NAMES, CATEGORY_VALUES, METRIC_NAMES, type CategoryName, type MetricName } from "./metric-names";

/**
 * Machine-checkable expectations on an experiment's metrics, e.g. {metric: "lostAckedWrites", op: "==",
 * value: 0}. Experiments declare them as data (validated here); the report shows each as held or
 * violated, and by how much.
 */

export const ComparisonSchema = z.enum(["==", "!=", "<", "<=", ">", ">="]);
export type Comparison = z.infer<typeof ComparisonSchema>;

/** Numeric ({metric: lostAckedWrites, op: "==", value: 0}) or, on a category metric, a word ({metric: resyncMethod, op: "==", value: slot}). */
export const ExpectationSchema = z.strictObject({
  metric: z.enum([...METRIC_NAMES, ...CATEGORY_NAMES]),
  op: ComparisonSchema,
  value: z.union([z.number().finite(), z.string()]),
  /** One line of prose: why this bound. */
  why: z.string().optional(),
  /** A metric that could not be computed (null) violates the expectation unless this says "held". */
  ifNotMeasured: z.enum(["held", "violated"]).optional(),
}).superRefine((e, ctx) => {
  const allowed = (CATEGORY_VALUES as Record<string, readonly string[]>)[e.metric];
  if (allowed) {
    if (e.op !== "==" && e.op !== "!=") ctx.addIssue({ code: "custom", path: ["op"], message: `${e.metric} is a category: compare with == or != only` });
    if (typeof e.value !== "string" || !allowed.includes(e.value)) ctx.addIssue({ code: "custom", path: ["value"], message: `${e.metric}: value must be one of ${allowed.join(", ")} (got ${String(e.value)})` });
  } else if (typeof e.value !== "number") ctx.addIssue({ code: "custom", path: ["value"], message: `${e.metric}: value must be a number (got ${JSON.stringify(e.value)})` });
}).transform((e) => e as Expectation);

export interface NumericExpectation {
  metric: MetricName;
  op: Comparison;
  value: number;
  why?: string;
  ifNotMeasured?: "held" | "violated";
}
export interface CategoryExpectation {
  metric: CategoryName;
  op: "==" | "!=";
  value: string;
  why?: string;
  ifNotMeasured?: "held" | "violated";
}
export type Expectation = NumericExpectation | CategoryExpectation;

export const ExpectationsSchema = z.array(ExpectationSchema);
