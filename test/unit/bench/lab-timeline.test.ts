import { describe, expect, it } from "vitest";
import { formatLabUp, labUpBreakdown, parseCpuSeconds, resourceSteps, urnLabel } from "../../../bench/lab-timeline";
import type { EngineEvent } from "../../../bench/toggle-timeline";

const urn = (type: string, name: string) => `urn:pulumi:lab::pgchaos::pgchaos:lab:Lab$${type}::${name}`;
const STACK = "urn:pulumi:lab::pgchaos::pulumi:pulumi:Stack::pgchaos-lab";
const ev = (at: number, type: string, u: string, op = "create", resourceType = "x"): EngineEvent => ({ at, type, urn: u, op, resourceType });

describe("lab up timeline", () => {
  const events: EngineEvent[] = [
    ev(1000, "resourcePreEvent", STACK, "create", "pulumi:pulumi:Stack"),
    ev(2500, "resourcePreEvent", urn("docker:index/network:Network", "net")),
    ev(2900, "resOutputsEvent", urn("docker:index/network:Network", "net")),
    ev(3000, "resourcePreEvent", urn("docker:index/container:Container", "pg1")),
    ev(3100, "resourcePreEvent", urn("random:index/randomPassword:RandomPassword", "pw"), "same"),
    ev(3100, "resOutputsEvent", urn("random:index/randomPassword:RandomPassword", "pw"), "same"),
    ev(3200, "resourcePreEvent", urn("command:local:Command", "wait-pg1")),
    ev(9200, "resOutputsEvent", urn("command:local:Command", "wait-pg1")),
    ev(9300, "resOutputsEvent", urn("docker:index/container:Container", "pg1")),
    ev(9400, "resOutputsEvent", STACK, "create", "pulumi:pulumi:Stack"),
  ];

  it("names a step by its URN's type and name", () => {
    expect(urnLabel(urn("docker:index/container:Container", "pg1"))).toBe("docker:index/container:Container::pg1");
  });

  it("matches each step's start to its end by URN, skipping the stack and unchanged resources", () => {
    expect(resourceSteps(events).map((s) => [s.what.split("::")[1], s.end - s.start])).toEqual([["net", 400], ["wait-pg1", 6000], ["pg1", 6300]]);
  });

  it("splits the run into start, steps and finish, and counts docker calls inside it (overlaps once)", () => {
    const calls = [
      { start: 2600, end: 2800, kind: "action" as const },
      { start: 2700, end: 3000, kind: "action" as const },
      { start: 50_000, end: 50_100, kind: "action" as const }, // after the run: not counted
    ];
    const b = labUpBreakdown(0, 10_000, events, calls, 4.5, 2);
    expect(b).toMatchObject({ startMs: 2500, stepsMs: 6800, finishMs: 700, totalMs: 10_000, steps: 3, dockerCalls: 2, dockerCoveredMs: 400, cpuSeconds: 4.5 });
    expect(b.longest.map((s) => s.what.split("::")[1])).toEqual(["pg1", "wait-pg1"]);
    expect(formatLabUp(b)).toContain("start 2.5 s, 3 steps 6.8 s, finish 0.7 s; 2 docker calls covering 0.4 s; CPU 4.5 s");
  });

  it("refuses a recording without any step", () => {
    expect(() => labUpBreakdown(0, 1, [], [])).toThrow(/no resource step/);
  });

  it("reads GNU time's user and system seconds, and nothing from an empty file", () => {
    expect(parseCpuSeconds("1.25 0.50\n")).toBe(1.75);
    expect(parseCpuSeconds("Command exited with non-zero status 1\n2.00 1.00\n")).toBe(3);
    expect(parseCpuSeconds("")).toBeUndefined();
  });
});
