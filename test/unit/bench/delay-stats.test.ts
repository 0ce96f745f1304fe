import { describe, expect, it } from "vitest";
import { expectedQuantile, fidelity, fidelityCells, quantile, type FidelityRow } from "../../../bench/delay-stats";

const row = (rttMs: number[], delayMs: number, jitterMs: number): FidelityRow =>
  ({ mechanism: "m", delayMs, jitterMs, stress: false, rttMs, baselineMedianMs: 1, answeredPerSecond: 200, offeredPerSecond: 200, cpuCores: 0.012 });

describe("delay fidelity figures", () => {
  it("interpolates quantiles of sorted samples", () => {
    expect(quantile([1, 2, 3, 4, 5], 0.5)).toBe(3);
    expect(quantile([0, 10], 0.99)).toBeCloseTo(9.9);
    expect(quantile([], 0.5)).toBeNaN();
  });

  it("expects the uniform jitter distribution's quantiles", () => {
    expect(expectedQuantile(100, 0, 0.99)).toBe(100);
    expect(expectedQuantile(100, 20, 0.5)).toBe(100);
    expect(expectedQuantile(100, 20, 0.99)).toBeCloseTo(119.6);
  });

  it("an exact mechanism has zero error; a late one shows it at p50 and p99", () => {
    const exact = Array.from({ length: 1001 }, (_, i) => 1 + 80 + (40 * i) / 1000); // baseline 1 + U[80,120]
    const f = fidelity(row(exact, 100, 20));
    expect(f.p50ErrorMs).toBeCloseTo(0, 6);
    expect(f.p99ErrorMs).toBeCloseTo(0, 6);
    const late = fidelity(row(exact.map((x) => x + 15), 100, 20));
    expect(late.p50ErrorMs).toBeCloseTo(15, 6);
    expect(late.p99ErrorMs).toBeCloseTo(15, 6);
  });

  it("prints signed errors and the mechanism's CPU", () => {
    const cells = fidelityCells(row([11, 11, 11], 10, 0));
    expect(cells).toContain("+0.00");
    expect(cells.at(-1)).toBe("1.2% of a core");
  });
});
