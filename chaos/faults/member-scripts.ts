// Scripts run on a member as root for faults inside it: watchdog, netem, the NFQUEUE delayer, stress-ng.
import { sh } from "../../components/docker/commands";

/**
 * Scripts that run on a member as root, for faults whose effect lives inside the member: the
 * watchdog that reverts a fault after its duration, the NFQUEUE delayer, netem and stress-ng.
 * Every file and process they create carries the fault's name.
 */

export const STATE_DIR = "/var/lib/pgchaos";
export const recoverFile = (fault: string) => `${STATE_DIR}/${fault}.recover.sh`;
export const watchdogFile = (fault: string) => `${STATE_DIR}/${fault}.watchdog.sh`;

/** Prints the member's clock (epoch seconds, ns precision): the injection time, taken inside the target. */
export const TIMESTAMP = `date +%s.%N`;

/**
 * Processes a fault starts are tracked by pid files, never by `pkill -f`: the recover script's own
 * command line contains the same names and would match (and kill itself). Before signalling, the pid's
 * command line is checked for the fault's marker, so a recycled pid (after a restart) is left alone.
 */
export const pidFile = (fault: string, what: string) => `${STATE_DIR}/${fault}.${what}.pid`;

/** Exit 0 when the process recorded in the pid file is alive and is ours. */
export function pidAlive(file: string, marker: string): string {
  return `{ p=$(cat ${file} 2>/dev/null) && [ -n "$p" ] && tr '\\0' ' ' < /proc/$p/cmdline 2>/dev/null | grep -qF -- ${sh([marker])}; }`;
}

export function pidKill(file: string, marker: string, signal = "TERM"): string {
  return `if ${pidAlive(file, marker)}; then kill -${signal} "$p" 2>/dev/null || true; fi`;
}

/**
 * Arms a watchdog: saves the member-side revert script, then a detached process that runs it after
 * `seconds` even if the controller dies. Recover disarms it first (see disarmWatchdog).
 */
export function armWatchdog(fault: string, revert: string, seconds: number): string {
  // Everything the fault left (pid files, logs) goes with it, so a reverted fault is no leftover.
  const recover = `${revert}\n${removeStateFiles(fault)}\n`;
  const watchdog = `sleep ${seconds}\nexec bash ${recoverFile(fault)}\n`;
  return [
    `mkdir -p ${STATE_DIR}`,
    `printf '%s' ${sh([recover])} > ${recoverFile(fault)}`,
    `printf '%s' ${sh([watchdog])} > ${watchdogFile(fault)}`,
    `setsid nohup bash ${watchdogFile(fault)} >/dev/null 2>&1 < /dev/null &`,
    `echo $! > ${pidFile(fault, "watchdog")}`,
  ].join("\n");
}

export function disarmWatchdog(fault: string): string {
  return `${pidKill(pidFile(fault, "watchdog"), watchdogFile(fault))}\nrm -f ${pidFile(fault, "watchdog")}`;
}

export const removeStateFiles = (fault: string) => `rm -rf ${recoverFile(fault)} ${watchdogFile(fault)} ${STATE_DIR}/${fault}.* ${STATE_DIR}/${fault}`;

/** Interface that routes to an address (eth0 in the lab, whatever the route says on a host). */
const devTo = (ip: string) => `$(ip -o route get ${sh([ip])} | sed -n 's/.* dev \\([^ ]*\\).*/\\1/p')`;

/** A tc handle that carries the fault's identity (a qdisc cannot carry a comment). */
export function tcHandle(fault: string): string {
  let h = 0x811c9dc5;
  for (const c of fault) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0;
  return (0x1000 + (h % 0xe000)).toString(16); // 1000..efff, clear of the usual 1:, ffff:
}

/** netem delay scoped to the peers: a prio qdisc whose 4th band (netem) only the peers' packets reach. */
export function netemApply(fault: string, peerIps: string[], delayMs: number, jitterMs: number): string {
  const h = tcHandle(fault);
  const byDev = peerIps.map((ip) => `DEV=${devTo(ip)}\n` +
    `tc qdisc show dev "$DEV" | grep -q "qdisc prio ${h}:" || { ` +
    `tc qdisc add dev "$DEV" root handle ${h}: prio bands 4 priomap 1 2 2 2 1 2 0 0 1 1 1 1 1 1 1 1 && ` +
    `tc qdisc add dev "$DEV" parent ${h}:4 handle ${h}4: netem delay ${delayMs}ms${jitterMs ? ` ${jitterMs}ms` : ""}; }\n` +
    `tc filter add dev "$DEV" parent ${h}: protocol ip prio 1 u32 match ip dst ${sh([`${ip}/32`])} flowid ${h}:4`);
  return byDev.join("\n");
}

