// loss: a share of packets between targets and peers dropped (iptables statistic match), one way or both.
import { z } from "zod";
import { resolveSelector } from "../../targets/world";
import type { FaultKindDef } from "../kind-plan";
import * as nf from "../netfilter";
import { chainsInsideTargets } from "../shapes";
import { baseFields, peers, selector } from "../spec-fields";
import { names, resolvePeers, tcpFrom, UNLISTENED_PORT } from "../targeting";

export const lossSpec = z.object({
  ...baseFields,
  kind: z.literal("loss"),
  target: selector,
  peers,
  // `pulumi config set --path` stores decimals as strings: accept "12.5" as 12.5.
  percent: z.preprocess((v) => (typeof v === "string" && /^\d+(\.\d+)?$/.test(v) ? Number(v) : v), z.number().min(0).max(100)),
  direction: z.enum(["in", "out", "both"]).default("both"),
}).strict();
export type LossSpec = z.infer<typeof lossSpec>;

export const loss: FaultKindDef<LossSpec> = {
  plan(spec, { world }, seconds) {
    const f = spec.name;
    const targets = resolveSelector(spec.target, world);
    const peerList = resolvePeers(world, targets, spec.peers);
    const arrow = { in: "<-", out: "->", both: "<->" }[spec.direction];
    const ways = spec.direction === "both" ? "both ways" : spec.direction === "in" ? "from the peers" : "to the peers";
    return {
      ...chainsInsideTargets(f, targets, nf.lossRules(peerList.map((p) => p.ip), spec.percent, spec.direction), seconds),
      targets: names(targets), links: targets.flatMap((t) => peerList.map((p) => `${t.name} ${arrow} ${p.name}`)),
      mechanism: `iptables statistic DROP (chains ${nf.chainName(f, "INPUT")}/${nf.chainName(f, "OUTPUT")})`,
      expectedEffect: `${spec.percent}% of packets ${ways} dropped; TCP retransmits, latency and replication lag rise`,
      conflictKeys: [],
      // A connect from a peer needs its SYN in and the SYN-ACK out: one lossy crossing, or two for "both".
      verification: {
        rule: { type: "fail-share", expectedShare: spec.direction === "both" ? 1 - (1 - spec.percent / 100) ** 2 : spec.percent / 100, configured: `${spec.percent}% loss ${spec.direction}` },
        // 200 connects (the share's tolerance depends on the count), all at once: each dropped SYN costs its
        // worker the 300 ms timeout, so 50 workers waited ≈ 1 s in four rounds, 200 wait one. Nothing serves
        // the port, so nothing queues. The baseline (20 before the inject) shows the link loses nothing by itself.
        baseline: [tcpFrom(peerList[0], targets[0], UNLISTENED_PORT, 20, 300, 20)],
        probes: [tcpFrom(peerList[0], targets[0], UNLISTENED_PORT, 200, 300, 200)], boundSeconds: 10,
      },
    };
  },
  need: () => "iptables",
  netemSelectors: () => [],
};
