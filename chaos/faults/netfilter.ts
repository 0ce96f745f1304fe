// iptables chains owned by one fault: named after it, installed, checked and removed as a unit.
import { sh } from "../../components/docker/commands";

/**
 * iptables chains owned by one fault. Every chain is named after the fault (PGC-<name>-I / -O) and
 * every jump into it carries the comment `pgchaos:<name>`, so recover removes exactly the fault's own
 * rules and a sweep can tell ours from anyone else's. Scripts run on the member as root.
 */

export type Hook = "INPUT" | "OUTPUT";

export const chainName = (fault: string, hook: Hook) => `PGC-${fault}-${hook === "INPUT" ? "I" : "O"}`;
export const ruleComment = (fault: string) => `pgchaos:${fault}`;

/** A rule body inside the fault's chain (iptables words after `-A CHAIN`). */
export type RuleWords = Array<string | number>;

export interface ChainRules {
  INPUT?: RuleWords[];
  OUTPUT?: RuleWords[];
}

/**
 * Installs the chains (replacing their rules if present) and jumps to them first in INPUT/OUTPUT.
 * `exemptTcpPorts` (e.g. the SSH port the controller uses) are returned from before any fault rule.
 */
export function installChains(fault: string, rules: ChainRules, exemptTcpPorts: number[] = []): string {
  const lines: string[] = [];
  for (const hook of ["INPUT", "OUTPUT"] as const) {
    const body = rules[hook];
    if (!body || body.length === 0) continue;
    const chain = chainName(fault, hook);
    lines.push(`iptables -w -N ${chain} 2>/dev/null || iptables -w -F ${chain}`);
    for (const port of exemptTcpPorts) {
      lines.push(sh(["iptables", "-w", "-A", chain, "-p", "tcp", "--dport", port, "-j", "RETURN"]));
      lines.push(sh(["iptables", "-w", "-A", chain, "-p", "tcp", "--sport", port, "-j", "RETURN"]));
    }
    for (const r of body) lines.push(sh(["iptables", "-w", "-A", chain, ...r]));
    const jump = jumpWords(fault, hook);
    lines.push(`iptables -w -C ${hook} ${jump} 2>/dev/null || iptables -w -I ${hook} 1 ${jump}`);
  }
  return lines.join("\n");
}

/** The jump from INPUT/OUTPUT into the fault's chain, as iptables words after the hook. */
export const jumpWords = (fault: string, hook: Hook) => sh(["-m", "comment", "--comment", ruleComment(fault), "-j", chainName(fault, hook)]);

/** Removes the fault's jumps and chains; succeeds when they are already gone. */
export function removeChains(fault: string): string {
  return (["INPUT", "OUTPUT"] as const)
    .map((hook) => {
      const chain = chainName(fault, hook);
      // Every jump to the chain, whatever its match (rules are listed as `-A HOOK ... -j CHAIN`).
      return [
        `{ iptables -w -S ${hook} 2>/dev/null | grep -E -- ${sh([`-j ${chain}$`])} || true; } | sed 's/^-A/-D/' | while read -r rule; do eval "iptables -w $rule"; done`,
        `iptables -w -F ${chain} 2>/dev/null || true`,
        `iptables -w -X ${chain} 2>/dev/null || true`,
      ].join("\n");
    })
    .join("\n");
}

/** Exit 0 when any of the fault's chains exists on the member. */
export function chainsPresent(fault: string): string {
  return `iptables -w -S ${chainName(fault, "INPUT")} >/dev/null 2>&1 || iptables -w -S ${chainName(fault, "OUTPUT")} >/dev/null 2>&1`;
}

/** Random drop of a share of packets to (OUTPUT) and/or from (INPUT) the peers. */
export function lossRules(peerIps: string[], percent: number, direction: "in" | "out" | "both"): ChainRules {
  const probability = (percent / 100).toFixed(4);
  const rule = (flag: "-s" | "-d", ip: string): RuleWords => [flag, ip, "-m", "statistic", "--mode", "random", "--probability", probability, "-j", "DROP"];
  return {
    INPUT: direction === "out" ? undefined : peerIps.map((ip) => rule("-s", ip)),
    OUTPUT: direction === "in" ? undefined : peerIps.map((ip) => rule("-d", ip)),
  };
}

/**
 * TCP resets for every packet of connections on `ports`, whichever side listens, both ways. RST packets
 * themselves are let through: the reset REJECT generates leaves through OUTPUT and must not be eaten.
 */
export function resetRules(peerIps: string[], ports: number[]): ChainRules {
  const rules = (flag: "-s" | "-d"): RuleWords[] =>
    peerIps.flatMap((ip) => ports.flatMap((port) => (["--dport", "--sport"] as const).map((pf): RuleWords =>
      [flag, ip, "-p", "tcp", pf, port, "!", "--tcp-flags", "RST", "RST", "-j", "REJECT", "--reject-with", "tcp-reset"])));
  return { INPUT: rules("-s"), OUTPUT: rules("-d") };
}

/** Drops everything to the other side (and from it, when symmetric). */
export function partitionRules(otherSideIps: string[], symmetric: boolean): ChainRules {
  return {
    OUTPUT: otherSideIps.map((ip) => ["-d", ip, "-j", "DROP"]),
    INPUT: symmetric ? otherSideIps.map((ip) => ["-s", ip, "-j", "DROP"]) : undefined,
  };
}

/** Blocks new and established TCP to the given port of the given addresses (a black hole, not a reset). */
export function blockPortRules(ips: string[], port: number): ChainRules {
  return { OUTPUT: ips.map((ip) => ["-d", ip, "-p", "tcp", "--dport", port, "-j", "DROP"]) };
}

/** Sends packets to the peers through the NFQUEUE delayer; --queue-bypass: if it dies, traffic flows. */
export function nfqueueRules(peerIps: string[], queue: number): ChainRules {
  return { OUTPUT: peerIps.map((ip) => ["-d", ip, "-j", "NFQUEUE", "--queue-num", queue, "--queue-bypass"]) };
}
