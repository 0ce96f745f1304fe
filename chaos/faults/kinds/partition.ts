// partition: group A cut off from group B (iptables DROP on A's members), both ways or A → B only.
import { z } from "zod";
import { PlanError, resolveAll } from "../../targets/world";
import type { FaultKindDef } from "../kind-plan";
import * as nf from "../netfilter";
import { chainsInsideTargets } from "../shapes";
import { baseFields, selector } from "../spec-fields";
import { failoverExpectation, names, others, servicePort, tcpFrom } from "../targeting";

export const partitionSpec = z.object({
  ...baseFields,
  kind: z.literal("partition"),
  groupA: z.array(selector).min(1).max(16),
  /** Default: every other member of the cluster. */
  groupB: z.array(selector).min(1).max(16).optional(),
  /** one-way: only packets from A to B are dropped. */
  mode: z.enum(["symmetric", "one-way"]).default("symmetric"),
}).strict();
export type PartitionSpec = z.infer<typeof partitionSpec>;

export const partition: FaultKindDef<PartitionSpec> = {
  plan(spec, { world, dcs }, seconds) {
    const f = spec.name;
    const a = resolveAll(spec.groupA, world);
    const b = (spec.groupB ? resolveAll(spec.groupB, world) : others(world, a)).filter((m) => !a.some((x) => x.name === m.name));
    if (!b.length) throw new PlanError(`partition ${f}: group B is empty once group A is removed from it`);
    const symmetric = spec.mode === "symmetric";
    return {
      ...chainsInsideTargets(f, a, nf.partitionRules(b.map((m) => m.ip), symmetric), seconds),
      targets: names(a), links: a.flatMap((x) => b.map((y) => `${x.name} ${symmetric ? "<-/->" : "-/->"} ${y.name}`)),
      mechanism: `iptables DROP (chains ${nf.chainName(f, "INPUT")}/${nf.chainName(f, "OUTPUT")} on ${names(a).join(",")})`,
      expectedEffect: `{${names(a).join(",")}} cut off from {${names(b).join(",")}}${symmetric ? "" : " (one way: A → B)"}; ${failoverExpectation(world, dcs, a)}`,
      conflictKeys: [],
      // From B to A: symmetric drops the SYN, one-way drops A's SYN-ACK; either way nothing connects.
      verification: {
        rule: { type: "blocked", configured: `${spec.mode} partition {${names(a).join(",")}} / {${names(b).join(",")}}` },
        baseline: [], probes: [tcpFrom(b[0], a[0], servicePort(a[0]), 10, 300, 10)], boundSeconds: 10,
      },
    };
  },
  need: () => "iptables",
  netemSelectors: () => [],
};
