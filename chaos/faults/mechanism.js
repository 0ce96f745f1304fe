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
exports.EXPIRY_SLACK_SECONDS = exports.eitherDelay = exports.netemTest = exports.delayerTest = void 0;
exports.memberCheck = memberCheck;
exports.onMember = onMember;
exports.chainTests = chainTests;
exports.stressTests = stressTests;
exports.lifecycleCheck = lifecycleCheck;
exports.judgeMechanism = judgeMechanism;
exports.flapCheck = flapCheck;
// Re-checks of an active fault's mechanism (not its effect): expired versus drifted.
const commands_1 = require("../../components/docker/commands");
const ms = __importStar(require("./member-scripts"));
const nf = __importStar(require("./netfilter"));
/**
 * Member-side script: `ok` when every test passes; `gone` when none of the fault is left (nothing
 * `remains` and no watchdog file: its watchdog or a recover removed it); else `partial` with the reasons.
 */
function memberCheck(member, fault, tests, remains) {
    return [
        'r=""',
        ...tests.map((t) => `if ! { ${t.test}; } >/dev/null 2>&1; then r="$r; ${t.missing}"; fi`),
        `if [ -z "$r" ]; then echo ${(0, commands_1.sh)([`${member} ok`])}`,
        `elif ! { ${remains}; } >/dev/null 2>&1 && [ ! -e ${ms.watchdogFile(fault)} ]; then echo ${(0, commands_1.sh)([`${member} gone`])}`,
        `else echo ${(0, commands_1.sh)([`${member} partial`])} "\${r#; }"; fi`,
    ].join("\n");
}
/** Controller-side: runs a member-side check through the member's transport; a failure to reach it is said, never taken as gone. */
function onMember(m, script) {
    return `if out=$(${m.transport.exec(script)} 2>&1); then printf '%s\\n' "$out"; ` +
        `else echo ${(0, commands_1.sh)([`${m.name} unreachable`])} "$(printf '%s' "$out" | tail -n 1)"; fi`;
}
/** The fault's iptables jumps and rules (as installChains put them) are all there. */
function chainTests(fault, rules, exemptTcpPorts) {
    return ["INPUT", "OUTPUT"].flatMap((hook) => {
        const body = rules[hook];
        if (!body || body.length === 0)
            return [];
        const chain = nf.chainName(fault, hook);
        const expected = body.length + 2 * exemptTcpPorts.length;
        const count = `$(iptables -w -S ${chain} 2>/dev/null | grep -c '^-A' || true)`;
        return [
            { test: `iptables -w -C ${hook} ${nf.jumpWords(fault, hook)}`, missing: `jump to ${chain} missing from ${hook}` },
            { test: `[ "${count}" -ge ${expected} ]`, missing: `chain ${chain} has ${count} of ${expected} rules` },
        ];
    });
}
const delayerTest = (fault) => ({ test: ms.pidAlive(ms.pidFile(fault, "delay"), ms.delayerProcess(fault)), missing: `delay process ${ms.delayerProcess(fault)} not running` });
exports.delayerTest = delayerTest;
const netemTest = (fault) => ({ test: `( ${ms.netemPresent(fault)} )`, missing: `netem qdisc (prio ${ms.tcHandle(fault)}:) missing` });
exports.netemTest = netemTest;
/** Auto delay: the netem qdisc, or else the NFQUEUE chain and its delayer. */
const eitherDelay = (fault, nfq) => nfq.map((t) => ({ test: `( ${ms.netemPresent(fault)} ) || { ${t.test}; }`, missing: t.missing }));
exports.eitherDelay = eitherDelay;
function stressTests(fault, workers) {
    const file = ms.pidFile(fault, "stress");
    const running = `$( { pgrep -P "$(cat ${file} 2>/dev/null)" 2>/dev/null || true; } | wc -l)`;
    return [
        { test: ms.stressAlive(fault), missing: `stress-ng process ${ms.stressProcess(fault)} not running` },
        { test: `[ "${running}" -ge ${workers} ]`, missing: `stress-ng workers: ${running} of ${workers} running` },
    ];
}
/** Controller-side, for members a fault stops or pauses: Docker's or systemd's word on their state. */
function lifecycleCheck(m, mode) {
    const want = mode === "pause" ? "paused" : "stopped";
    return `s=$(${m.transport.lifecycle.state()} 2>/dev/null || echo unknown)\n` +
        `case "$s" in ${want}) echo ${(0, commands_1.sh)([`${m.name} ok`])} ;; running) echo ${(0, commands_1.sh)([`${m.name} gone`])} ;; ` +
        `unknown|"") echo ${(0, commands_1.sh)([`${m.name} unreachable state unknown (neither Docker nor systemd answered)`])} ;; *) echo ${(0, commands_1.sh)([`${m.name} partial`])} "state $s, expected ${want}" ;; esac`;
}
/** Seconds of slack between a watchdog's revert and the fault's nominal end (clock reads, script start). */
exports.EXPIRY_SLACK_SECONDS = 5;
/**
 * The verdict on a mechanism check's output. `injectedAt`/`now` in epoch seconds; `activeSeconds`: how
 * long the fault acts before its own watchdog (or schedule) ends it.
 */
