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
exports.FLAP_WATCHDOG_GRACE_SECONDS = void 0;
exports.flapLoopName = flapLoopName;
exports.flapFault = flapFault;
// Flapping: members stopped and started at a fixed rhythm by a detached loop on the controller.
const crypto_1 = require("crypto");
const commands_1 = require("../../components/docker/commands");
const inventory_1 = require("../targets/inventory");
const transport_1 = require("../targets/transport");
const mech = __importStar(require("./mechanism"));
const probes_1 = require("./probes");
const shapes_1 = require("./shapes");
const targeting_1 = require("./targeting");
/** How long past a flap's down phase its per-stop watchdog waits before starting the member itself. */
exports.FLAP_WATCHDOG_GRACE_SECONDS = 60;
/**
 * The loop's file name on the controller: the fault's name and its targets' identities (containers, SSH
 * hosts), so two labs' flap faults of the same name never share a loop file.
 */
function flapLoopName(fault, targets) {
    const who = (0, crypto_1.createHash)("sha256").update(targets.map((m) => m.transport.describe).sort().join("\n")).digest("hex").slice(0, 10);
    return `flap-${fault}-${who}`;
}
/**
 * Flapping at a fixed rhythm, which a `pulumi up` per stop and per start (seconds each) cannot give: inject
 * stops the members (cycle 1) and leaves a detached loop on the controller that starts them after
 * `downSeconds`, stops them again after `upSeconds`, `cycles` times. Every stop arms the member's
 * lifecycle watchdog (on its host for SSH targets) for downSeconds + grace, so a dead controller leaves no
 * member down for long. Recover kills the loop's whole process group (an in-flight stop included), then
 * starts every member. Verification judges the state and an HTTP probe recorded right after the first
 * stop (the loop may have restarted the member by the time the provider verifies).
 */
function flapFault(fault, targets, prober, mode, cycles, downS, upS) {
    const base = flapLoopName(fault, targets);
    const loop = `"$WD"/${(0, commands_1.sh)([`${base}.sh`])}`;
    const recorded = (m, what) => `"$WD"/${(0, commands_1.sh)([`${base}.${m.name}.${what}`])}`;
    const stopAll = targets.map((m) => [m.transport.lifecycle.armWatchdog(fault, downS + exports.FLAP_WATCHDOG_GRACE_SECONDS), m.transport.lifecycle.stop(mode)].join("\n")).join("\n");
    const startAll = targets.map((m) => [m.transport.lifecycle.disarmWatchdog(fault), m.transport.lifecycle.start()].join("\n")).join("\n");
    const body = (0, inventory_1.withSshKey)([
        // $1: when cycle 1's stop ended (inject probed the effect since): its down phase is only the rest.
        `first=$(awk -v d=${downS} -v t="$1" -v n="$(date +%s.%N)" 'BEGIN { r = d - (n - t); print (r > 0 ? r : 0) }')`,
        "i=1",
        "while :; do",
        `  if [ "$i" = 1 ]; then sleep "$first"; else sleep ${downS}; fi`,
        // The down phase is over: while the start runs (seconds under load) the member may be either, so the check waits.
        `  echo "starting $i $(date +%s.%N)" >> "$0.log"`,
        `  ${startAll}`,
        `  echo "up $i $(date +%s.%N)" >> "$0.log"`,
        `  [ "$i" -ge ${cycles} ] && break`,
        `  sleep ${upS}`,
        "  i=$((i + 1))",
        `  ${stopAll}`,
        `  echo "down $i $(date +%s.%N)" >> "$0.log"`,
        "done",
        `rm -f "$0.pid"`,
    ].join("\n"));
    const loopPid = `p=$(cat ${loop}.pid 2>/dev/null || true)`;
    return {
        mechanismCheck: `WD=${transport_1.HOST_WATCHDOG_DIR}\n${mech.flapCheck(loop, targets, upS)}`,
        activeSeconds: cycles * (downS + upS),
        inject: [
            `WD=${transport_1.HOST_WATCHDOG_DIR}; mkdir -p "$WD"`,
            ...targets.map((m) => (0, shapes_1.stamp)(m.name, "controller")),
            stopAll,
            "stopped_at=$(date +%s.%N)",
            // What the first stop did, measured now: verification reads it (see above).
            ...targets.map((m) => `${m.transport.lifecycle.state()} > ${recorded(m, "state")} 2>/dev/null || echo unknown > ${recorded(m, "state")}\n` +
                `${prober.transport.exec((0, probes_1.httpProbeScript)((0, targeting_1.serviceUrl)(m), 2, 1000))} > ${recorded(m, "http")} 2>/dev/null || true`),
            `printf '%s' ${(0, commands_1.sh)([body])} > ${loop}`,
            `echo "down 1 $(date +%s.%N)" > ${loop}.log`,
            `setsid nohup bash ${loop} "$stopped_at" >/dev/null 2>&1 < /dev/null &`,
            `echo $! > ${loop}.pid`,
        ].join("\n"),
        recover: [
            `WD=${transport_1.HOST_WATCHDOG_DIR}`,
            // setsid made the loop a process-group leader: the group takes an in-flight docker stop / ssh with it.
            `${loopPid}; if [ -n "$p" ] && tr '\\0' ' ' < /proc/$p/cmdline 2>/dev/null | grep -qF -- ${(0, commands_1.sh)([`${base}.sh`])}; then kill -TERM -- "-$p" 2>/dev/null || true; sleep 1; fi`,
            startAll,
            `rm -f ${loop} ${loop}.pid ${loop}.log ${targets.map((m) => `${recorded(m, "state")} ${recorded(m, "http")}`).join(" ")}`,
        ].join("\n"),
        check: [
            `WD=${transport_1.HOST_WATCHDOG_DIR}; present=0`,
            `${loopPid}; if [ -n "$p" ] && kill -0 "$p" 2>/dev/null; then present=1; fi`,
            ...targets.map((m) => `[ "$(${m.transport.lifecycle.state()} 2>/dev/null)" = running ] || present=1`),
            `[ "$present" = 1 ] || exit 3`,
        ].join("\n"),
        verification: {
            rule: { type: "down", state: mode === "pause" ? "paused" : "stopped", configured: `${(0, targeting_1.names)(targets).join(",")} ${mode} (first of ${cycles} cycles)` },
            baseline: [],
            // After recover the recorded files are gone and the state probe reads the live state.
            probes: targets.flatMap((m) => [
                { type: "state", script: `WD=${transport_1.HOST_WATCHDOG_DIR}; if [ -f ${recorded(m, "state")} ]; then cat ${recorded(m, "state")}; else ${m.transport.lifecycle.state()}; fi` },
                { type: "http", script: `WD=${transport_1.HOST_WATCHDOG_DIR}; cat ${recorded(m, "http")} 2>/dev/null || true` },
            ]),
            boundSeconds: 45,
        },
    };
}
