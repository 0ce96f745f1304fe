"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.stressAlive = exports.stressProcess = exports.delayerProcess = exports.NETEM_PROBE = exports.removeStateFiles = exports.pidFile = exports.TIMESTAMP = exports.watchdogFile = exports.recoverFile = exports.STATE_DIR = void 0;
exports.pidAlive = pidAlive;
exports.pidKill = pidKill;
exports.armWatchdog = armWatchdog;
exports.disarmWatchdog = disarmWatchdog;
exports.tcHandle = tcHandle;
exports.netemApply = netemApply;
exports.netemRevert = netemRevert;
exports.netemPresent = netemPresent;
exports.delayerStart = delayerStart;
exports.delayerStop = delayerStop;
exports.queueNumber = queueNumber;
exports.stressStart = stressStart;
exports.stressStop = stressStop;
// Scripts run on a member as root for faults inside it: watchdog, netem, the NFQUEUE delayer, stress-ng.
const commands_1 = require("../../components/docker/commands");
/**
 * Scripts that run on a member as root, for faults whose effect lives inside the member: the
 * watchdog that reverts a fault after its duration, the NFQUEUE delayer, netem and stress-ng.
 * Every file and process they create carries the fault's name.
 */
exports.STATE_DIR = "/var/lib/pgchaos";
const recoverFile = (fault) => `${exports.STATE_DIR}/${fault}.recover.sh`;
exports.recoverFile = recoverFile;
const watchdogFile = (fault) => `${exports.STATE_DIR}/${fault}.watchdog.sh`;
exports.watchdogFile = watchdogFile;
/** Prints the member's clock (epoch seconds, ns precision): the injection time, taken inside the target. */
exports.TIMESTAMP = `date +%s.%N`;
/**
 * Processes a fault starts are tracked by pid files, never by `pkill -f`: the recover script's own
 * command line contains the same names and would match (and kill itself). Before signalling, the pid's
 * command line is checked for the fault's marker, so a recycled pid (after a restart) is left alone.
 */
const pidFile = (fault, what) => `${exports.STATE_DIR}/${fault}.${what}.pid`;
exports.pidFile = pidFile;
/** Exit 0 when the process recorded in the pid file is alive and is ours. */
function pidAlive(file, marker) {
    return `{ p=$(cat ${file} 2>/dev/null) && [ -n "$p" ] && tr '\\0' ' ' < /proc/$p/cmdline 2>/dev/null | grep -qF -- ${(0, commands_1.sh)([marker])}; }`;
}
function pidKill(file, marker, signal = "TERM") {
    return `if ${pidAlive(file, marker)}; then kill -${signal} "$p" 2>/dev/null || true; fi`;
}
/**
 * Arms a watchdog: saves the member-side revert script, then a detached process that runs it after
 * `seconds` even if the controller dies. Recover disarms it first (see disarmWatchdog).
 */
