import { spawnSync } from "child_process";
import { describe, expect, it } from "vitest";
import type { PlanContext } from "../../../chaos/faults/kind-plan";
import { blastRadius, findConflicts, planFault } from "../../../chaos/faults/plan";
import { chaosConfigSchema, faultSpec, type FaultSpec } from "../../../chaos/faults/spec";
import { DockerExecTransport, SshTransport } from "../../../chaos/targets/transport";
import type { Member, World } from "../../../chaos/targets/world";
import { labConfigSchema } from "../../../stacks/config";

const member = (name: string, kind: Member["kind"], ip: string): Member => ({ name, kind, ip, ports: {}, transport: new DockerExecTransport(`pgchaos-dev-${name}`) });
const members: Member[] = [
  member("etcd1", "etcd", "172.19.0.2"), member("etcd2", "etcd", "172.19.0.3"), member("etcd3", "etcd", "172.19.0.4"),
  member("pg1", "patroni", "172.19.0.5"), member("pg2", "patroni", "172.19.0.6"), member("pg3", "patroni", "172.19.0.7"),
  member("haproxy", "haproxy", "172.19.0.8"),
];
const world = (netem?: boolean): World => ({
  members,
  live: { reachable: true, patroniLeader: "pg2", etcdLeader: "etcd3", netem: netem === undefined ? {} : Object.fromEntries(members.map((m) => [m.name, netem])), notes: [] },
});
const ctx = (w = world(false)): PlanContext => ({ world: w, dcs: labConfigSchema.parse({}).dcs, defaultDurationSeconds: 600 });
const spec = (raw: Record<string, unknown>): FaultSpec => faultSpec.parse(raw);
const plan = (raw: Record<string, unknown>, w?: World) => planFault(spec(raw), ctx(w));

/** Bash parses the script without running it: every generated script must be valid shell. */
const bashSyntaxOk = (script: string) => spawnSync("bash", ["-n", "-c", script]).status === 0;

const ALL_KINDS: Array<Record<string, unknown>> = [
  { name: "stop1", kind: "node-stop", target: "primary", mode: "kill" },
  { name: "delay1", kind: "delay", target: "pg1", delayMs: 100, jitterMs: 10 },
  { name: "loss1", kind: "loss", target: "primary", percent: 30, direction: "both" },
  { name: "rst1", kind: "reset", target: "replica", peers: ["primary"] },
  { name: "split1", kind: "partition", groupA: ["primary"], groupB: ["all-etcd", "replica"] },
  { name: "cpu1", kind: "stress", target: "any-replica", resource: "cpu", workers: 2, loadPercent: 50 },
  { name: "etcd1", kind: "etcd-outage", variant: "stop", members: 2 },
  { name: "etcd2", kind: "etcd-outage", variant: "block-client", from: ["primary"] },
  { name: "etcd3", kind: "etcd-outage", variant: "slow", members: ["etcd-leader"], delayMs: 300 },
  { name: "etcd4", kind: "etcd-outage", variant: "flap", members: ["etcd-leader"], cycles: 3, downSeconds: 5, upSeconds: 5 },
];

