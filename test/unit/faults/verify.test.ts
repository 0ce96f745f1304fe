import { describe, expect, it } from "vitest";
import type { TcpProbeResult } from "../../../chaos/faults/probes";
import { judgeInjected, judgeRecovered, shareTolerance, type ProbeResult, type Rule } from "../../../chaos/faults/verify";

const tcp = (ok: number, count: number, medianMs: number | null = 1, refused = 0): ProbeResult => ({
  type: "tcp",
  value: { ok, refused, timeout: count - ok - refused, other: 0, medianMs, p90Ms: medianMs, count } as TcpProbeResult,
});
const usage = (cpuCores: number, ioBytesPerSecond = 0, memoryBytes = 100 << 20): ProbeResult => ({ type: "usage", value: { cpuCores, ioBytesPerSecond, memoryBytes, source: { cpu: "cgroup v1 cpuacct.usage", io: "/proc/<pid>/io of the member's processes", memory: "cgroup v1 memory.usage_in_bytes" } } });

describe("verification verdicts on synthetic probe series", () => {
  const loss30both: Rule = { type: "fail-share", expectedShare: 1 - 0.7 ** 2, configured: "30% loss both" };

  it("loss: achieved near the expected share, not achieved at 0% or far off, tolerance from the probe count", () => {
    expect(judgeInjected(loss30both, [], [tcp(100, 200)]).achieved).toBe(true); // 50% vs 51%
    expect(judgeInjected(loss30both, [], [tcp(200, 200)])).toMatchObject({ achieved: false, measured: expect.stringContaining("0.0% of 200") });
    expect(judgeInjected(loss30both, [], [tcp(190, 200)]).achieved).toBe(false); // partially achieved: 5%
    expect(judgeInjected({ type: "fail-share", expectedShare: 0.1, configured: "10%" }, [], [tcp(0, 200)]).achieved).toBe(false); // 100% is not 10%
    expect(shareTolerance(0.5, 200)).toBeCloseTo(0.106, 3);
  });

  it("loss: a reset is an answer (the probes target a port nothing listens on); only timeouts are lost", () => {
    expect(judgeInjected(loss30both, [], [tcp(0, 200, null, 200)])).toMatchObject({ achieved: false, measured: expect.stringContaining("0.0% of 200 connects lost") });
    expect(judgeInjected(loss30both, [], [tcp(0, 200, null, 100)]).achieved).toBe(true); // 100 refused, 100 timed out
    expect(judgeRecovered(loss30both, [], [tcp(0, 200, null, 200)]).achieved).toBe(true);
    expect(judgeRecovered(loss30both, [], [tcp(0, 200, null, 180)])).toMatchObject({ achieved: false, measured: "10.0% of 200 connects lost after recover" });
  });

  it("loss: a link that already loses connects before the inject cannot show the fault (a broken probe never passes)", () => {
    // A firewall dropping SYNs to closed ports: every connect times out, which would look like a 100 % loss.
    const all: Rule = { type: "fail-share", expectedShare: 1, configured: "100% loss in" };
    expect(judgeInjected(all, [tcp(0, 20, null, 0)], [tcp(0, 200, null, 0)])).toMatchObject({ achieved: false, measured: "20 of 20 connects were already lost before the inject: the link cannot show this loss" });
    expect(judgeInjected(all, [tcp(0, 20, null, 20)], [tcp(0, 200, null, 0)]).achieved).toBe(true);
    expect(judgeInjected(loss30both, [tcp(0, 20, null, 19)], [tcp(0, 200, null, 100)]).achieved).toBe(true); // 1 of 20: within 5 %
    expect(judgeInjected(loss30both, [tcp(0, 20, null, 18)], [tcp(0, 200, null, 100)]).achieved).toBe(false);
    expect(shareTolerance(0.01, 10000)).toBe(0.05);
  });

  it("delay: measured against the baseline, ±20% of the set delay; a noisy baseline does not fake it", () => {
    const rule: Rule = { type: "delay", delayMs: 200, configured: "+200 ms" };
    expect(judgeInjected(rule, [tcp(9, 9, 0.1)], [tcp(9, 9, 201)]).achieved).toBe(true);
    expect(judgeInjected(rule, [tcp(9, 9, 0.1)], [tcp(9, 9, 700)])).toMatchObject({ achieved: false, measured: expect.stringContaining("+699.9 ms") }); // 3.5× wrong magnitude
    expect(judgeInjected(rule, [tcp(9, 9, 0.1)], [tcp(9, 9, 0.2)]).achieved).toBe(false); // silent no-op
    expect(judgeInjected(rule, [tcp(9, 9, 60)], [tcp(9, 9, 210)]).achieved).toBe(false); // noisy baseline: only +150 added
    expect(judgeInjected(rule, [tcp(0, 9, null)], [tcp(9, 9, 200)]).achieved).toBe(false);
    expect(judgeRecovered(rule, [tcp(9, 9, 0.1)], [tcp(9, 9, 0.3)]).achieved).toBe(true);
    expect(judgeRecovered(rule, [tcp(9, 9, 0.1)], [tcp(9, 9, 120)]).achieved).toBe(false);
  });

  it("partition and reset: nothing crosses / every connect reset; recovered when connects succeed again", () => {
    expect(judgeInjected({ type: "blocked", configured: "x" }, [], [tcp(0, 10)]).achieved).toBe(true);
    expect(judgeInjected({ type: "blocked", configured: "x" }, [], [tcp(1, 10)]).achieved).toBe(false);
    expect(judgeInjected({ type: "reset", configured: "x" }, [], [tcp(0, 10, null, 10)]).achieved).toBe(true);
    expect(judgeInjected({ type: "reset", configured: "x" }, [], [tcp(0, 10, null, 2)]).achieved).toBe(false); // timeouts are not resets
    expect(judgeRecovered({ type: "blocked", configured: "x" }, [], [tcp(10, 10)]).achieved).toBe(true);
    expect(judgeRecovered({ type: "blocked", configured: "x" }, [], [tcp(5, 10)]).achieved).toBe(false);
  });

  it("node stop: the stated state and a silent service", () => {
    const rule: Rule = { type: "down", state: "stopped", configured: "pg1 stop" };
    expect(judgeInjected(rule, [], [{ type: "state", value: "stopped" }, { type: "http", value: { ok: 0, failed: 2 } }]).achieved).toBe(true);
    expect(judgeInjected(rule, [], [{ type: "state", value: "running" }, { type: "http", value: { ok: 2, failed: 0 } }]).achieved).toBe(false);
    expect(judgeInjected({ ...rule, state: "paused" }, [], [{ type: "state", value: "paused" }, { type: "http", value: { ok: 1, failed: 1 } }]).achieved).toBe(false);
    expect(judgeRecovered(rule, [], [{ type: "state", value: "running" }]).achieved).toBe(true);
  });

  it("stress: utilisation read from the kernel reaches the bound, and falls back after recover", () => {
    const cpu: Rule = { type: "usage", resource: "cpu", minCores: 0.6, configured: "1 CPU worker at 100%" };
    expect(judgeInjected(cpu, [usage(0.05)], [usage(0.95)]).achieved).toBe(true);
    expect(judgeInjected(cpu, [usage(0.05)], [usage(0.2)]).achieved).toBe(false);
    expect(judgeRecovered(cpu, [usage(0.05)], [usage(0.1)]).achieved).toBe(true);
    const mem: Rule = { type: "usage", resource: "memory", minMemoryGrowthBytes: 96 << 20, configured: "192M" };
    expect(judgeInjected(mem, [usage(0, 0, 100 << 20)], [usage(0, 0, 300 << 20)]).achieved).toBe(true);
    expect(judgeInjected(mem, [usage(0, 0, 100 << 20)], [usage(0, 0, 120 << 20)]).achieved).toBe(false);
    // The source is named, and without the target's own accounting nothing is verified (never host-wide figures).
    expect(judgeInjected(cpu, [usage(0.05)], [usage(0.95)]).measured).toContain("cgroup v1 cpuacct.usage");
    const hostOnly: ProbeResult = { type: "usage", value: { cpuCores: null, ioBytesPerSecond: null, memoryBytes: null, source: { cpu: "none (not a container)", io: "none", memory: "none" } } };
    expect(judgeInjected(cpu, [hostOnly], [hostOnly])).toMatchObject({ achieved: false, measured: "no cpu figure of the target's own: none (not a container)" });
    expect(judgeRecovered(cpu, [hostOnly], [hostOnly]).achieved).toBe(false);
  });
});
