import { describe, expect, it } from "vitest";
import { effectLost, FaultWatch, watchedFromDeployment, type WatchedFault } from "../../../chaos/faults/watch";
import { invalidBecause, summarizeVerdicts } from "../../../chaos/checkers/expectations";
import type { ProbeResult } from "../../../chaos/faults/verify";

const tcp = (medianMs: number | null, ok = 9, count = 9): ProbeResult => ({ type: "tcp", value: { ok, refused: 0, timeout: count - ok, other: 0, medianMs, p90Ms: medianMs, count } });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("fault watch", () => {
  it("effect lost only when unambiguous: delay back under half, connects through a cut, a stopped member running", () => {
    const delay = { type: "delay" as const, delayMs: 200, configured: "+200 ms" };
    expect(effectLost(delay, [tcp(0.5)], [tcp(201)])).toBeUndefined();
    expect(effectLost(delay, [tcp(0.5)], [tcp(0.9)])).toMatch(/round trip \+0\.4 ms over the baseline 0\.50 ms \(set \+200 ms\)/);
    expect(effectLost(delay, [tcp(0.5)], [tcp(null, 0)])).toBeUndefined(); // target restarting: not measured, not lost
    expect(effectLost({ type: "blocked", configured: "cut" }, [], [tcp(null, 0, 10)])).toBeUndefined();
    expect(effectLost({ type: "blocked", configured: "cut" }, [], [tcp(0.4, 3, 10)])).toBe("3 of 10 connects went through (cut)");
    expect(effectLost({ type: "down", state: "stopped", configured: "pg1 kill" }, [], [{ type: "state", value: "running" }])).toMatch(/state running/);
    expect(effectLost({ type: "down", state: "stopped", configured: "pg1 kill" }, [], [{ type: "state", value: "unknown" }, { type: "http", value: { ok: 0, failed: 2 } }])).toBeUndefined();
  });

  it("reads the faults from a stack export (only Fault resources with a mechanism check)", () => {
    const faults = watchedFromDeployment({ resources: [
      { type: "pulumi:pulumi:Stack" },
      { type: "pulumi-nodejs:dynamic/pgchaos:Fault", outputs: { name: "d", metadata: { kind: "delay" }, mechanismCheck: "echo pg1 ok", activeSeconds: 60, verify: true, verification: { rule: { type: "delay" } }, baseline: [], stdout: '{"member":"pg1","injectedAt":1700000000.5,"clock":"member"}' } },
      { type: "pulumi-nodejs:dynamic/pgchaos:Fault", outputs: { name: "old", check: "true" } },
    ] });
    expect(faults).toHaveLength(1);
    expect(faults[0]).toMatchObject({ name: "d", kind: "delay", activeSeconds: 60, injectedAt: 1700000000.5 });
  });

  it("notices a mechanism that vanished within one interval, records when and why, and ignores checks during a change", async () => {
    let state = "pg1 ok";
    const fault: WatchedFault = { name: "d", kind: "delay", mechanismCheck: "check-d", activeSeconds: 600, injectedAt: Date.now() / 1000, baseline: [] };
    const lines: string[] = [];
    const watch = new FaultWatch({ load: async () => [fault], run: async () => state, log: (l) => lines.push(l), intervalMs: 300 });
    await watch.during(async () => undefined);
    watch.start();
    await sleep(700);
    expect(watch.record.events).toEqual([]);
    // A `pulumi up` that removes the fault: nothing it does counts as drift.
    await watch.during(async () => { state = "pg1 gone"; await sleep(500); });
    expect(watch.record.events).toEqual([]);
    state = "pg1 ok";
    await watch.during(async () => undefined);
    const lostAt = Date.now();
    state = "pg1 partial delay process pgchaos-delay-d not running";
    await sleep(800);
    await watch.stop();
    expect(watch.record.events).toHaveLength(1);
    const e = watch.record.events[0];
    expect(e).toMatchObject({ fault: "d", status: "drifted", source: "mechanism", reason: "pg1: delay process pgchaos-delay-d not running" });
    expect(e.at - lostAt).toBeLessThan(5000);
    expect(e.at - e.lastActiveAt!).toBeLessThan(1000);
    expect(watch.record.checks).toBeGreaterThan(2);
    expect(lines.join("\n")).toContain("d DRIFTED at");
  });

  it("a run whose fault stopped acting is INVALID with that moment, never PASS or FAIL", () => {
    const at = Date.parse("2026-12-01T14:03:05.123Z");
    const journal = { faultWatch: { events: [{ fault: "d", status: "drifted", source: "mechanism", at, lastActiveAt: at - 1900, reason: "pg1: delay process pgchaos-delay-d not running" }] } };
    const why = invalidBecause(journal)!;
    expect(why).toBe("fault d stopped acting at 2026-12-01T14:03:05.123Z (last seen acting 1.9 s before): drifted, by its mechanism check — pg1: delay process pgchaos-delay-d not running");
    const held = [{ status: "held", held: true }] as Parameters<typeof summarizeVerdicts>[0];
    expect(summarizeVerdicts(held, undefined, why)).toMatchObject({ pass: false, text: `INVALID: ${why}` });
    expect(summarizeVerdicts(held, undefined, invalidBecause({ faultWatch: { events: [] } })).text).toBe("PASS: 1/1 held");
  });
});