function armWatchdog(fault, revert, seconds) {
    // Everything the fault left (pid files, logs) goes with it, so a reverted fault is no leftover.
    const recover = `${revert}\n${(0, exports.removeStateFiles)(fault)}\n`;
    const watchdog = `sleep ${seconds}\nexec bash ${(0, exports.recoverFile)(fault)}\n`;
    return [
        `mkdir -p ${exports.STATE_DIR}`,
        `printf '%s' ${(0, commands_1.sh)([recover])} > ${(0, exports.recoverFile)(fault)}`,
        `printf '%s' ${(0, commands_1.sh)([watchdog])} > ${(0, exports.watchdogFile)(fault)}`,
        `setsid nohup bash ${(0, exports.watchdogFile)(fault)} >/dev/null 2>&1 < /dev/null &`,
        `echo $! > ${(0, exports.pidFile)(fault, "watchdog")}`,
    ].join("\n");
}
function disarmWatchdog(fault) {
    return `${pidKill((0, exports.pidFile)(fault, "watchdog"), (0, exports.watchdogFile)(fault))}\nrm -f ${(0, exports.pidFile)(fault, "watchdog")}`;
}
const removeStateFiles = (fault) => `rm -rf ${(0, exports.recoverFile)(fault)} ${(0, exports.watchdogFile)(fault)} ${exports.STATE_DIR}/${fault}.* ${exports.STATE_DIR}/${fault}`;
exports.removeStateFiles = removeStateFiles;
/** Interface that routes to an address (eth0 in the lab, whatever the route says on a host). */
const devTo = (ip) => `$(ip -o route get ${(0, commands_1.sh)([ip])} | sed -n 's/.* dev \\([^ ]*\\).*/\\1/p')`;
/** A tc handle that carries the fault's identity (a qdisc cannot carry a comment). */
function tcHandle(fault) {
    let h = 0x811c9dc5;
    for (const c of fault)
        h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0;
    return (0x1000 + (h % 0xe000)).toString(16); // 1000..efff, clear of the usual 1:, ffff:
}
/** netem delay scoped to the peers: a prio qdisc whose 4th band (netem) only the peers' packets reach. */
function netemApply(fault, peerIps, delayMs, jitterMs) {
    const h = tcHandle(fault);
    const byDev = peerIps.map((ip) => `DEV=${devTo(ip)}\n` +
        `tc qdisc show dev "$DEV" | grep -q "qdisc prio ${h}:" || { ` +
        `tc qdisc add dev "$DEV" root handle ${h}: prio bands 4 priomap 1 2 2 2 1 2 0 0 1 1 1 1 1 1 1 1 && ` +
        `tc qdisc add dev "$DEV" parent ${h}:4 handle ${h}4: netem delay ${delayMs}ms${jitterMs ? ` ${jitterMs}ms` : ""}; }\n` +
        `tc filter add dev "$DEV" parent ${h}: protocol ip prio 1 u32 match ip dst ${(0, commands_1.sh)([`${ip}/32`])} flowid ${h}:4`);
    return byDev.join("\n");
}
/** Removes only a root qdisc with the fault's own handle, on any interface. */
function netemRevert(fault) {
    const h = tcHandle(fault);
    return `for DEV in $(ls /sys/class/net); do tc qdisc show dev "$DEV" | grep -q "qdisc prio ${h}: root" && tc qdisc del dev "$DEV" root || true; done`;
}
function netemPresent(fault) {
    return `for DEV in $(ls /sys/class/net); do tc qdisc show dev "$DEV" | grep -q "qdisc prio ${h(fault)}: root" && exit 0; done; exit 1`;
}
const h = tcHandle;
/** Does this kernel have sch_netem? Tries it on the loopback and removes it at once. */
exports.NETEM_PROBE = `if tc qdisc add dev lo root handle fffe: netem delay 0ms 2>/dev/null; then tc qdisc del dev lo root; echo yes; else echo no; fi`;
const delayerProcess = (fault) => `pgchaos-delay-${fault}`;
exports.delayerProcess = delayerProcess;
/** Starts the NFQUEUE delayer (named after the fault) and waits until it holds the queue. */
function delayerStart(fault, queue, delayMs, jitterMs) {
    const log = `${exports.STATE_DIR}/${fault}.delay.log`;
    return [
        `mkdir -p ${exports.STATE_DIR}`,
        pidKill((0, exports.pidFile)(fault, "delay"), (0, exports.delayerProcess)(fault)),
        `setsid nohup bash -c ${(0, commands_1.sh)([`exec -a ${(0, exports.delayerProcess)(fault)} pgchaos-delay ${queue} ${delayMs} ${jitterMs}`])} > ${log} 2>&1 < /dev/null &`,
        `echo $! > ${(0, exports.pidFile)(fault, "delay")}`,
        `for i in $(seq 1 50); do grep -q '^ready' ${log} 2>/dev/null && break; sleep 0.1; done`,
        `grep -q '^ready' ${log} || { echo "NFQUEUE delayer did not start:"; cat ${log}; exit 1; } >&2`,
    ].join("\n");
}
function delayerStop(fault) {
    return pidKill((0, exports.pidFile)(fault, "delay"), (0, exports.delayerProcess)(fault));
}
/** NFQUEUE numbers per fault: stable, away from 0 (which other tools default to). */
function queueNumber(fault) {
    return 1000 + (parseInt(tcHandle(fault), 16) % 30000);
}
const stressProcess = (fault) => `pgchaos-stress-${fault}`;
exports.stressProcess = stressProcess;
/** stress-ng bounded by its own timeout (a second watchdog), in a working dir named after the fault. */
function stressStart(fault, resource, workers, loadPercent, bytes, seconds) {
    const dir = `${exports.STATE_DIR}/${fault}`;
    const args = {
        cpu: ["--cpu", workers, "--cpu-load", loadPercent],
        io: ["--hdd", workers, "--hdd-bytes", bytes],
        memory: ["--vm", workers, "--vm-bytes", bytes, "--vm-keep"],
    }[resource];
    const cmd = (0, commands_1.sh)(["stress-ng", ...args, "--timeout", `${seconds}s`, "--temp-path", dir, "--quiet"]);
    return [
        `mkdir -p ${dir} && chmod 1777 ${dir}`,
        `setsid nohup bash -c ${(0, commands_1.sh)([`cd ${dir} && exec -a ${(0, exports.stressProcess)(fault)} ${cmd}`])} > ${exports.STATE_DIR}/${fault}.stress.log 2>&1 < /dev/null &`,
        `echo $! > ${(0, exports.pidFile)(fault, "stress")}`,
        `sleep 0.5; ${(0, exports.stressAlive)(fault)} || { echo "stress-ng did not start:"; cat ${exports.STATE_DIR}/${fault}.stress.log; exit 1; } >&2`,
    ].join("\n");
}
const stressAlive = (fault) => pidAlive((0, exports.pidFile)(fault, "stress"), (0, exports.stressProcess)(fault));
exports.stressAlive = stressAlive;
function stressStop(fault) {
    // SIGTERM to the parent makes stress-ng stop its workers and remove its temporary files.
    const file = (0, exports.pidFile)(fault, "stress");
    return [
        pidKill(file, (0, exports.stressProcess)(fault)),
        `for i in $(seq 1 30); do ${(0, exports.stressAlive)(fault)} || break; sleep 0.1; done`,
        pidKill(file, (0, exports.stressProcess)(fault), "KILL"),
    ].join("\n");
}
