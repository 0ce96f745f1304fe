import * as fs from "fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { campaignSchema, parseCampaign, type Campaign } from "../../../chaos/campaign/definition";
import { activeAt, planCampaign, scheduleHash, wayBackProblem } from "../../../chaos/campaign/plan";

const read = (f: string) => parseCampaign(fs.readFileSync(f, "utf8"), f);

describe("campaign file", () => {
  it("the examples validate", () => {
    expect(read("campaigns/ci-short.yaml").durationSeconds).toBe(180);
    expect(read("campaigns/two-hours.yaml").durationSeconds).toBe(7200);
  });

  it.each([
    ["seed: -1", /seed: must be ≥ 0 \(got -1; allowed 0–4294967295\)/],
    ["durationSeconds: 5", /durationSeconds: must be ≥ 30 s \(got 5; allowed 30 s–86400 s\)/],
    ["period: { onSeconds: 20, offSeconds: 20, jitterSeconds: 25 }", /period.jitterSeconds: must be below both onSeconds and offSeconds \(got 25\)/],
    ["maxConcurrent: 9", /maxConcurrent: must be ≤ 4 \(got 9; allowed 1–4\)/],
  ])("%s is refused with key, value and range", (line, message) => {
    const base = fs.readFileSync("campaigns/ci-short.yaml", "utf8").split("\n").filter((l) => !l.startsWith(line.split(":")[0] + ":")).join("\n");
    expect(() => parseCampaign(`${base}\n${line}\n`, "x.yaml")).toThrow(message);
  });

  it("a menu entry is checked as the fault it stands for, with its line", () => {
    const bad = (entry: string) => `id: x\ntitle: bad one\nseed: 1\ndurationSeconds: 60\nperiod: { onSeconds: 20, offSeconds: 20 }\nfaults:\n  - ${entry}\n`;
    expect(() => parseCampaign(bad("{ kind: loss, percent: 130, targets: [primary] }"), "x.yaml")).toThrow(/x.yaml:7: faults.0.percent: faults.0.percent: .*(100|<=).*\(got 130\)/);
    expect(() => parseCampaign(bad("{ kind: loss, percent: 10, targets: [leader] }"), "x.yaml")).toThrow(/faults.0.targets.0: must be one of primary, replica, any-patroni, etcd-leader, etcd-follower, any-etcd, haproxy \(got "leader"\)/);
    expect(() => parseCampaign(bad("{ kind: etcd-outage, variant: stop, targets: [any-etcd] }"), "x.yaml")).toThrow(/etcd-outage takes no targets/);
    expect(() => parseCampaign(bad("{ kind: node-stop, mode: kill }"), "x.yaml")).toThrow(/node-stop needs targets/);
  });
});

describe("campaign planner", () => {
  it("the same seed gives the same schedule; another seed another one", () => {
    const c = read("campaigns/ci-short.yaml");
    const a = planCampaign(c);
    expect(planCampaign(structuredClone(c))).toEqual(a);
    expect(scheduleHash(planCampaign(c))).toBe(scheduleHash(a));
    expect(scheduleHash(planCampaign({ ...c, seed: c.seed + 1 }))).not.toBe(scheduleHash(a));
    expect(a.faults.length).toBeGreaterThan(2);
    expect(a.toggles.at(-1)!.atSeconds).toBeLessThanOrEqual(c.durationSeconds);
  });

  it("every fault carries a watchdog that outlives its planned time by the slack", () => {
    const c = read("campaigns/ci-short.yaml");
    for (const f of planCampaign(c).faults) expect(f.spec.durationSeconds).toBe(f.endSeconds - f.startSeconds + c.watchdogSlackSeconds);
  });

  const menu = [
    { kind: "node-stop", mode: "kill", targets: ["primary", "replica", "any-patroni", "etcd-leader", "any-etcd"], weight: 3 },
    { kind: "partition", targets: ["primary", "replica", "etcd-follower", "any-etcd"], weight: 2 },
    { kind: "etcd-outage", variant: "stop", members: 2 },
    { kind: "etcd-outage", variant: "stop", members: 1 },
    { kind: "etcd-outage", variant: "block-client" },
    { kind: "loss", percent: 20, targets: ["any-patroni"] },
  ];
  const campaigns = fc.record({
    seed: fc.integer({ min: 0, max: 0xffffffff }),
    durationSeconds: fc.integer({ min: 30, max: 3000 }),
    maxConcurrent: fc.integer({ min: 1, max: 4 }),
    on: fc.integer({ min: 10, max: 120 }),
    off: fc.integer({ min: 10, max: 120 }),
    etcd: fc.constantFrom(1, 3, 5),
    patroni: fc.integer({ min: 2, max: 5 }),
    allowEtcdQuorumLoss: fc.boolean(),
  }).map((r): Campaign => campaignSchema.parse({
    id: "prop", title: "property", seed: r.seed, durationSeconds: r.durationSeconds, maxConcurrent: r.maxConcurrent,
    period: { onSeconds: r.on, offSeconds: r.off, jitterSeconds: Math.min(r.on, r.off) - 1 }, cluster: { etcd: r.etcd, patroni: r.patroni },
    allowEtcdQuorumLoss: r.allowEtcdQuorumLoss, faults: menu,
  }));

  it("property: deterministic, never more than maxConcurrent, never without a way back, within the duration", () => {
    fc.assert(fc.property(campaigns, (c) => {
      const s = planCampaign(c);
      expect(planCampaign(c)).toEqual(s);
      expect(new Set(s.faults.map((f) => f.name)).size).toBe(s.faults.length);
      for (const t of s.toggles) {
        expect(t.atSeconds).toBeGreaterThanOrEqual(0);
        expect(t.atSeconds).toBeLessThanOrEqual(c.durationSeconds);
        const active = activeAt(s, t.atSeconds);
        expect(active.length).toBeLessThanOrEqual(c.maxConcurrent);
        expect(wayBackProblem(active.map((f) => f.impact), c.cluster, c.allowEtcdQuorumLoss)).toBeUndefined();
        const etcdDown = active.reduce((a, f) => a + f.impact.etcdDown, 0);
        if (!c.allowEtcdQuorumLoss) expect(etcdDown).toBeLessThanOrEqual(Math.floor((c.cluster.etcd - 1) / 2));
        expect(etcdDown >= c.cluster.etcd && active.reduce((a, f) => a + f.impact.patroniDown, 0) >= c.cluster.patroni).toBe(false);
      }
    }), { numRuns: 300 });
  });

  it("the way-back rule itself: all etcd and all Patroni down is refused even when quorum loss is allowed", () => {
    const cluster = { etcd: 3, patroni: 3 };
    expect(wayBackProblem([{ etcdDown: 3, patroniDown: 0 }, { etcdDown: 0, patroniDown: 3 }], cluster, true)).toMatch(/every etcd member/);
    expect(wayBackProblem([{ etcdDown: 2, patroniDown: 0 }], cluster, false)).toMatch(/more than a minority \(1\)/);
    expect(wayBackProblem([{ etcdDown: 2, patroniDown: 3 }], cluster, true)).toBeUndefined();
  });
});
