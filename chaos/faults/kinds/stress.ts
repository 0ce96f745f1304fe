// stress: CPU, I/O or memory pressure inside targets (stress-ng), verified by the target's own usage.
import { z } from "zod";
import { resolveSelector, type Member } from "../../targets/world";
import type { FaultKindDef, ProbeSpec, Verification } from "../kind-plan";
import * as mech from "../mechanism";
import * as ms from "../member-scripts";
import { usageProbeScript } from "../probes";
import { insideTargets } from "../shapes";
import { baseFields, byteSize, selector } from "../spec-fields";
import { names, withRoles } from "../targeting";
import type { Rule } from "../verify";

export const stressSpec = z.object({
  ...baseFields,
  kind: z.literal("stress"),
  target: selector,
  resource: z.enum(["cpu", "io", "memory"]),
  workers: z.number().int().min(1).max(8).default(1),
  /** CPU load per worker, percent. */
  loadPercent: z.number().int().min(1).max(100).default(100),
  /** Bytes per worker for io (file size) and memory (allocation). */
  bytes: byteSize.default("64M"),
}).strict();
export type StressSpec = z.infer<typeof stressSpec>;

function stressVerification(target: Member, spec: StressSpec, what: string): Verification {
  const { resource, workers, loadPercent, bytes } = spec;
  const usage: ProbeSpec = { type: "usage", script: target.transport.exec(usageProbeScript(1.5)) };
  const unit = { K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[bytes.slice(-1) as "K" | "M" | "G"];
  const totalBytes = Number(bytes.slice(0, -1)) * unit * workers;
  const rule: Rule = resource === "cpu"
    // On a shared host other members compete for the cores: 60 % of the asked load (at most 2 cores) proves it runs.
    ? { type: "usage", resource, minCores: 0.6 * Math.min(2, (workers * loadPercent) / 100), configured: what }
    : resource === "io" ? { type: "usage", resource, minBytesPerSecond: 5 * 1024 * 1024, configured: what }
    : { type: "usage", resource, minMemoryGrowthBytes: 0.5 * totalBytes, configured: what };
  return { rule, baseline: [usage], probes: [usage], boundSeconds: 15 };
}

export const stress: FaultKindDef<StressSpec> = {
  plan(spec, { world }, seconds) {
    const f = spec.name;
    const targets = resolveSelector(spec.target, world);
    const what = spec.resource === "cpu" ? `${spec.workers} CPU worker(s) at ${spec.loadPercent}%` : `${spec.workers} ${spec.resource} worker(s) of ${spec.bytes}`;
    return {
      ...insideTargets(f, targets, () => ms.stressStart(f, spec.resource, spec.workers, spec.loadPercent, spec.bytes, seconds), () => ms.stressStop(f), () => ms.stressAlive(f), seconds, () => mech.stressTests(f, spec.workers)),
      targets: names(targets), links: [], mechanism: `stress-ng (${ms.stressProcess(f)}), ${what}, --timeout ${seconds}s`,
      expectedEffect: `${spec.resource} pressure on ${withRoles(world, targets)}; on a small host every member shares the cores, so expect collateral latency elsewhere`,
      conflictKeys: targets.map((t) => `stress-${spec.resource}:${t.name}`),
      verification: stressVerification(targets[0], spec, what),
    };
  },
  need: () => "stress-ng",
  netemSelectors: () => [],
};
