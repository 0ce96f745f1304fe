"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.shareTolerance = shareTolerance;
exports.judgeInjected = judgeInjected;
exports.judgeRecovered = judgeRecovered;
const pct = (x) => `${(100 * x).toFixed(1)}%`;
const failShare = (t) => (t.count ? (t.count - t.ok) / t.count : 0);
const tcps = (rs) => rs.filter((r) => r.type === "tcp").map((r) => r.value);
const sum = (xs) => xs.reduce((a, b) => a + b, 0);
/** Binomial tolerance: 3 standard deviations of the measured share over n probes, at least 5 points. */
function shareTolerance(p, n) {
    return Math.max(0.05, 3 * Math.sqrt((p * (1 - p)) / Math.max(1, n)));
}
/** Median connect time over several probes (ms), or null when none succeeded. */
function medianOf(results) {
    const ms = results.map((r) => r.medianMs).filter((x) => x !== null).sort((a, b) => a - b);
    return ms.length ? ms[Math.floor(ms.length / 2)] : null;
}
/** Is the fault's effect there? `baseline` was probed just before inject, `during` after it. */
function judgeInjected(rule, baseline, during) {
    const configured = rule.configured;
    switch (rule.type) {
        case "fail-share": {
            const t = tcps(during);
            const n = sum(t.map((x) => x.count));
            const share = n ? sum(t.map((x) => x.count - x.ok)) / n : 0;
            const tol = shareTolerance(rule.expectedShare, n);
            const achieved = n > 0 && Math.abs(share - rule.expectedShare) <= tol &&
                (rule.expectedShare === 0 || share > 0) && (rule.expectedShare === 1 || share < 1);
            return { achieved, configured, measured: `${pct(share)} of ${n} connects failed (expected ${pct(rule.expectedShare)} ± ${pct(tol)})` };
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
            if (before === null || now === null)
                return { achieved: false, configured, measured: `no successful connect to time (baseline ${before ?? "none"}, during ${now ?? "none"})` };
            const added = now - before;
            const tol = Math.max(0.2 * rule.delayMs, 2);
            return { achieved: Math.abs(added - rule.delayMs) <= tol, configured, measured: `+${added.toFixed(1)} ms round trip (baseline ${before.toFixed(2)} ms → ${now.toFixed(2)} ms; tolerance ±${tol.toFixed(0)} ms)` };
        }
        case "down": {
            const states = during.filter((r) => r.type === "state").map((r) => r.value);
            const http = during.filter((r) => r.type === "http").map((r) => r.value);
            const answered = sum(http.map((h) => h.ok));
            const inState = states.length > 0 && states.every((s) => s === rule.state);
            return { achieved: inState && answered === 0, configured, measured: `state ${states.join(",") || "unknown"}, service answered ${answered} of ${sum(http.map((h) => h.ok + h.failed))} requests` };
        }
        case "usage":
            return judgeUsage(rule, baseline, during);
    }
}
function judgeUsage(rule, baseline, during) {
    const u = (rs) => rs.filter((r) => r.type === "usage").map((r) => r.value);
    const b = u(baseline)[0];
    const d = u(during)[0];
    if (!d)
        return { achieved: false, configured: rule.configured, measured: "no usage sample" };
    const source = d.source[rule.resource];
    const value = { cpu: d.cpuCores, io: d.ioBytesPerSecond, memory: d.memoryBytes }[rule.resource];
    // Never host-wide figures: without the target's own accounting the effect is not verified.
    if (value === null)
        return { achieved: false, configured: rule.configured, measured: `no ${rule.resource} figure of the target's own: ${source}` };
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
function judgeRecovered(rule, baseline, after) {
    const configured = rule.configured;
    switch (rule.type) {
        case "fail-share":
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
            const states = after.filter((r) => r.type === "state").map((r) => r.value);
            return { achieved: states.length > 0 && states.every((s) => s === "running"), configured, measured: `state ${states.join(",") || "unknown"} after recover` };
        }
        case "usage": {
            const d = after.find((r) => r.type === "usage")?.value;
            const b = baseline.find((r) => r.type === "usage")?.value;
            if (!d)
                return { achieved: false, configured, measured: "no usage sample" };
            if (d.cpuCores === null || d.ioBytesPerSecond === null || d.memoryBytes === null) {
                const r = rule.resource;
                if ({ cpu: d.cpuCores, io: d.ioBytesPerSecond, memory: d.memoryBytes }[r] === null)
                    return { achieved: false, configured, measured: `no ${r} figure of the target's own after recover: ${d.source[r]}` };
            }
            const achieved = rule.resource === "cpu" ? d.cpuCores < (rule.minCores ?? 1) * 0.5 + (b?.cpuCores ?? 0)
                : rule.resource === "io" ? d.ioBytesPerSecond < (rule.minBytesPerSecond ?? 0) / 2 + (b?.ioBytesPerSecond ?? 0)
                    : d.memoryBytes - (b?.memoryBytes ?? 0) < (rule.minMemoryGrowthBytes ?? 0) / 2;
            return { achieved, configured, measured: rule.resource === "cpu" ? `${d.cpuCores.toFixed(2)} CPU cores after recover (${d.source.cpu})` : rule.resource === "io" ? `${(d.ioBytesPerSecond / 1048576).toFixed(1)} MiB/s IO after recover (${d.source.io})` : `${(d.memoryBytes / 1048576).toFixed(0)} MiB in use after recover (${d.source.memory})` };
        }
    }
}
