// Number, time and block formatting shared by the markdown reports.
import type { CategoryMetric, Metric } from "../checkers/metrics";

export const iso = (t: number) => new Date(t).toISOString();
export const secondsText = (ms: number) => `${ms < 0 ? "-" : "+"}${(Math.abs(ms) / 1000).toFixed(3)} s`;
export const relative = (t: number, zero: number | null) => (zero === null ? "—" : secondsText(t - zero));
export const ms = (v: number | null) => (v === null ? "—" : v.toFixed(1));
export const perSecond = (v: number | null) => (v === null ? "—" : v.toFixed(1));


/** "pg1 → pg2", or "pg3 re-elected" when the same member won again on a newer timeline / raft term. */
export const leaderMove = (c: { from?: string; to?: string }) => (c.from === c.to ? `${c.to} re-elected` : `${c.from} → ${c.to}`);

export function bytesText(n: number): string {
  const units = ["KiB", "MiB", "GiB"];
  let v = n;
  let unit = "";
  for (const u of units) {
    if (v < 1024) break;
    v /= 1024;
    unit = u;
  }
  return unit ? `${n} B (${v.toFixed(1)} ${unit})` : `${n} B`;
}

export function formatMetricValue(m: Metric | CategoryMetric): string {
  if (m.value === null) return `n/a (${m.reason ?? "not measured"})`;
  if (m.unit === "category") return String(m.value);
  switch (m.unit) {
    case "s": return `${m.value.toFixed(3)} s`;
    case "ms": return `${m.value.toFixed(1)} ms`;
    case "ops/s": return `${m.value.toFixed(1)} ops/s`;
    case "bytes": return bytesText(m.value);
    case "count": return String(m.value);
  }
}

export const codeBlock = (lines: string[]) => ["```text", ...lines.map((l) => l.replace(/```/g, "'''")), "```"].join("\n");
export const s3 = (n: number) => `${n.toFixed(3)} s`;
export const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
