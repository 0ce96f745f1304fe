// Tests one candidate fix with A/B runs and turns the measured values into a recommendation.
import { comparisonMeasures } from "../report/compare";
import type { Experiment } from "../experiments/definition";
import type { Finding } from "../checkers/findings";
import type { Journal } from "../checkers/journal";
import { computeMetrics, type ExperimentMetrics } from "../checkers/metrics";
import { CAUGHT_UP_LAG_BYTES, runDirName } from "../report/publish";
import type { Candidate, MeasureKey } from "./candidates";
import type { RecommendationResult } from "./results";
import { claimText, fmt, judgeAb, needsAnotherPair, recommendationStatus, type RecommendationStatus } from "./verdict";

/**
 * Tests one candidate fix with A/B runs on the same lab and turns the measured values into a
 * recommendation: its status and claim come from the runs, never from the table.
 */

/** Runs `exp` as side a or b (run n of that side) and returns its journal. */
export type AbRun = (exp: Experiment, side: "a" | "b", n: number) => Promise<Journal>;

/** Resync measures the comparison report does not have: the game day's WAL-retention candidate judges by them. */
const RESYNC_MEASURES: Partial<Record<MeasureKey, { label: string; unit: string; of: (m: ExperimentMetrics) => number | null }>> = {
  replicaReinits: { label: "Replicas reinitialized (full copy)", unit: "", of: (m) => (m.resync ? m.resync.verdicts.filter((v) => v.method === "reinit").length : null) },
  // Growth, not the peak: pg_wal keeps what the previous run left until checkpoints recycle it (seen: both variants at 416 MiB).
  primaryWalGrowthMiB: {
    label: "Primary's pg_wal growth (peak − before the isolation)", unit: " MiB",
    of: (m) => (m.resync?.walDirPeak && m.resync.walDirBefore ? Math.round((m.resync.walDirPeak.bytes - m.resync.walDirBefore.bytes) / 1048576) : null),
  },
};

/** The measure's values over runs, with its label and unit (compare.ts computes them for comparisons too). */
export function measureValues(journals: Journal[], key: MeasureKey): { label: string; unit: string; values: (number | null)[] } {
  const metrics = journals.map((journal) => ({ journal, metrics: computeMetrics(journal, { caughtUpLagBytes: CAUGHT_UP_LAG_BYTES }) }));
  const resync = RESYNC_MEASURES[key];
  if (resync) return { label: resync.label, unit: resync.unit, values: metrics.map((x) => resync.of(x.metrics)) };
  const m = comparisonMeasures(metrics).find((x) => x.key === key);
  if (!m) throw new Error(`no comparison measure ${key}`);
  const unit = m.unit === "count" ? "" : m.unit === "%" ? " %" : " s";
  return { label: m.label, unit, values: m.values.map((v) => v.value) };
}

const reportLinks = (journals: Journal[]) => journals.map((j) => `${runDirName(j)}/report.md`);

export function untestedRecommendation(c: Candidate, because: Finding[], status: RecommendationStatus, why: string): RecommendationResult {
  return { candidate: c.id, title: c.title, status, claim: why, fixes: c.fixes, because: because.map((f) => `${f.experiment}: ${f.summary}`), runs: [] };
}

async function runPairs(c: Candidate, base: Experiment, maxRuns: number, run: AbRun): Promise<{ a: Journal[]; b: Journal[] }> {
  const a: Journal[] = [];
  const b: Journal[] = [];
  for (let n = 1; ; n++) {
    a.push(await run(base, "a", n));
    b.push(await run(base, "b", n));
    const judgement = judgeAb(c.goal, measureValues(a, c.goal.measure), measureValues(b, c.goal.measure));
    if (!needsAnotherPair(judgement, n, maxRuns)) return { a, b };
  }
}

export async function testCandidate(c: Candidate, because: Finding[], s: { a: Record<string, unknown>; b: Record<string, unknown> }, catalog: Experiment[], maxRuns: number, run: AbRun): Promise<RecommendationResult> {
  const expId = c.experiment ?? because[0].experiment;
  const base = catalog.find((e) => e.id === expId);
  if (!base) return untestedRecommendation(c, because, "untested", `untested: the catalog has no experiment ${expId} to run the A/B on`);
  const { a, b } = await runPairs(c, base, maxRuns, run);
  const costRuns: CostRuns = new Map();
  for (const cost of c.costs) {
    const costBase = cost.experiment ? catalog.find((e) => e.id === cost.experiment) : base;
    if (costBase && costBase.id !== base.id && !costRuns.has(costBase.id)) costRuns.set(costBase.id, { a: [await run(costBase, "a", 1)], b: [await run(costBase, "b", 1)] });
  }
  return conclude(c, because, s, base.id, a, b, costRuns);
}

/** Cost experiments run under both sides, by experiment id (the A/B's own runs are used for the others). */
export type CostRuns = Map<string, { a: Journal[]; b: Journal[] }>;

/** The recommendation from an A/B's runs: the goal judged, each cost judged, the claim written from the numbers. */
export function conclude(c: Candidate, because: Finding[], s: { a: Record<string, unknown>; b: Record<string, unknown> }, expId: string, a: Journal[], b: Journal[], costRuns: CostRuns): RecommendationResult {
  const goal = measureValues(a, c.goal.measure);
  const judgement = judgeAb(c.goal, goal, measureValues(b, c.goal.measure));
  const costs: NonNullable<RecommendationResult["costs"]> = [];
  const runs = [...reportLinks(a), ...reportLinks(b)];
  for (const [, r] of costRuns) runs.push(...reportLinks(r.a), ...reportLinks(r.b));
  for (const cost of c.costs) {
    const id = cost.experiment ?? expId;
    const { a: ca, b: cb } = costRuns.get(id) ?? (id === expId ? { a, b } : { a: [], b: [] });
    if (ca.length === 0 || cb.length === 0) continue;
    const mv = measureValues(ca, cost.measure);
    const j = judgeAb({ measure: cost.measure, better: cost.better, floor: 0 }, mv, measureValues(cb, cost.measure));
    costs.push({ measure: mv.label, unit: mv.unit.trim(), experiment: id, a: j.a, b: j.b, decision: j.decision, why: cost.why });
  }
  const status = recommendationStatus(judgement);
  const costText = costs.map((x) => `${x.measure} ${x.a.map(fmt).join("/") || "n/a"} → ${x.b.map(fmt).join("/") || "n/a"}${x.unit ? ` ${x.unit}` : ""} (${x.experiment}: ${x.why})`).join("; ");
  return {
    candidate: c.id, title: c.title, status,
    claim: `${claimText(c, goal.label, goal.unit, judgement, expId)}${costText ? `. Cost: ${costText}` : ""}`,
    fixes: c.fixes, because: because.map((f) => `${f.experiment}: ${f.summary}`), experiment: expId, sideA: s.a, sideB: s.b,
    goal: { measure: goal.label, unit: goal.unit.trim(), a: judgement.a, b: judgement.b, decision: judgement.decision },
    costs, runs,
  };
}
