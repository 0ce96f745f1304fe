// delay: added latency on packets from targets to peers — tc netem where the kernel has it, else the NFQUEUE delayer.
import { z } from "zod";
import { PlanError, resolveSelector, type Member } from "../../targets/world";
import type { FaultKindDef, Verification } from "../kind-plan";
import * as mech from "../mechanism";
import * as ms from "../member-scripts";
import * as nf from "../netfilter";
import { insideTargets } from "../shapes";
import { baseFields, peers, selector } from "../spec-fields";
import { names, resolvePeers, servicePort, tcpFrom } from "../targeting";

export const delaySpec = z.object({
  ...baseFields,
  kind: z.literal("delay"),
  target: selector,
  peers,
  delayMs: z.number().int().min(1).max(10_000),
  jitterMs: z.number().int().min(0).max(5_000).default(0),
  /** auto: netem where the kernel has it, else the NFQUEUE delayer. */
  mechanism: z.enum(["auto", "netem", "nfqueue"]).default("auto"),
}).strict().refine((d) => d.jitterMs <= d.delayMs, { message: "jitterMs must be <= delayMs", path: ["jitterMs"] });
export type DelaySpec = z.infer<typeof delaySpec>;

/** A TCP connect from `prober` to `target` before and after: its round trip grows by the delay. */
export function delayVerification(prober: Member, target: Member, delayMs: number, jitterMs: number): Verification {
  // 9 connects, 3 at a time (each is held for the delay on its own: the delayer schedules packets by their
  // due time, so a delayer that serialised them would show here as a multiple of the delay, and fail).
  const probe = tcpFrom(prober, target, servicePort(target), 9, 3000 + 2 * delayMs, 3);
  return { rule: { type: "delay", delayMs, configured: `+${delayMs} ms${jitterMs ? ` ±${jitterMs} ms` : ""}` }, baseline: [probe], probes: [probe], boundSeconds: 10 };
}

const mechanismText = (m: "netem" | "nfqueue" | "auto", f: string, q: number) =>
  m === "netem" ? `tc netem (prio handle ${ms.tcHandle(f)}:)` : m === "nfqueue" ? `NFQUEUE ${q} + pgchaos-delay (kernel has no sch_netem)` : "netem if the kernel has it, else NFQUEUE delayer (decided at inject)";

export const delay: FaultKindDef<DelaySpec> = {
  plan(spec, { world }, seconds) {
    const f = spec.name;
    const targets = resolveSelector(spec.target, world);
    const peerList = resolvePeers(world, targets, spec.peers);
    const peerIps = peerList.map((p) => p.ip);
    const mechanismFor = (m: Member): "netem" | "nfqueue" | "auto" => {
      const netem = world.live.netem[m.name];
      if (spec.mechanism === "netem" && netem === false) throw new PlanError(`delay ${f}: mechanism netem requested but ${m.name}'s kernel has no sch_netem`);
      if (spec.mechanism !== "auto") return spec.mechanism;
      return netem === undefined ? "auto" : netem ? "netem" : "nfqueue";
    };
    const q = ms.queueNumber(f);
    const netemApply = ms.netemApply(f, peerIps, spec.delayMs, spec.jitterMs);
    const nfqApply = `${nf.installChains(f, nf.nfqueueRules(peerIps, q))}\n${ms.delayerStart(f, q, spec.delayMs, spec.jitterMs)}`;
    const apply = (m: Member) => {
      const chosen = mechanismFor(m);
      if (chosen === "netem") return netemApply;
      if (chosen === "nfqueue") return nfqApply;
      return `if [ "$(${ms.NETEM_PROBE})" = yes ]; then\n${netemApply}\nelse\n${nfqApply}\nfi`;
    };
    // Revert both mechanisms: safe (each removes only its own objects) and right after an auto choice.
    const revert = () => [ms.netemRevert(f), ms.delayerStop(f), nf.removeChains(f)].join("\n");
    const present = () => `${nf.chainsPresent(f)} || (${ms.netemPresent(f)})`;
    const nfqTests = [...mech.chainTests(f, nf.nfqueueRules(peerIps, q), []), mech.delayerTest(f)];
    const tests = (m: Member) => ({ netem: [mech.netemTest(f)], nfqueue: nfqTests, auto: mech.eitherDelay(f, nfqTests) })[mechanismFor(m)];
    return {
      ...insideTargets(f, targets, apply, revert, present, seconds, tests),
      targets: names(targets), links: targets.flatMap((t) => peerList.map((p) => `${t.name} -> ${p.name}`)),
      mechanism: [...new Set(targets.map(mechanismFor))].map((m) => mechanismText(m, f, q)).join(" / "),
      expectedEffect: `+${spec.delayMs} ms${spec.jitterMs ? ` ±${spec.jitterMs} ms` : ""} on packets from ${names(targets).join(",")} to ${names(peerList).join(",")}: round trips grow by that much`,
      conflictKeys: targets.map((t) => `delay:${t.name}`),
      verification: delayVerification(peerList[0], targets[0], spec.delayMs, spec.jitterMs),
    };
  },
  need: () => "delay",
  netemSelectors: (spec) => [spec.target],
};
