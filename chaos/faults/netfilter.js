"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.jumpWords = exports.ruleComment = exports.chainName = void 0;
exports.installChains = installChains;
exports.removeChains = removeChains;
exports.chainsPresent = chainsPresent;
exports.lossRules = lossRules;
exports.resetRules = resetRules;
exports.partitionRules = partitionRules;
exports.blockPortRules = blockPortRules;
exports.nfqueueRules = nfqueueRules;
// iptables chains owned by one fault: named after it, installed, checked and removed as a unit.
const commands_1 = require("../../components/docker/commands");
const chainName = (fault, hook) => `PGC-${fault}-${hook === "INPUT" ? "I" : "O"}`;
exports.chainName = chainName;
const ruleComment = (fault) => `pgchaos:${fault}`;
exports.ruleComment = ruleComment;
/**
 * Installs the chains (replacing their rules if present) and jumps to them first in INPUT/OUTPUT.
 * `exemptTcpPorts` (e.g. the SSH port the controller uses) are returned from before any fault rule.
 */
function installChains(fault, rules, exemptTcpPorts = []) {
    const lines = [];
    for (const hook of ["INPUT", "OUTPUT"]) {
        const body = rules[hook];
        if (!body || body.length === 0)
            continue;
        const chain = (0, exports.chainName)(fault, hook);
        lines.push(`iptables -w -N ${chain} 2>/dev/null || iptables -w -F ${chain}`);
        for (const port of exemptTcpPorts) {
            lines.push((0, commands_1.sh)(["iptables", "-w", "-A", chain, "-p", "tcp", "--dport", port, "-j", "RETURN"]));
            lines.push((0, commands_1.sh)(["iptables", "-w", "-A", chain, "-p", "tcp", "--sport", port, "-j", "RETURN"]));
        }
        for (const r of body)
            lines.push((0, commands_1.sh)(["iptables", "-w", "-A", chain, ...r]));
        const jump = (0, exports.jumpWords)(fault, hook);
        lines.push(`iptables -w -C ${hook} ${jump} 2>/dev/null || iptables -w -I ${hook} 1 ${jump}`);
    }
    return lines.join("\n");
}
/** The jump from INPUT/OUTPUT into the fault's chain, as iptables words after the hook. */
const jumpWords = (fault, hook) => (0, commands_1.sh)(["-m", "comment", "--comment", (0, exports.ruleComment)(fault), "-j", (0, exports.chainName)(fault, hook)]);
exports.jumpWords = jumpWords;
/** Removes the fault's jumps and chains; succeeds when they are already gone. */
function removeChains(fault) {
    return ["INPUT", "OUTPUT"]
        .map((hook) => {
        const chain = (0, exports.chainName)(fault, hook);
        // Every jump to the chain, whatever its match (rules are listed as `-A HOOK ... -j CHAIN`).
        return [
            `{ iptables -w -S ${hook} 2>/dev/null | grep -E -- ${(0, commands_1.sh)([`-j ${chain}$`])} || true; } | sed 's/^-A/-D/' | while read -r rule; do eval "iptables -w $rule"; done`,
            `iptables -w -F ${chain} 2>/dev/null || true`,
            `iptables -w -X ${chain} 2>/dev/null || true`,
        ].join("\n");
    })
        .join("\n");
}
/** Exit 0 when any of the fault's chains exists on the member. */
function chainsPresent(fault) {
    return `iptables -w -S ${(0, exports.chainName)(fault, "INPUT")} >/dev/null 2>&1 || iptables -w -S ${(0, exports.chainName)(fault, "OUTPUT")} >/dev/null 2>&1`;
}
/** Random drop of a share of packets to (OUTPUT) and/or from (INPUT) the peers. */
function lossRules(peerIps, percent, direction) {
    const probability = (percent / 100).toFixed(4);
    const rule = (flag, ip) => [flag, ip, "-m", "statistic", "--mode", "random", "--probability", probability, "-j", "DROP"];
    return {
        INPUT: direction === "out" ? undefined : peerIps.map((ip) => rule("-s", ip)),
        OUTPUT: direction === "in" ? undefined : peerIps.map((ip) => rule("-d", ip)),
    };
}
/**
 * TCP resets for every packet of connections on `ports`, whichever side listens, both ways. RST packets
 * themselves are let through: the reset REJECT generates leaves through OUTPUT and must not be eaten.
 */
function resetRules(peerIps, ports) {
    const rules = (flag) => peerIps.flatMap((ip) => ports.flatMap((port) => ["--dport", "--sport"].map((pf) => [flag, ip, "-p", "tcp", pf, port, "!", "--tcp-flags", "RST", "RST", "-j", "REJECT", "--reject-with", "tcp-reset"])));
    return { INPUT: rules("-s"), OUTPUT: rules("-d") };
}
/** Drops everything to the other side (and from it, when symmetric). */
function partitionRules(otherSideIps, symmetric) {
    return {
        OUTPUT: otherSideIps.map((ip) => ["-d", ip, "-j", "DROP"]),
        INPUT: symmetric ? otherSideIps.map((ip) => ["-s", ip, "-j", "DROP"]) : undefined,
    };
}
/** Blocks new and established TCP to the given port of the given addresses (a black hole, not a reset). */
function blockPortRules(ips, port) {
    return { OUTPUT: ips.map((ip) => ["-d", ip, "-p", "tcp", "--dport", port, "-j", "DROP"]) };
}
/** Sends packets to the peers through the NFQUEUE delayer; --queue-bypass: if it dies, traffic flows. */
function nfqueueRules(peerIps, queue) {
    return { OUTPUT: peerIps.map((ip) => ["-d", ip, "-j", "NFQUEUE", "--queue-num", queue, "--queue-bypass"]) };
}
