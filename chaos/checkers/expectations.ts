// Evaluates an experiment's expectations against its metrics, and says what each verdict means.
import type { CategoryMetric, ExperimentMetrics, Metric } from "./metrics";
import type { CategoryExpectation, Comparison, Expectation, NumericExpectation } from "./expectation-schema";

export { ComparisonSchema, ExpectationSchema, ExpectationsSchema, type CategoryExpectation, type Comparison, type Expectation, type NumericExpectation } from "./expectation-schema";

const isCategory = (e: Expectation): e is CategoryExpectation => typeof e.value === "string";

/** The metric an expectation refers to. */
export function metricOf(metrics: ExperimentMetrics, e: Expectation): Metric | CategoryMetric {
  return isCategory(e) ? metrics.categories[e.metric] : metrics.scalars[e.metric];
}

export type VerdictStatus = "held" | "violated" | "not measured";

export interface ExpectationVerdict {
  expectation: Expectation;
  metric: Metric | CategoryMetric;
  status: VerdictStatus;
  held: boolean;
  /** actual − expected bound (metric units); null when not measured. */
  difference: number | null;
  /** How far past the bound when violated, how far inside it when held ("by how much"). */
  text: string;
}

const compare: Record<Comparison, (a: number, b: number) => boolean> = {
  "==": (a, b) => a === b,
  "!=": (a, b) => a !== b,
  "<": (a, b) => a < b,
  "<=": (a, b) => a <= b,
  ">": (a, b) => a > b,
  ">=": (a, b) => a >= b,
};

/** Numbers rounded for prose: at most 3 decimals, no float noise. */
export function formatNumber(n: number): string {
  return String(Math.round(n * 1000) / 1000);
}

export function formatQuantity(n: number, unit: Metric["unit"]): string {
  return unit === "count" ? formatNumber(n) : `${formatNumber(n)} ${unit}`;
}

export function describeExpectation(e: Expectation, metric?: Metric | CategoryMetric): string {
  const op = { "==": "=", "!=": "≠", "<": "<", "<=": "≤", ">": ">", ">=": "≥" }[e.op];
  if (typeof e.value === "string") return `${metric?.label ?? e.metric} ${op} ${e.value}`;
  return `${metric?.label ?? e.metric} ${op} ${metric && metric.unit !== "category" ? formatQuantity(e.value, metric.unit) : formatNumber(e.value)}`;
}

function byHowMuch(e: NumericExpectation, actual: number, unit: Metric["unit"], held: boolean): string {
  const d = actual - e.value;
  const q = (n: number) => formatQuantity(Math.abs(n), unit);
  const pct = e.value !== 0 && d !== 0 ? ` (${Math.round(Math.abs((d / e.value) * 1000)) / 10} %)` : "";
  if (e.op === "==") return held ? "exactly" : `off by ${q(d)}${pct}`;
  if (e.op === "!=") return held ? `differs by ${q(d)}` : "equal to the excluded value";
  if (d === 0) return held ? "at the bound" : "at the bound (strict comparison)";
  const side = d > 0 ? "over" : "under";
  return `${q(d)}${pct} ${side} the bound`;
}

export function evaluateExpectation(metrics: ExperimentMetrics, e: Expectation): ExpectationVerdict {
  const metric = metricOf(metrics, e);
  if (metric.value === null) {
    const held = e.ifNotMeasured === "held";
    return { expectation: e, metric, status: "not measured", held, difference: null, text: `not measured: ${metric.reason ?? "no value"}${held ? " (accepted)" : ""}` };
  }
  if (isCategory(e) || typeof metric.value === "string") {
    const same = metric.value === e.value;
    const held = e.op === "==" ? same : !same;
    return { expectation: e, metric, status: held ? "held" : "violated", held, difference: null, text: same ? `is ${metric.value}` : `is ${metric.value}, not ${e.value}` };
  }
  const held = compare[e.op](metric.value, e.value);
  return { expectation: e, metric, status: held ? "held" : "violated", held, difference: metric.value - e.value, text: byHowMuch(e, metric.value, metric.unit as Metric["unit"], held) };
}

export function evaluateExpectations(metrics: ExperimentMetrics, expectations: Expectation[]): ExpectationVerdict[] {
  return expectations.map((e) => evaluateExpectation(metrics, e));
}

export interface VerdictSummary {
  held: number;
  violated: number;
  notMeasured: number;
  total: number;
  /** All held (a not-measured one counts as held only when it says so). */
  pass: boolean;
  text: string;
}

/** Why the method never ran — the steady state did not hold before it — or undefined. */
export function abortedBefore(journal: { hypothesis: { before: Array<{ name: string; ok: boolean }> } }): string | undefined {
  const failed = journal.hypothesis.before.filter((c) => !c.ok);
  return failed.length ? `the steady-state hypothesis did not hold before the method (${failed.map((c) => c.name).join(", ")}): no fault was injected` : undefined;
}

/**
 * Why the run measured something other than its fault — a fault stopped acting (drifted) or ran out
 * (expired) before the method recovered it — with that moment, or undefined (see fault-watch.ts).
 */
export function invalidBecause(journal: { faultWatch?: { events: Array<{ fault: string; status: string; source: string; at: number; lastActiveAt?: number; reason: string }> } }): string | undefined {
  const lost = journal.faultWatch?.events ?? [];
  if (!lost.length) return undefined;
  return lost.map((e) => `fault ${e.fault} stopped acting at ${new Date(e.at).toISOString()}` +
    `${e.lastActiveAt !== undefined ? ` (last seen acting ${((e.at - e.lastActiveAt) / 1000).toFixed(1)} s before)` : ""}: ${e.status}, by its ${e.source} check — ${e.reason}`).join("; ");
}

/**
 * `aborted`: the run never applied its method; `invalid`: its fault stopped acting during the method
 * (see invalidBecause). Either way no expectation can pass or fail.
 */
export function summarizeVerdicts(verdicts: ExpectationVerdict[], aborted?: string, invalid?: string): VerdictSummary {
  const held = verdicts.filter((v) => v.status === "held").length;
  const violated = verdicts.filter((v) => v.status === "violated").length;
  const notMeasured = verdicts.filter((v) => v.status === "not measured").length;
  if (aborted) return { held, violated, notMeasured, total: verdicts.length, pass: false, text: `ABORTED: ${aborted}` };
  if (invalid) return { held, violated, notMeasured, total: verdicts.length, pass: false, text: `INVALID: ${invalid}` };
  const pass = verdicts.every((v) => v.held);
  const parts = [`${held}/${verdicts.length} held`];
  if (violated > 0) parts.push(`${violated} violated`);
  if (notMeasured > 0) parts.push(`${notMeasured} not measured`);
  const text = verdicts.length === 0 ? "no expectations" : `${pass ? "PASS" : "FAIL"}: ${parts.join(", ")}`;
  return { held, violated, notMeasured, total: verdicts.length, pass, text };
}