/** Removes only a root qdisc with the fault's own handle, on any interface. */
export function netemRevert(fault: string): string {
  const h = tcHandle(fault);
  return `for DEV in $(ls /sys/class/net); do tc qdisc show dev "$DEV" | grep -q "qdisc prio ${h}: root" && tc qdisc del dev "$DEV" root || true; done`;
}

export function netemPresent(fault: string): string {
  return `for DEV in $(ls /sys/class/net); do tc qdisc show dev "$DEV" | grep -q "qdisc prio ${h(fault)}: root" && exit 0; done; exit 1`;
}
const h = tcHandle;

/** Does this kernel have sch_netem? Tries it on the loopback and removes it at once. */
export const NETEM_PROBE = `if tc qdisc add dev lo root handle fffe: netem delay 0ms 2>/dev/null; then tc qdisc del dev lo root; echo yes; else echo no; fi`;

export const delayerProcess = (fault: string) => `pgchaos-delay-${fault}`;

/** Starts the NFQUEUE delayer (named after the fault) and waits until it holds the queue. */
export function delayerStart(fault: string, queue: number, delayMs: number, jitterMs: number): string {
  const log = `${STATE_DIR}/${fault}.delay.log`;
  return [
    `mkdir -p ${STATE_DIR}`,
    pidKill(pidFile(fault, "delay"), delayerProcess(fault)),
    `setsid nohup bash -c ${sh([`exec -a ${delayerProcess(fault)} pgchaos-delay ${queue} ${delayMs} ${jitterMs}`])} > ${log} 2>&1 < /dev/null &`,
    `echo $! > ${pidFile(fault, "delay")}`,
    `for i in $(seq 1 50); do grep -q '^ready' ${log} 2>/dev/null && break; sleep 0.1; done`,
    `grep -q '^ready' ${log} || { echo "NFQUEUE delayer did not start:"; cat ${log}; exit 1; } >&2`,
  ].join("\n");
}

export function delayerStop(fault: string): string {
  return pidKill(pidFile(fault, "delay"), delayerProcess(fault));
}

/** NFQUEUE numbers per fault: stable, away from 0 (which other tools default to). */
export function queueNumber(fault: string): number {
  return 1000 + (parseInt(tcHandle(fault), 16) % 30000);
}

export const stressProcess = (fault: string) => `pgchaos-stress-${fault}`;

/** stress-ng bounded by its own timeout (a second watchdog), in a working dir named after the fault. */
export function stressStart(fault: string, resource: "cpu" | "io" | "memory", workers: number, loadPercent: number, bytes: string, seconds: number): string {
  const dir = `${STATE_DIR}/${fault}`;
  const args = {
    cpu: ["--cpu", workers, "--cpu-load", loadPercent],
    io: ["--hdd", workers, "--hdd-bytes", bytes],
    memory: ["--vm", workers, "--vm-bytes", bytes, "--vm-keep"],
  }[resource];
  const cmd = sh(["stress-ng", ...args, "--timeout", `${seconds}s`, "--temp-path", dir, "--quiet"]);
  return [
    `mkdir -p ${dir} && chmod 1777 ${dir}`,
    `setsid nohup bash -c ${sh([`cd ${dir} && exec -a ${stressProcess(fault)} ${cmd}`])} > ${STATE_DIR}/${fault}.stress.log 2>&1 < /dev/null &`,
    `echo $! > ${pidFile(fault, "stress")}`,
    `sleep 0.5; ${stressAlive(fault)} || { echo "stress-ng did not start:"; cat ${STATE_DIR}/${fault}.stress.log; exit 1; } >&2`,
  ].join("\n");
}

export const stressAlive = (fault: string) => pidAlive(pidFile(fault, "stress"), stressProcess(fault));

export function stressStop(fault: string): string {
  // SIGTERM to the parent makes stress-ng stop its workers and remove its temporary files.
  const file = pidFile(fault, "stress");
  return [
    pidKill(file, stressProcess(fault)),
    `for i in $(seq 1 30); do ${stressAlive(fault)} || break; sleep 0.1; done`,
    pidKill(file, stressProcess(fault), "KILL"),
  ].join("\n");
}
