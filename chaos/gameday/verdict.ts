// Whether side B of an A/B beat side A, from the measured values alone.
import type { Candidate, Goal } from "./candidates";

/**
 * Whether side B of an A/B beat side A, from the measured values alone. One run per side separates an
 * effect only when it is large (half of side A's value or more, and above the goal's noise floor); with
 * more runs, the two sides' ranges must not overlap. Anything else is inconclusive, with its spread.
 */

export type AbDecision = "better" | "worse" | "no difference" | "inconclusive" | "not measured";

export interface SideValues {
  /** One value per run; null where the run could not measure it. */
  values: (number | null)[];
}

export interface AbJudgement {
  decision: AbDecision;
  a: number[];
  b: number[];
  /** Why, in one line with the numbers. */
  why: string;
}

const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
const range = (xs: number[]) => (xs.length === 1 ? fmt(xs[0]) : `${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))}`);
/** Two decimals, more when rounding would make a fraction look whole (99.996 % must not read as 100 %). */
export function fmt(n: number): string {
  if (Number.isInteger(n)) return String(n);
  let digits = 2;
  while (digits < 6 && Number.isInteger(Number(n.toFixed(digits)))) digits++;
  return String(Number(n.toFixed(digits)));
}

/** Large enough with one run per side: half of side A's value (or of B's when A is 0) and the floor. */
export const ONE_RUN_RELATIVE = 0.5;

export function judgeAb(goal: Goal, a: SideValues, b: SideValues): AbJudgement {
  const av = a.values.filter((v): v is number => v !== null);
  const bv = b.values.filter((v): v is number => v !== null);
  if (av.length === 0 || bv.length === 0) return { decision: "not measured", a: av, b: bv, why: `${goal.measure} not measured on ${av.length === 0 ? "side A" : "side B"}` };
  const sign = goal.better === "lower" ? -1 : 1;
  const diff = (mean(bv) - mean(av)) * sign; // > 0: B better
  const spread = `A ${range(av)}, B ${range(bv)} (${av.length} run(s) per side)`;
  // Both sides at the ideal (no lost write, no leader change): side A did not reproduce the finding, so the pair
  // says nothing about the fix — run it again rather than call the fix useless.
  const ideal = goal.better === "lower" ? 0 : 100;
  if ([...av, ...bv].every((v) => v === ideal)) return { decision: "inconclusive", a: av, b: bv, why: `neither side showed it (side A did not reproduce the finding): ${spread}` };
  if (mean(bv) === mean(av) || Math.abs(mean(bv) - mean(av)) < goal.floor) return { decision: "no difference", a: av, b: bv, why: `difference below ${fmt(goal.floor)}: ${spread}` };
  const separated = av.length === 1 && bv.length === 1
    ? Math.abs(bv[0] - av[0]) >= ONE_RUN_RELATIVE * Math.max(Math.abs(av[0]), Math.abs(bv[0]))
    : Math.max(...bv) < Math.min(...av) || Math.min(...bv) > Math.max(...av);
  if (!separated) return { decision: "inconclusive", a: av, b: bv, why: `the sides overlap or differ by less than the noise: ${spread}` };
  return { decision: diff > 0 ? "better" : "worse", a: av, b: bv, why: spread };
}

/** One more pair is worth running when the first runs could not separate the sides. */
export const needsAnotherPair = (j: AbJudgement, runsPerSide: number, maxRunsPerSide: number) => j.decision === "inconclusive" && runsPerSide < maxRunsPerSide;

export type RecommendationStatus = "recommended" | "not recommended" | "inconclusive" | "untested" | "already in effect";

/** The recommendation's status from the goal's judgement. */
export function recommendationStatus(goal: AbJudgement): RecommendationStatus {
  if (goal.decision === "better") return "recommended";
  if (goal.decision === "inconclusive" || goal.decision === "not measured") return "inconclusive";
  return "not recommended";
}

/** The claim, written from the numbers: e.g. "lost acknowledged writes 1234 → 0 (split-brain, 1 run per side)". */
export function claimText(c: Candidate, label: string, unit: string, j: AbJudgement, experiment: string): string {
  const side = (xs: number[]) => (xs.length === 0 ? "n/a" : xs.length === 1 ? `${fmt(xs[0])}${unit}` : `${fmt(mean(xs))}${unit} (${range(xs)})`);
  const verb = j.decision === "better" ? "improved" : j.decision === "worse" ? "got worse" : j.decision === "no difference" ? "did not change" : "could not be separated from the noise";
  return `${label} ${side(j.a)} → ${side(j.b)} with ${c.title} (${experiment}, ${Math.max(j.a.length, j.b.length)} run(s) per side): ${verb}${j.decision === "inconclusive" ? ` — ${j.why}` : ""}`;
}
