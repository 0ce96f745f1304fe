import { spawnSync } from "child_process";
import { describe, expect, it } from "vitest";
import { judgeMechanism, memberCheck, stressTests } from "../../../chaos/faults/mechanism";
import { planFault } from "../../../chaos/faults/plan";
import { faultSpec } from "../../../chaos/faults/spec";
import { DockerExecTransport } from "../../../chaos/targets/transport";
import type { Member, World } from "../../../chaos/targets/world";
import { labConfigSchema } from "../../../stacks/config";

const bash = (script: string) => spawnSync("bash", ["-c", `set -euo pipefail\n${script}`], { encoding: "utf8" });

describe("mechanism re-check: expired vs drifted", () => {
  const t = { injectedAt: 1000, activeSeconds: 60 };

  it("every target ok: active", () => {
    expect(judgeMechanism("pg1 ok\npg2 ok", { ...t, now: 1010 })).toEqual({ status: "active", reason: "in place on pg1, pg2" });
  });

  it("gone everywhere at the end of the duration: expired; before it: drifted", () => {
    expect(judgeMechanism("pg1 gone", { ...t, now: 1058 }).status).toBe("expired");
    const early = judgeMechanism("pg1 gone", { ...t, now: 1020 });
    expect(early.status).toBe("drifted");
    expect(early.reason).toMatch(/gone from pg1 20\.0 s after injection, before the end of its duration \(60 s\)/);
  });

  it("a missing piece, a partly gone multi-target fault, or an unreachable member: drifted with the member's reason", () => {
    expect(judgeMechanism("pg1 partial delay process pgchaos-delay-d not running", { ...t, now: 1010 }))
      .toEqual({ status: "drifted", reason: "pg1: delay process pgchaos-delay-d not running" });
    expect(judgeMechanism("pg1 ok\npg2 gone", { ...t, now: 1070 }).reason).toBe("pg2: nothing of the fault left");
    // Unreachable is never taken as "gone" (and so never as expired), even after the duration.
    expect(judgeMechanism("pg1 unreachable Error: No such container", { ...t, now: 1070 }))
      .toEqual({ status: "drifted", reason: "pg1: unreachable (Error: No such container)" });
  });

  it("a check that printed no status line is an error, never a verdict", () => {
    expect(() => judgeMechanism("bash: docker: command not found", { ...t, now: 1010 })).toThrow(/printed no member status/);
  });

  it("member-side script: ok / partial with every reason / gone (nothing remains, no watchdog file)", () => {
    const tests = [{ test: "true", missing: "a missing" }, { test: "false", missing: "b missing ($((1 + 1)) of 3)" }, { test: "false", missing: "c missing" }];
    expect(bash(memberCheck("pg1", "zz-unit", [tests[0]], "true")).stdout.trim()).toBe("pg1 ok");
    expect(bash(memberCheck("pg1", "zz-unit", tests, "true")).stdout.trim()).toBe("pg1 partial b missing (2 of 3); c missing");
    expect(bash(memberCheck("pg1", "zz-unit", tests, "false")).stdout.trim()).toBe("pg1 gone");
  });

  it("stress: a parent without its workers is partial, with the count", () => {
    const script = memberCheck("pg2", "zz-unit", stressTests("zz-unit", 2), "false");
    expect(bash(script).stdout.trim()).toBe("pg2 gone"); // no pid file: nothing remains
    expect(script).toContain("stress-ng workers:");
  });

  it("every kind plans a mechanism check that is valid shell and names its targets", () => {
    const member = (name: string, kind: Member["kind"], ip: string): Member => ({ name, kind, ip, ports: {}, transport: new DockerExecTransport(`pgchaos-dev-${name}`) });
    const members = [member("etcd1", "etcd", "10.9.0.2"), member("etcd2", "etcd", "10.9.0.3"), member("etcd3", "etcd", "10.9.0.4"), member("pg1", "patroni", "10.9.0.5"), member("pg2", "patroni", "10.9.0.6"), member("haproxy", "haproxy", "10.9.0.8")];
    const world: World = { members, live: { reachable: true, patroniLeader: "pg1", etcdLeader: "etcd1", netem: {}, notes: [] } };
    const ctx = { world, dcs: labConfigSchema.parse({}).dcs, defaultDurationSeconds: 600 };
    const kinds = [
      { name: "s", kind: "node-stop", target: "primary", mode: "pause" }, { name: "d", kind: "delay", target: "pg1", delayMs: 100 },
      { name: "l", kind: "loss", target: "pg2", percent: 30 }, { name: "r", kind: "reset", target: "pg2", peers: ["pg1"] },
      { name: "p", kind: "partition", groupA: ["pg1"] }, { name: "c", kind: "stress", target: "pg2", resource: "cpu", workers: 2 },
      { name: "e1", kind: "etcd-outage", variant: "stop", members: 1 }, { name: "e2", kind: "etcd-outage", variant: "block-client" },
      { name: "e3", kind: "etcd-outage", variant: "slow", members: 2 }, { name: "e4", kind: "etcd-outage", variant: "flap", members: 1, cycles: 2, downSeconds: 3, upSeconds: 4 },
    ];
    for (const raw of kinds) {
      const p = planFault(faultSpec.parse(raw), ctx);
      expect(spawnSync("bash", ["-n", "-c", p.mechanismCheck]).status, raw.name).toBe(0);
      for (const target of p.targets) expect(p.mechanismCheck, raw.name).toContain(p.kind === "etcd-outage" && raw.variant === "flap" ? "flap-loop" : `${target} ok`);
    }
    const flap = planFault(faultSpec.parse(kinds[9]), ctx);
    expect(flap.activeSeconds).toBe(14); // its schedule, not its duration
    const delay = planFault(faultSpec.parse(kinds[1]), ctx);
    expect(delay.mechanismCheck).toContain("delay process pgchaos-delay-d not running");
    expect(delay.mechanismCheck).toContain("jump to PGC-d-O missing from OUTPUT");
  });
});

describe("atomic inject", () => {
  it("a failed inject runs recover; a recover that fails too is said, never hidden", async () => {
    const { atomicInject, INJECT_RECOVER_FAILED } = await import("../../../chaos/faults/plan");
    const ok = bash(atomicInject("echo applied; false", "echo reverted"));
    expect(ok.status).toBe(1);
    expect(ok.stderr).toContain("inject failed (exit 1): recovering what was applied");
    expect(ok.stderr).not.toContain(INJECT_RECOVER_FAILED);
    const bad = bash(atomicInject("exit 4", "exit 2"));
    expect(bad.status).toBe(4); // the inject's own error
    expect(bad.stderr).toContain(INJECT_RECOVER_FAILED);
  });
});
