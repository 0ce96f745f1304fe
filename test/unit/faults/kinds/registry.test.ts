// The registry of fault kinds: every kind the config accepts has one entry, and it plans, needs tools and probes netem as declared.
import { describe, expect, it } from "vitest";
import { FAULT_KINDS, KIND_SCHEMAS } from "../../../../chaos/faults/kinds";
import { netemSelectors, planFault, toolNeed } from "../../../../chaos/faults/plan";
import { faultSpec } from "../../../../chaos/faults/spec";
import { DockerExecTransport } from "../../../../chaos/targets/transport";
import type { Member, World } from "../../../../chaos/targets/world";
import { labConfigSchema } from "../../../../stacks/config";

const member = (name: string, kind: Member["kind"], ip: string): Member => ({ name, kind, ip, ports: {}, transport: new DockerExecTransport(`pgchaos-dev-${name}`) });
const world: World = {
  members: [member("etcd1", "etcd", "10.0.0.2"), member("etcd2", "etcd", "10.0.0.3"), member("etcd3", "etcd", "10.0.0.4"),
    member("pg1", "patroni", "10.0.0.5"), member("pg2", "patroni", "10.0.0.6"), member("haproxy", "haproxy", "10.0.0.8")],
  live: { reachable: true, patroniLeader: "pg1", etcdLeader: "etcd1", netem: {}, notes: [] },
};
const ctx = { world, dcs: labConfigSchema.parse({}).dcs, defaultDurationSeconds: 60 };

const ONE_OF_EACH = [
  { spec: { name: "n", kind: "node-stop", target: "primary" }, need: "lifecycle", netem: [] },
  { spec: { name: "d", kind: "delay", target: "pg2", delayMs: 50 }, need: "delay", netem: ["pg2"] },
  { spec: { name: "l", kind: "loss", target: "pg2", percent: 5 }, need: "iptables", netem: [] },
  { spec: { name: "r", kind: "reset", target: "pg2" }, need: "iptables", netem: [] },
  { spec: { name: "p", kind: "partition", groupA: ["pg1"] }, need: "iptables", netem: [] },
  { spec: { name: "s", kind: "stress", target: "pg2", resource: "cpu" }, need: "stress-ng", netem: [] },
  { spec: { name: "e", kind: "etcd-outage", variant: "slow" }, need: "delay", netem: ["all-etcd"] },
  { spec: { name: "f", kind: "etcd-outage", variant: "stop" }, need: "lifecycle", netem: [] },
] as const;

describe("fault kind registry", () => {
  it("has exactly one entry per kind the config schema accepts", () => {
    const schemaKinds = KIND_SCHEMAS.map((s) => s.shape.kind.value).sort();
    expect(Object.keys(FAULT_KINDS).sort()).toEqual(schemaKinds);
    expect(schemaKinds).toEqual(["delay", "etcd-outage", "loss", "node-stop", "partition", "reset", "stress"]);
  });

  it.each(ONE_OF_EACH)("$spec.kind ($spec.name): plans through its entry, with its tool need and netem probe targets", ({ spec, need, netem }) => {
    const parsed = faultSpec.parse(spec);
    const plan = planFault(parsed, ctx);
    expect(plan.kind).toBe(spec.kind);
    expect(plan.targets.length).toBeGreaterThan(0);
    expect(plan.verification.probes.length).toBeGreaterThan(0);
    expect(toolNeed(plan)).toBe(need);
    expect(netemSelectors([parsed])).toEqual(netem);
  });
});
