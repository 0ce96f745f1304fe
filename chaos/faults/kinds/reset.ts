// reset: every TCP connection on some ports between targets and peers reset (iptables REJECT tcp-reset).
import { z } from "zod";
import { PlanError, resolveSelector, type Member } from "../../targets/world";
import type { FaultKindDef, Verification } from "../kind-plan";
import * as nf from "../netfilter";
import { chainsInsideTargets } from "../shapes";
import { baseFields, peers, selector } from "../spec-fields";
import { failoverExpectation, LISTENS, names, resolvePeers, tcpFrom } from "../targeting";

export const resetSpec = z.object({
  ...baseFields,
  kind: z.literal("reset"),
  target: selector,
  peers,
  /** TCP ports whose connections (either side) are reset; default the cluster's service ports. */
  ports: z.array(z.number().int().min(1).max(65535)).min(1).max(16).default([5432, 8008, 2379, 2380]),
}).strict();
export type ResetSpec = z.infer<typeof resetSpec>;

function resetVerification(target: Member, peer: Member, ports: number[]): Verification {
  const served = ports.find((p) => LISTENS[target.kind].includes(p));
  const peerServed = ports.find((p) => LISTENS[peer.kind].includes(p));
  // Probe a port that listens without the fault, so a refusal can only come from the fault's resets.
  const probe = served !== undefined ? tcpFrom(peer, target, served, 10, 1000, 5) : peerServed !== undefined ? tcpFrom(target, peer, peerServed, 10, 1000, 5) : undefined;
  if (!probe) throw new PlanError(`reset: none of ports ${ports.join(",")} is served by ${target.name} (${LISTENS[target.kind].join(",")}) or ${peer.name} (${LISTENS[peer.kind].join(",")}): the effect could not be verified`);
  return { rule: { type: "reset", configured: `tcp-reset on ${ports.join(",")}` }, baseline: [], probes: [probe], boundSeconds: 10 };
}

export const reset: FaultKindDef<ResetSpec> = {
  plan(spec, { world, dcs }, seconds) {
    const targets = resolveSelector(spec.target, world);
    const peerList = resolvePeers(world, targets, spec.peers);
    return {
      ...chainsInsideTargets(spec.name, targets, nf.resetRules(peerList.map((p) => p.ip), spec.ports), seconds),
      targets: names(targets), links: targets.flatMap((t) => peerList.map((p) => `${t.name} <-> ${p.name}`)),
      mechanism: `iptables REJECT --reject-with tcp-reset on ports ${spec.ports.join(",")}`,
      expectedEffect: `every TCP connection on ports ${spec.ports.join(",")} between them is reset; ${failoverExpectation(world, dcs, targets) || "clients reconnect and fail"}`,
      conflictKeys: [],
      verification: resetVerification(targets[0], peerList[0], spec.ports),
    };
  },
  need: () => "iptables",
  netemSelectors: () => [],
};
