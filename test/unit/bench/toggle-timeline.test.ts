import { describe, expect, it } from "vitest";
import { classifyDockerArgs, coveredMs, downPhases, sideBySide, upPhases, type DockerCall, type EngineEvent, type NodeMark } from "../../../bench/toggle-timeline";
import { parseEngineEvent } from "../../../bench/toggle-record";
import { tcpProbeScript } from "../../../chaos/faults/probes";
import { SCAN_SCRIPT } from "../../../chaos/targets/doctor";
import { NETEM_PROBE } from "../../../chaos/faults/member-scripts";

const FAULT = "pulumi-nodejs:dynamic/pgchaos:Fault";
const ev = (at: number, type: string, resourceType?: string, op?: string): EngineEvent => ({ at, type, resourceType, op });
const ms = (phases: { name: string; ms: number }[], prefix: string) => phases.find((p) => p.name.startsWith(prefix))?.ms;

describe("toggle timeline", () => {
  it("classifies the project's own probe, scan and netem scripts, and anything else as the action", () => {
    expect(classifyDockerArgs(`exec -u root c bash -c ${tcpProbeScript("10.0.0.2", 5432, 10, 500)}`)).toBe("probe");
    expect(classifyDockerArgs(`exec -u root c bash -c ${SCAN_SCRIPT}`)).toBe("scan");
    expect(classifyDockerArgs(`exec -u root c bash -c ${NETEM_PROBE}`)).toBe("netem");
    expect(classifyDockerArgs("exec -u root c bash -c iptables -w -A PGC-x-O -j DROP")).toBe("action");
  });

  it("counts overlapping docker calls once", () => {
    const calls: DockerCall[] = [{ start: 0, end: 100, kind: "scan" }, { start: 50, end: 120, kind: "scan" }, { start: 200, end: 210, kind: "scan" }];
    expect(coveredMs(calls)).toBe(130);
  });

  it("splits an up into engine start, program load, stack reference, planning, inject and verification", () => {
    const marks: NodeMark[] = [
      { pid: 7, ev: "boot", at: 1300, origin: 1250, argv: "run.js" },
      { pid: 7, ev: "program-load-start", at: 1700 },
      { pid: 7, ev: "program-load-end", at: 2600 },
    ];
    const events = [ev(2650, "resourcePreEvent", "pulumi:pulumi:StackReference", "read"), ev(2900, "resOutputsEvent", "pulumi:pulumi:StackReference", "read"),
      ev(3400, "resourcePreEvent", FAULT, "create"), ev(5000, "resOutputsEvent", FAULT, "create")];
    const calls: DockerCall[] = [{ start: 3000, end: 3300, kind: "scan" }, { start: 3500, end: 3600, kind: "probe" }, { start: 3700, end: 3900, kind: "action" }, { start: 4000, end: 4800, kind: "probe" }];
    const p = upPhases(1000, 5300, events, marks, calls);
    expect(ms(p, "CLI + engine start")).toBe(250);
    expect(ms(p, "Node.js")).toBe(450);
    expect(ms(p, "program compile/load")).toBe(900);
    expect(ms(p, "StackReference read")).toBe(250);
    expect(ms(p, "live observation")).toBe(500);
    expect(ms(p, "  inject")).toBe(200);
    expect(ms(p, "  verification")).toBe(900);
    expect(ms(p, "engine finish")).toBe(300);
    expect(ms(p, "TOTAL up")).toBe(4300);
  });

  it("fails loudly when the recording lacks a step instead of printing a zero", () => {
    expect(() => downPhases(0, 10, [], [])).toThrow(/delete step/);
  });

  it("splits a destroy into engine start, recover and verification", () => {
    const events = [ev(800, "resourcePreEvent", FAULT, "delete"), ev(2000, "resOutputsEvent", FAULT, "delete")];
    const calls: DockerCall[] = [{ start: 900, end: 1000, kind: "action" }, { start: 1000, end: 1010, kind: "action" }, { start: 1100, end: 1900, kind: "probe" }];
    const p = downPhases(0, 2100, events, calls);
    expect(ms(p, "CLI + engine start")).toBe(800);
    expect(ms(p, "  recover")).toBe(110);
    expect(ms(p, "  verification")).toBe(890);
    expect(ms(p, "TOTAL destroy")).toBe(2100);
  });

  it("prints medians per variant side by side", () => {
    const table = sideBySide("t", [{ name: "base", runs: [[{ name: "a", ms: 10 }], [{ name: "a", ms: 30 }], [{ name: "a", ms: 20 }]] }, { name: "this", runs: [[{ name: "a", ms: 5 }]] }]);
    expect(table).toMatch(/^a .*\|\s+20 \|\s+5$/m);
  });

  it("reads engine events' kind, op, resource type and URN", () => {
    expect(parseEngineEvent(JSON.stringify({ sequence: 3, timestamp: 1, resourcePreEvent: { metadata: { op: "create", type: FAULT, urn: "u" } } }), 42))
      .toEqual({ at: 42, type: "resourcePreEvent", op: "create", resourceType: FAULT, urn: "u" });
    expect(parseEngineEvent("{not json", 1)).toBeUndefined();
  });
});
