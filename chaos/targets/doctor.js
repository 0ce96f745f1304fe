"use strict";
var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __setModuleDefault = (this && this.__setModuleDefault) || (Object.create ? (function(o, v) {
    Object.defineProperty(o, "default", { enumerable: true, value: v });
}) : function(o, v) {
    o["default"] = v;
});
var __importStar = (this && this.__importStar) || (function () {
    var ownKeys = function(o) {
        ownKeys = Object.getOwnPropertyNames || function (o) {
            var ar = [];
            for (var k in o) if (Object.prototype.hasOwnProperty.call(o, k)) ar[ar.length] = k;
            return ar;
        };
        return ownKeys(o);
    };
    return function (mod) {
        if (mod && mod.__esModule) return mod;
        var result = {};
        if (mod != null) for (var k = ownKeys(mod), i = 0; i < k.length; i++) if (k[i] !== "default") __createBinding(result, mod, k[i]);
        __setModuleDefault(result, mod);
        return result;
    };
})();
Object.defineProperty(exports, "__esModule", { value: true });
exports.orphans = exports.SCAN_SCRIPT = void 0;
exports.parseScan = parseScan;
exports.cleanupScript = cleanupScript;
exports.scanMembers = scanMembers;
exports.removeLeftovers = removeLeftovers;
exports.formatLeftovers = formatLeftovers;
exports.explainUnscanned = explainUnscanned;
// Finds chaos leftovers on members (chains, qdiscs, processes, files) and removes those no live fault owns.
const commands_1 = require("../../components/docker/commands");
const ms = __importStar(require("../faults/member-scripts"));
const nf = __importStar(require("../faults/netfilter"));
const live_1 = require("./live");
/** Member-side scan: one line per object, "<kind> <fault> <detail>". */
exports.SCAN_SCRIPT = [
    `iptables -w -S 2>/dev/null | sed -n 's/^-N PGC-\\(.*\\)-\\([IO]\\)$/chain \\1 PGC-\\1-\\2/p' || true`,
    `ls -1 ${ms.STATE_DIR} 2>/dev/null | sed -n 's/^\\([a-z][a-z0-9-]*\\)\\(\\..*\\)\\{0,1\\}$/file \\1 \\1\\2/p' || true`,
    // awk matches the process's own argv[0]: the scanning shell (whose text holds the pattern) is not it.
    `ps -eo pid=,args= 2>/dev/null | awk '$2 ~ /^pgchaos-(delay|stress)-[a-z]/ { n = $2; sub(/^pgchaos-(delay|stress)-/, "", n); print "process " n " " $2 "(pid " $1 ")" } ` +
        `$2 == "bash" && $3 ~ /^\\/var\\/lib\\/pgchaos\\/[a-z][a-z0-9-]*\\.watchdog\\.sh$/ { n = $3; sub(/^\\/var\\/lib\\/pgchaos\\//, "", n); sub(/\\.watchdog\\.sh$/, "", n); print "process " n " watchdog(pid " $1 ")" }' || true`,
].join("\n");
function parseScan(member, output) {
    const byFault = new Map();
    for (const line of output.split("\n")) {
        const m = /^(chain|file|process) ([a-z][a-z0-9-]{0,19}) (.+)$/.exec(line.trim());
        if (!m)
            continue;
        const [, kind, fault, detail] = m;
        byFault.set(fault, [...(byFault.get(fault) ?? []), `${kind} ${detail}`]);
    }
    return [...byFault.entries()].map(([fault, what]) => ({ member, fault, what }));
}
/** Removes everything a fault of this name can leave on a member, and nothing else. Idempotent. */
function cleanupScript(fault) {
    return [
        ms.disarmWatchdog(fault),
        ms.delayerStop(fault),
        ms.stressStop(fault),
        // Processes whose pid file is gone: exact argv[0] match only.
        `ps -eo pid=,args= | awk -v a=${(0, commands_1.sh)([ms.delayerProcess(fault)])} -v b=${(0, commands_1.sh)([ms.stressProcess(fault)])} -v w=${(0, commands_1.sh)([ms.watchdogFile(fault)])} '$2 == a || $2 == b || ($2 == "bash" && $3 == w) { print $1 }' | while read -r pid; do kill "$pid" 2>/dev/null || true; done`,
        ms.netemRevert(fault),
        nf.removeChains(fault),
        ms.removeStateFiles(fault),
    ].join("\n");
}
const SCAN_TIMEOUT_MS = 30_000;
/**
 * Scans every member. One that cannot be scanned — unreachable, or stopped (its files and the host's
 * watchdogs outlive it) — is listed in `unreachable` ("pg1: <why>"), never counted as clean.
 */
async function scanMembers(members) {
    const leftovers = [];
    const unreachable = [];
    // Monitoring containers only ever take node-stop faults, whose watchdogs live on the host: nothing to scan inside.
    const scanned = members.filter((m) => m.kind !== "monitoring");
    const results = await (0, live_1.runControllerScripts)(scanned.map((m) => m.transport.exec(exports.SCAN_SCRIPT)), SCAN_TIMEOUT_MS);
    scanned.forEach((m, i) => {
        const r = results[i];
        if (r.ok)
            leftovers.push(...parseScan(m.name, r.stdout));
        else
            unreachable.push(`${m.name}: ${r.error}`);
    });
    return { leftovers: leftovers.sort((a, b) => a.member.localeCompare(b.member) || a.fault.localeCompare(b.fault)), unreachable };
}
/** Leftovers whose fault name no live fault owns. */
const orphans = (leftovers, owned) => leftovers.filter((l) => !owned.has(l.fault));
exports.orphans = orphans;
async function removeLeftovers(members, leftovers) {
    for (const l of leftovers) {
        const m = members.find((x) => x.name === l.member);
        if (m)
            await (0, live_1.runControllerScript)(m.transport.execIfUp(cleanupScript(l.fault)), 60_000);
    }
}
function formatLeftovers(leftovers) {
    return leftovers.map((l) => `  ${l.member}: fault ${l.fault}: ${l.what.join(", ")}`).join("\n");
}
/**
 * Unscanned members ("pg1: <why>") with the fault that stopped or paused them, when a fault of this stack
 * holds their lifecycle (conflict key `lifecycle:<member>`): then the gap is expected while it acts.
 */
function explainUnscanned(unreachable, faults) {
    return unreachable.map((entry) => {
        const member = entry.slice(0, entry.indexOf(":"));
        const owners = faults.filter((f) => f.conflictKeys.includes(`lifecycle:${member}`)).map((f) => f.name);
        return owners.length ? `${entry} (held by this stack's fault ${[...new Set(owners)].join(", ")}: expected while it acts)` : entry;
    });
}
