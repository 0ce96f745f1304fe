// Verdicts on a fault's effect from probe results taken outside the target (pure).
import type { TcpProbeResult, UsageSample } from "./probes";

/**
 * Verdicts on a fault's effect, from probe results taken outside the target (or from the target's own
 * kernel counters for stress). Pure: the fault resource runs the probes and calls these; the unit tests
 * feed them synthetic series. Every verdict states what was expected and what was measured.
 */

export type ProbeResult = { type: "tcp"; value: TcpProbeResult } | { type: "usage"; value: UsageSample } | { type: "http"; value: HttpProbeResult } | { type: "state"; value: string };

export interface HttpProbeResult {
  ok: number;
  failed: number;
}

export type Rule =
  /**
   * Share of lost TCP connects ≈ expectedShare (loss), told apart from 0 and 1. Its probes connect to a port
   * nothing listens on: the target's kernel answers each SYN with a reset, so a refused connect is one that
   * crossed both ways and only a timeout is lost (no server's accept queue in the path).
   */
  | { type: "fail-share"; expectedShare: number; configured: string }
  /** Connects time out (partition, black hole): none succeeds. */
  | { type: "blocked"; configured: string }
  /** Connects are refused by a reset, none succeeds. */
  | { type: "reset"; configured: string }
  /** Median connect time grows by delayMs ± tolerance over the baseline. */
  | { type: "delay"; delayMs: number; configured: string }
  /** The member is in `state` and its service does not answer. */
  | { type: "down"; state: string; configured: string }
  /** CPU cores used ≥ minCores, IO bytes/s ≥ minBytesPerSecond, or memory grew ≥ minMemoryGrowthBytes. */
  | { type: "usage"; resource: "cpu" | "io" | "memory"; minCores?: number; minBytesPerSecond?: number; minMemoryGrowthBytes?: number; configured: string };

