import { describe, expect, it } from "vitest";
import { faultProvider } from "../../../chaos/faults/resource";

// The fault resource's provider with stand-in scripts (no Docker): how up's diff and refresh's read act on
// the mechanism check, and that an update never sends undefined values.
const injectedAt = (secondsAgo: number) => `{"member":"pg1","injectedAt":${Date.now() / 1000 - secondsAgo},"clock":"member"}`;
const state = (mechanismCheck: string, secondsAgo = 10, extra: Record<string, unknown> = {}) => ({
  name: "d", inject: "true", recover: "true", check: "true", mechanismCheck, activeSeconds: 60, diffKey: "k", pinKey: "p",
  metadata: {}, verification: { rule: { type: "delay", delayMs: 100, configured: "+100 ms" }, baseline: [], probes: [], boundSeconds: 1 }, verify: false,
  stdout: injectedAt(secondsAgo), status: "active", ...extra,
}) as any;

describe("fault provider: re-checks in diff (plain up) and read (refresh)", () => {
  it("diff: intact → no change; drifted → replace (delete first); expired → update that marks it, never a replace", async () => {
    expect(await faultProvider.diff!("id", state("echo pg1 ok"), state("echo pg1 ok"))).toMatchObject({ changes: false, replaces: [] });
    expect(await faultProvider.diff!("id", state("echo pg1 partial delay process gone"), state("x"))).toMatchObject({ changes: true, replaces: ["status"], deleteBeforeReplace: true });
    expect(await faultProvider.diff!("id", state("echo pg1 gone", 70), state("x"))).toMatchObject({ changes: true, replaces: [] });
    // Already marked expired: nothing more to do.
    expect(await faultProvider.diff!("id", state("echo pg1 gone", 70, { status: "expired" }), state("echo pg1 gone"))).toMatchObject({ changes: false });
  });

  it("read: status and drift as found; a check that cannot run fails the refresh", async () => {
    const drifted = await faultProvider.read!("id", state("echo pg1 partial chain PGC-d-O has 0 of 1 rules"));
    expect(drifted.props).toMatchObject({ status: "drifted", drift: { reason: "pg1: chain PGC-d-O has 0 of 1 rules" } });
    const early = await faultProvider.read!("id", state("echo pg1 gone", 10));
    expect(early.props).toMatchObject({ status: "drifted" });
    const expired = await faultProvider.read!("id", state("echo pg1 gone", 70));
    expect(expired.props).toMatchObject({ status: "expired" });
    expect(expired.id).toBe("id"); // kept in state
    const active = await faultProvider.read!("id", state("echo pg1 ok", 10, { status: "drifted", drift: { at: 1, reason: "old" } }));
    expect(active.props.status).toBe("active");
    expect("drift" in active.props).toBe(false);
    await expect(faultProvider.read!("id", state("exit 7"))).rejects.toThrow(/exit 7/);
  });

  it("update marks the status and sends no undefined value (the lab has no environment)", async () => {
    const { outs } = await faultProvider.update!("id", state("echo pg1 gone", 70), state("echo pg1 gone", 70));
    expect(outs.status).toBe("expired");
    expect(Object.entries(outs).filter(([, v]) => v === undefined)).toEqual([]);
  });

  it("delete of a stress fault: a usage under the bound is not enough while its mechanism is still in place", async () => {
    const sample = (cores: number) => `echo '{"cpuCores":${cores},"ioBytesPerSecond":0,"memoryBytes":1000,"source":{"cpu":"cgroup","io":"cgroup","memory":"cgroup"}}'`;
    const stress = (mechanismCheck: string) => state(mechanismCheck, 10, {
      verify: true,
      verification: { rule: { type: "usage", resource: "cpu", minCores: 0.3, configured: "1 CPU worker(s) at 50%" }, baseline: [], probes: [{ type: "usage", script: sample(0.05) }], boundSeconds: 1 },
      baseline: [{ type: "usage", value: JSON.parse(sample(0.02).slice(6, -1)) }],
    });
    await expect(faultProvider.delete!("id", stress("echo pg1 gone; echo pg2 gone"))).resolves.toBeUndefined();
    // 0.05 cores is under the bound (0.15 + 0.02) — a saturated host — yet stress-ng still runs on pg2.
    await expect(faultProvider.delete!("id", stress("echo pg1 gone; echo pg2 ok"))).rejects.toThrow(
      /^fault d: RECOVER DID NOT REMOVE THE EFFECT within 1 s — measured 0\.05 CPU cores after recover \(cgroup\), but its mechanism is not gone \(pg2 ok\); the fault stays in state/);
    await expect(faultProvider.delete!("id", stress("echo pg1 unreachable no route"))).rejects.toThrow(/its mechanism is not gone \(pg1 unreachable no route\)/);
    // A check that printed no member line proved nothing: an error, never "gone".
    await expect(faultProvider.delete!("id", stress("echo"))).rejects.toThrow(/printed no member status/);
  });
});