function judgeMechanism(output, t) {
    const lines = output.split("\n").map((l) => /^(\S+) (ok|gone|partial|unreachable)(?: (.*))?$/.exec(l.trim())).filter((m) => m !== null);
    if (!lines.length)
        throw new Error(`the mechanism check printed no member status: ${JSON.stringify(output.slice(-300))}`);
    if (lines.every((l) => l[2] === "ok"))
        return { status: "active", reason: `in place on ${lines.map((l) => l[1]).join(", ")}` };
    const age = t.injectedAt === undefined ? undefined : t.now - t.injectedAt;
    if (lines.every((l) => l[2] === "gone")) {
        if (age !== undefined && age >= t.activeSeconds - exports.EXPIRY_SLACK_SECONDS) {
            return { status: "expired", reason: `reverted at the end of its duration (${t.activeSeconds} s; injected ${age.toFixed(0)} s ago)` };
        }
        return { status: "drifted", reason: `gone from ${lines.map((l) => l[1]).join(", ")} ${age === undefined ? "" : `${age.toFixed(1)} s after injection, `}before the end of its duration (${t.activeSeconds} s): removed by something else than its watchdog` };
    }
    return { status: "drifted", reason: lines.filter((l) => l[2] !== "ok").map((l) => `${l[1]}: ${l[2] === "partial" ? l[3] : l[2] === "gone" ? "nothing of the fault left" : `unreachable (${l[3] ?? "no answer"})`}`).join("; ") };
}
/**
 * Controller-side, for a flapping fault: its loop alive, and each member's state against the loop's own
 * schedule (the last "down i t" / "up i t" line of its log), 3 s after a transition at the earliest; no
 * judgement while the loop is starting the member ("starting i t") or stopping it (an up phase's last second on).
 */
function flapCheck(loop, targets, upSeconds) {
    const who = "flap-loop";
    return [
        `p=$(cat ${loop}.pid 2>/dev/null || true)`,
        `if [ -n "$p" ] && kill -0 "$p" 2>/dev/null; then`,
        `  last=$(tail -n 1 ${loop}.log 2>/dev/null || true); ph=\${last%% *}; at=\${last##* }`,
        `  age=$(awk -v t="$at" -v n="$(date +%s.%N)" 'BEGIN { print int(n - t) }'); r=""`,
        ...targets.map((m) => `  s=$(${m.transport.lifecycle.state()} 2>/dev/null || echo unknown)\n` +
            `  if [ "$ph" = down ] && [ "$age" -ge 3 ] && [ "$s" != stopped ] && [ "$s" != paused ]; then r="$r; ${m.name} $s $age s into a down phase"; fi\n` +
            `  if [ "$ph" = up ] && [ "$age" -ge 3 ] && [ "$age" -lt ${Math.max(0, upSeconds - 1)} ] && [ "$s" != running ]; then r="$r; ${m.name} $s $age s into an up phase"; fi`),
        `  if [ -z "$r" ]; then echo '${who} ok'; else echo '${who} partial' "\${r#; }"; fi`,
        "else",
        `  n=0; ${targets.map((m) => `[ "$(${m.transport.lifecycle.state()} 2>/dev/null || echo unknown)" = running ] || n=$((n + 1))`).join("; ")}`,
        `  if [ "$n" = 0 ]; then echo '${who} gone'; else echo '${who} partial' "flap loop not running while $n member(s) are not running"; fi`,
        "fi",
    ].join("\n");
}