export interface Verdict {
  achieved: boolean;
  configured: string;
  measured: string;
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const failShare = (t: TcpProbeResult) => (t.count ? (t.count - t.ok) / t.count : 0);
/** Connects whose SYN or answer never came back (a reset is an answer). */
const lostCount = (t: TcpProbeResult) => t.timeout + t.other;
const tcps = (rs: ProbeResult[]) => rs.filter((r): r is Extract<ProbeResult, { type: "tcp" }> => r.type === "tcp").map((r) => r.value);
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/** Binomial tolerance: 3 standard deviations of the measured share over n probes, at least 5 points. */
export function shareTolerance(p: number, n: number): number {
  return Math.max(0.05, 3 * Math.sqrt((p * (1 - p)) / Math.max(1, n)));
}

/** Median connect time over several probes (ms), or null when none succeeded. */
function medianOf(results: TcpProbeResult[]): number | null {
  const ms = results.map((r) => r.medianMs).filter((x): x is number => x !== null).sort((a, b) => a - b);
  return ms.length ? ms[Math.floor(ms.length / 2)] : null;
}

/** Is the fault's effect there? `baseline` was probed just before inject, `during` after it. */
export function judgeInjected(rule: Rule, baseline: ProbeResult[], during: ProbeResult[]): Verdict {
  const configured = rule.configured;
  switch (rule.type) {
    case "fail-share": {
      // A link that already loses connects without the fault cannot show it: refused, never guessed.
      const b = tcps(baseline);
      const bn = sum(b.map((x) => x.count));
      const bLost = sum(b.map(lostCount));
      if (bn > 0 && bLost / bn > shareTolerance(0, bn)) {
        return { achieved: false, configured, measured: `${bLost} of ${bn} connects were already lost before the inject: the link cannot show this loss` };
      }
      const t = tcps(during);
      const n = sum(t.map((x) => x.count));
      const share = n ? sum(t.map(lostCount)) / n : 0;
      const tol = shareTolerance(rule.expectedShare, n);
      const achieved = n > 0 && Math.abs(share - rule.expectedShare) <= tol &&
        (rule.expectedShare === 0 || share > 0) && (rule.expectedShare === 1 || share < 1);
      return { achieved, configured, measured: `${pct(share)} of ${n} connects lost (expected ${pct(rule.expectedShare)} ± ${pct(tol)})` };
    }
    case "blocked": {
      const t = tcps(during);
      const ok = sum(t.map((x) => x.ok));
      const n = sum(t.map((x) => x.count));
      return { achieved: n > 0 && ok === 0, configured, measured: `${ok} of ${n} connects across the cut succeeded` };
    }
    case "reset": {
      const t = tcps(during);
      const ok = sum(t.map((x) => x.ok));
      const refused = sum(t.map((x) => x.refused));
      const n = sum(t.map((x) => x.count));
      return { achieved: n > 0 && ok === 0 && refused >= 0.8 * n, configured, measured: `${refused} of ${n} connects reset, ${ok} succeeded` };
    }
    case "delay": {
      const before = medianOf(tcps(baseline));
      const now = medianOf(tcps(during));
      if (before === null || now === null) return { achieved: false, configured, measured: `no successful connect to time (baseline ${before ?? "none"}, during ${now ?? "none"})` };
      const added = now - before;
      const tol = Math.max(0.2 * rule.delayMs, 2);
      return { achieved: Math.abs(added - rule.delayMs) <= tol, configured, measured: `+${added.toFixed(1)} ms round trip (baseline ${before.toFixed(2)} ms → ${now.toFixed(2)} ms; tolerance ±${tol.toFixed(0)} ms)` };
    }
    case "down": {
      const states = during.filter((r) => r.type === "state").map((r) => r.value as string);
      const http = during.filter((r): r is Extract<ProbeResult, { type: "http" }> => r.type === "http").map((r) => r.value);
      const answered = sum(http.map((h) => h.ok));
      const inState = states.length > 0 && states.every((s) => s === rule.state);
      return { achieved: inState && answered === 0, configured, measured: `state ${states.join(",") || "unknown"}, service answered ${answered} of ${sum(http.map((h) => h.ok + h.failed))} requests` };
    }
    case "usage":
      return judgeUsage(rule, baseline, during);
  }
}

function judgeUsage(rule: Extract<Rule, { type: "usage" }>, baseline: ProbeResult[], during: ProbeResult[]): Verdict {
  const u = (rs: ProbeResult[]) => rs.filter((r): r is Extract<ProbeResult, { type: "usage" }> => r.type === "usage").map((r) => r.value);
  const b = u(baseline)[0];
  const d = u(during)[0];
  if (!d) return { achieved: false, configured: rule.configured, measured: "no usage sample" };
  const source = d.source[rule.resource];
  const value = { cpu: d.cpuCores, io: d.ioBytesPerSecond, memory: d.memoryBytes }[rule.resource];
  // Never host-wide figures: without the target's own accounting the effect is not verified.
  if (value === null) return { achieved: false, configured: rule.configured, measured: `no ${rule.resource} figure of the target's own: ${source}` };
  switch (rule.resource) {
    case "cpu":
      return { achieved: value >= (rule.minCores ?? 0), configured: rule.configured, measured: `${value.toFixed(2)} CPU cores used (${source}; need ≥ ${(rule.minCores ?? 0).toFixed(2)})` };
    case "io":
      return { achieved: value >= (rule.minBytesPerSecond ?? 0), configured: rule.configured, measured: `${(value / 1048576).toFixed(1)} MiB/s of IO (${source}; baseline ${b?.ioBytesPerSecond != null ? (b.ioBytesPerSecond / 1048576).toFixed(1) : "?"} MiB/s)` };
    case "memory": {
      const grown = value - (b?.memoryBytes ?? 0);
      return { achieved: grown >= (rule.minMemoryGrowthBytes ?? 0), configured: rule.configured, measured: `memory +${(grown / 1048576).toFixed(0)} MiB (${(value / 1048576).toFixed(0)} MiB in use; ${source})` };
    }
  }
}

/** Is the effect gone after recover, back to the baseline within tolerance? */
export function judgeRecovered(rule: Rule, baseline: ProbeResult[], after: ProbeResult[]): Verdict {
  const configured = rule.configured;
  switch (rule.type) {
    case "fail-share": {
      const t = tcps(after);
      const n = sum(t.map((x) => x.count));
      const share = n ? sum(t.map(lostCount)) / n : 1;
      return { achieved: n > 0 && share <= 0.02, configured, measured: `${pct(share)} of ${n} connects lost after recover` };
    }
    case "blocked":
    case "reset": {
      const t = tcps(after);
      const n = sum(t.map((x) => x.count));
      const share = t.length ? sum(t.map((x) => x.count * failShare(x))) / n : 1;
      return { achieved: n > 0 && share <= 0.02, configured, measured: `${pct(share)} of ${n} connects failed after recover` };
    }
    case "delay": {
      const before = medianOf(tcps(baseline));
      const now = medianOf(tcps(after));
      const tol = Math.max(0.2 * rule.delayMs, 5);
      const achieved = now !== null && before !== null && now - before <= tol;
      return { achieved, configured, measured: `round trip ${now?.toFixed(2) ?? "none"} ms after recover (baseline ${before?.toFixed(2) ?? "none"} ms)` };
    }
    case "down": {
      const states = after.filter((r) => r.type === "state").map((r) => r.value as string);
      return { achieved: states.length > 0 && states.every((s) => s === "running"), configured, measured: `state ${states.join(",") || "unknown"} after recover` };
    }
    case "usage": {
      const d = after.find((r): r is Extract<ProbeResult, { type: "usage" }> => r.type === "usage")?.value;
      const b = baseline.find((r): r is Extract<ProbeResult, { type: "usage" }> => r.type === "usage")?.value;
      if (!d) return { achieved: false, configured, measured: "no usage sample" };
      if (d.cpuCores === null || d.ioBytesPerSecond === null || d.memoryBytes === null) {
        const r = rule.resource;
        if ({ cpu: d.cpuCores, io: d.ioBytesPerSecond, memory: d.memoryBytes }[r] === null) return { achieved: false, configured, measured: `no ${r} figure of the target's own after recover: ${d.source[r]}` };
      }
      const achieved = rule.resource === "cpu" ? d.cpuCores! < (rule.minCores ?? 1) * 0.5 + (b?.cpuCores ?? 0)
        : rule.resource === "io" ? d.ioBytesPerSecond! < (rule.minBytesPerSecond ?? 0) / 2 + (b?.ioBytesPerSecond ?? 0)
        : d.memoryBytes! - (b?.memoryBytes ?? 0) < (rule.minMemoryGrowthBytes ?? 0) / 2;
      return { achieved, configured, measured: rule.resource === "cpu" ? `${d.cpuCores!.toFixed(2)} CPU cores after recover (${d.source.cpu})` : rule.resource === "io" ? `${(d.ioBytesPerSecond! / 1048576).toFixed(1)} MiB/s IO after recover (${d.source.io})` : `${(d.memoryBytes! / 1048576).toFixed(0)} MiB in use after recover (${d.source.memory})` };
    }
  }
}