describe("fault plans: inject and recover side by side", () => {
  it.each(ALL_KINDS)("$kind ($name): valid shell, inject/recover/check snapshots", (raw) => {
    const p = plan(raw);
    for (const script of [p.inject, p.recover, p.check]) expect(bashSyntaxOk(script)).toBe(true);
    expect({ targets: p.targets, links: p.links, mechanism: p.mechanism, expectedEffect: p.expectedEffect, inject: p.inject, recover: p.recover, check: p.check }).toMatchSnapshot();
  });

  it("resolves roles against the live view: primary, replicas, etcd leader/follower", () => {
    expect(plan({ name: "a", kind: "node-stop", target: "primary" }).targets).toEqual(["pg2"]);
    expect(plan({ name: "a", kind: "node-stop", target: "replica" }).targets).toEqual(["pg1", "pg3"]);
    expect(plan({ name: "a", kind: "node-stop", target: "any-replica" }).targets).toEqual(["pg1"]);
    expect(plan({ name: "a", kind: "node-stop", target: "etcd-leader" }).targets).toEqual(["etcd3"]);
    expect(plan({ name: "a", kind: "node-stop", target: "etcd-follower" }).targets).toEqual(["etcd1"]);
    expect(plan({ name: "a", kind: "etcd-outage", variant: "stop", members: 2 }).targets).toEqual(["etcd1", "etcd2"]); // followers first
    expect(() => plan({ name: "a", kind: "node-stop", target: "pg9" })).toThrow(/unknown target 'pg9'/);
    const noLeader: World = { ...world(false), live: { ...world(false).live, patroniLeader: undefined, notes: ["Patroni: connect refused"] } };
    expect(() => plan({ name: "a", kind: "node-stop", target: "primary" }, noLeader)).toThrow(/no Patroni leader found.*connect refused/);
  });

  it("loss: statistic DROP in chains named after the fault, jumps commented; recover removes exactly those", () => {
    const p = plan({ name: "loss1", kind: "loss", target: "pg1", peers: ["pg2"], percent: 25, direction: "out" });
    expect(p.inject).toContain("PGC-loss1-O");
    expect(p.inject).toContain("--probability 0.2500");
    expect(p.inject).toMatch(/--comment pgchaos\\*:loss1/);
    expect(p.inject).not.toContain("-A PGC-loss1-I"); // direction out only: no rule in the INPUT chain
    expect(p.recover).toContain("iptables -w -X PGC-loss1-O");
    expect(p.recover).toContain("docker exec -u root pgchaos-dev-pg1");
    expect(p.links).toEqual(["pg1 -> pg2"]);
  });

  it("delay: netem where the kernel has it, NFQUEUE delayer where not, decided at inject when unknown", () => {
    expect(plan({ name: "d", kind: "delay", target: "pg1", delayMs: 100 }, world(true)).mechanism).toMatch(/^tc netem/);
    expect(plan({ name: "d", kind: "delay", target: "pg1", delayMs: 100 }, world(false)).mechanism).toMatch(/^NFQUEUE \d+ \+ pgchaos-delay/);
    expect(plan({ name: "d", kind: "delay", target: "pg1", delayMs: 100 }, world()).mechanism).toMatch(/decided at inject/);
    expect(() => plan({ name: "d", kind: "delay", target: "pg1", delayMs: 100, mechanism: "netem" }, world(false))).toThrow(/no sch_netem/);
    const nfq = plan({ name: "d", kind: "delay", target: "pg1", peers: ["etcd1"], delayMs: 100 }, world(false));
    expect(nfq.inject).toContain("--queue-bypass");
    expect(nfq.inject).toContain("exec -a pgchaos-delay-d pgchaos-delay");
  });

  it("partition exempts an SSH target's port so the controller keeps its session", () => {
    const ssh = new SshTransport({ host: "10.1.2.3", port: 2222, user: "admin", sudo: true, keyFileVar: "PGCHAOS_SSH_KEY_FILE", serviceUnit: "patroni" });
    const w: World = { ...world(false), members: members.map((m) => (m.name === "pg2" ? { ...m, transport: ssh } : m)) };
    const p = plan({ name: "p", kind: "partition", groupA: ["primary"] }, w);
    expect(p.inject).toContain("--dport 2222 -j RETURN");
    expect(p.inject).toContain("--sport 22 -j RETURN");
    expect(p.inject).toMatch(/\nssh -i "\$PGCHAOS_SSH_KEY_FILE" -p 2222/);
    expect(p.inject).toContain("sudo -n bash -c");
  });

  it("every fault arms a watchdog with its duration; lifecycle faults arm it outside the stopped member", () => {
    const loss = plan({ name: "l", kind: "loss", target: "pg1", percent: 5, durationSeconds: 42 });
    expect(loss.inject).toContain("/var/lib/pgchaos/l.watchdog.sh");
    expect(loss.inject).toContain("sleep 42");
    const stop = plan({ name: "s", kind: "node-stop", target: "pg1", durationSeconds: 30 });
    expect(stop.inject).toMatch(/watchdogs[\s\S]*pgchaos-dev-pg1\.s\.sh/);
    expect(stop.inject.indexOf("setsid")).toBeLessThan(stop.inject.indexOf("docker stop")); // armed before the stop
    expect(stop.recover).toContain("docker start pgchaos-dev-pg1");
  });

  it("rejects conflicting faults and names both", () => {
    const plans = [plan({ name: "d1", kind: "delay", target: "pg1", delayMs: 10 }), plan({ name: "d2", kind: "delay", target: "pg1", delayMs: 20 }), plan({ name: "s", kind: "node-stop", target: "pg1" })];
    expect(findConflicts(plans)).toEqual(["faults d1 and d2 conflict on delay of pg1"]);
    expect(findConflicts([plan({ name: "a", kind: "node-stop", target: "primary" }), plan({ name: "b", kind: "etcd-outage", variant: "stop", members: ["pg2"] })]))
      .toEqual(["faults a and b conflict on lifecycle of pg2"]);
  });

  it("blast radius text names targets, links, mechanism and the expected effect", () => {
    const text = blastRadius([plan({ name: "kill-primary", kind: "node-stop", target: "primary", mode: "kill" }), plan({ name: "q", kind: "etcd-outage", variant: "stop", members: 2 })], world(false));
    expect(text).toMatchSnapshot();
    expect(text).toContain("pg2 [primary] killed (SIGKILL); the primary is hit → Patroni should elect a new leader within ttl + loop_wait ≈ 12 s");
    expect(text).toContain("2 of 3 etcd members down → quorum lost");
    expect(blastRadius([], world(false))).toBe("no faults configured: nothing is touched");
  });
});

