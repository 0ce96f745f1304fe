import { describe, expect, it } from "vitest";
import { campaignSchema, entrySpec } from "../../../chaos/campaign/definition";
import { impactOf, planCampaign, type PlannedFault } from "../../../chaos/campaign/plan";
import { resolveFault, type LiveRoles } from "../../../chaos/campaign/resolve";

const campaign = campaignSchema.parse({
  id: "r", title: "resolve", seed: 3, durationSeconds: 600, period: { onSeconds: 30, offSeconds: 30 },
  faults: [{ kind: "node-stop", mode: "kill", targets: ["primary", "replica", "any-patroni", "etcd-leader"] }, { kind: "etcd-outage", variant: "stop", members: 1 }, { kind: "partition", targets: ["replica"] }],
});
const schedule = planCampaign(campaign);
const roles: LiveRoles = { patroni: ["pg1", "pg2", "pg3"], etcd: ["etcd1", "etcd2", "etcd3"], haproxy: ["haproxy"], primary: "pg2", etcdLeader: "etcd3" };
const planned = (selector: PlannedFault["selector"], kind = "node-stop", pick = 0): PlannedFault => {
  const entry = campaign.faults.find((e) => e.kind === kind)!;
  const spec = entrySpec(entry, `t-${kind}`, selector, 60);
  return { name: spec.name, cycle: 0, entry: 0, kind: spec.kind, selector, pick, startSeconds: 0, endSeconds: 30, impact: impactOf(spec, selector, campaign.cluster), spec };
};

describe("toggle-time resolution", () => {
  it("pins a role selector to the live member and the spec to it", () => {
    const r = resolveFault(planned("primary"), roles, new Set(), [], schedule, false);
    expect(r).toMatchObject({ members: ["pg2"], spec: { kind: "node-stop", target: "pg2" }, impact: { patroniDown: 1, etcdDown: 0 } });
  });

  it("picks among free candidates with the schedule's draw, never a member another fault holds", () => {
    expect(resolveFault(planned("replica", "node-stop", 0), roles, new Set(), [], schedule, false)).toMatchObject({ members: ["pg1"] });
    expect(resolveFault(planned("replica", "node-stop", 1), roles, new Set(), [], schedule, false)).toMatchObject({ members: ["pg3"] });
    expect(resolveFault(planned("replica", "node-stop", 0), roles, new Set(["pg1"]), [], schedule, false)).toMatchObject({ members: ["pg3"] });
    expect(resolveFault(planned("replica", "partition"), roles, new Set(["pg1", "pg3"]), [], schedule, false)).toEqual({ skipped: "replica: every candidate (pg1, pg3) is held by another active fault" });
  });

  it("skips, with the reason, what cannot be placed now or would leave no way back", () => {
    expect(resolveFault(planned("primary"), { ...roles, primary: undefined }, new Set(), [], schedule, false)).toEqual({ skipped: "primary: no Patroni leader at this moment" });
    const etcd = planned(undefined, "etcd-outage");
    expect(resolveFault(etcd, roles, new Set(), [], schedule, false)).toMatchObject({ members: ["etcd1"], spec: { members: ["etcd1"] } });
    expect(resolveFault(etcd, roles, new Set(), [{ etcdDown: 1, patroniDown: 0 }], schedule, false)).toEqual({ skipped: "would leave no way back: 2 of 3 etcd members down: more than a minority (1) without allowEtcdQuorumLoss" });
  });
});
