/**
 * Delay fidelity figures (pure; unit-tested): how far the round trip a delay mechanism adds is from the
 * configured delay. The configured distribution is uniform on [delay − jitter, delay + jitter] (netem's,
 * Toxiproxy's and pgchaos-delay's jitter), so the error at quantile q is the measured added round trip
 * at q minus delay + jitter·(2q − 1); without jitter, simply minus the delay.
 */

export function quantile(sorted: number[], q: number): number {
  if (!sorted.length) return NaN;
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export const expectedQuantile = (delayMs: number, jitterMs: number, q: number) => delayMs + jitterMs * (2 * q - 1);

export interface FidelityRow {
  mechanism: string;
  delayMs: number;
  jitterMs: number;
  stress: boolean;
  /** Round trips measured (ms) while the mechanism delayed the link. */
  rttMs: number[];
  /** Median round trip of the same link without any mechanism, in the same conditions. */
  baselineMedianMs: number;
  /** Requests answered per second, and the rate offered. */
  answeredPerSecond: number;
  offeredPerSecond: number;
  /** CPU seconds the mechanism's process used per wall second (1 = a whole core); undefined: not measurable. */
  cpuCores?: number;
}

export interface FidelityFigures {
  p50AddedMs: number;
  p99AddedMs: number;
  p50ErrorMs: number;
  p99ErrorMs: number;
}

export function fidelity(row: FidelityRow): FidelityFigures {
  const added = row.rttMs.map((x) => x - row.baselineMedianMs).sort((a, b) => a - b);
  const p50 = quantile(added, 0.5);
  const p99 = quantile(added, 0.99);
  return {
    p50AddedMs: p50,
    p99AddedMs: p99,
    p50ErrorMs: p50 - expectedQuantile(row.delayMs, row.jitterMs, 0.5),
    p99ErrorMs: p99 - expectedQuantile(row.delayMs, row.jitterMs, 0.99),
  };
}

const signed = (x: number) => `${x >= 0 ? "+" : ""}${x.toFixed(2)}`;

export const FIDELITY_HEADER = ["mechanism", "delay ms", "jitter ms", "cpu stress", "n", "p50 added", "p50 error", "p99 added", "p99 error", "ops/s (offered)", "mechanism CPU"];

export function fidelityCells(row: FidelityRow): string[] {
  const f = fidelity(row);
  return [
    row.mechanism, String(row.delayMs), String(row.jitterMs), row.stress ? "yes" : "no", String(row.rttMs.length),
    f.p50AddedMs.toFixed(2), signed(f.p50ErrorMs), f.p99AddedMs.toFixed(2), signed(f.p99ErrorMs),
    `${row.answeredPerSecond.toFixed(0)} (${row.offeredPerSecond})`,
    row.cpuCores === undefined ? "-" : `${(100 * row.cpuCores).toFixed(1)}% of a core`,
  ];
}

/** A fixed-width table; numbers right-aligned. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(" | ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("-|-"), ...rows.map(line)].join("\n");
}