describe("fault config validation", () => {
  const parse = (faults: unknown[]) => chaosConfigSchema.safeParse({ kind: "chaos", faults });

  it.each([
    ["name with shell", { name: "x; rm -rf /", kind: "loss", target: "pg1", percent: 5 }],
    ["target with quote", { name: "a", kind: "loss", target: "pg1'", percent: 5 }],
    ["target with newline", { name: "a", kind: "node-stop", target: "pg1\nrm" }],
    ["peer with $()", { name: "a", kind: "delay", target: "pg1", peers: ["$(id)"], delayMs: 5 }],
    ["percent over 100", { name: "a", kind: "loss", target: "pg1", percent: 101 }],
    ["jitter over delay", { name: "a", kind: "delay", target: "pg1", delayMs: 5, jitterMs: 6 }],
    ["stress bytes with shell", { name: "a", kind: "stress", target: "pg1", resource: "memory", bytes: "1G; reboot" }],
    ["too many workers", { name: "a", kind: "stress", target: "pg1", resource: "cpu", workers: 64 }],
    ["unknown kind", { name: "a", kind: "meteor", target: "pg1" }],
    ["unknown key", { name: "a", kind: "loss", target: "pg1", percent: 5, extra: 1 }],
  ])("rejects %s", (_label, fault) => {
    expect(parse([fault]).success).toBe(false);
  });

  it("accepts decimals stored as strings by `pulumi config set --path`, and rejects duplicate names", () => {
    const ok = parse([{ name: "a", kind: "loss", target: "pg1", percent: "12.5" }]);
    expect(ok.success && ok.data.faults[0]).toMatchObject({ percent: 12.5, direction: "both" });
    const dup = parse([{ name: "a", kind: "node-stop", target: "pg1" }, { name: "a", kind: "node-stop", target: "pg2" }]);
    expect(dup.success).toBe(false);
    expect(JSON.stringify(dup.error?.issues)).toContain("duplicate fault name a");
  });
});
