// node-stop: stop, kill (SIGKILL) or pause members through their lifecycle (Docker or systemd).
import { z } from "zod";
import { resolveSelector } from "../../targets/world";
import type { FaultKindDef } from "../kind-plan";
import { lifecycleFault } from "../shapes";
import { baseFields, lifecycleMode, selector } from "../spec-fields";
import { downVerification, failoverExpectation, names, withRoles } from "../targeting";

export const nodeStopSpec = z.object({
  ...baseFields,
  kind: z.literal("node-stop"),
  target: selector,
  mode: lifecycleMode,
}).strict();
export type NodeStopSpec = z.infer<typeof nodeStopSpec>;

export const nodeStop: FaultKindDef<NodeStopSpec> = {
  plan(spec, { world, dcs }, seconds) {
    const targets = resolveSelector(spec.target, world);
    const effect = spec.mode === "pause" ? "frozen" : spec.mode === "kill" ? "killed (SIGKILL)" : "stopped";
    return {
      ...lifecycleFault(spec.name, targets, spec.mode, seconds),
      targets: names(targets), links: [], mechanism: `${spec.mode} (${targets.map((t) => t.transport.describe).join(", ")})`,
      expectedEffect: `${withRoles(world, targets)} ${effect}; ${failoverExpectation(world, dcs, targets) || "its service stops answering"}`,
      conflictKeys: targets.map((t) => `lifecycle:${t.name}`),
      verification: downVerification(world, targets, spec.mode),
    };
  },
  need: () => "lifecycle",
  netemSelectors: () => [],
};
