// How the controller reaches a member: docker exec or SSH, with its lifecycle (stop, start, watchdog) and logs.
import { sh } from "../../components/docker/commands";
import { pidKill } from "../faults/member-scripts";

/** Where the controller keeps watchdogs of lab members it stopped (they cannot run inside them). */
export const HOST_WATCHDOG_DIR = `"\${PGCHAOS_CACHE:-$HOME/.cache/pgchaos}/watchdogs"`;

/**
 * Where a fault's commands run. Every builder produces a script meant to run *on the member* as root;
 * a transport turns it into a script the controller runs (docker exec for the lab, ssh for a user's
 * hosts). Lifecycle operations (stop/kill/pause a member) differ by transport too, so they live here.
 */
export interface Transport {
  /** What the member is, for messages and preview ("container pgchaos-dev-pg1", "ssh postgres@10.0.0.5"). */
  readonly describe: string;
  /** TCP ports no fault rule may touch on this member (the controller's own SSH session). */
  readonly protectedTcpPorts: number[];
  /** Controller-side script that runs `script` on the member as root; fails when the member is unreachable. */
  exec(script: string): string;
  /** Like exec, but a no-op (with a note) when the member is down: for recover, whose effects die with it. */
  execIfUp(script: string): string;
  readonly lifecycle: Lifecycle;
}

export type StopMode = "stop" | "kill" | "pause";

/** Stopping and starting a member's service, and the state it is in (for verification and refresh). */
export interface Lifecycle {
  stop(mode: StopMode): string;
  /** Idempotent: starts/unpauses whatever state the member is in. */
  start(): string;
  /** Prints one of running | stopped | paused. */
  state(): string;
  /**
   * Arms a watchdog that starts the member after `seconds` even if the controller dies. It cannot live
   * inside a stopped or frozen member: the lab's runs on this host, an SSH host's under systemd there.
   */
  armWatchdog(fault: string, seconds: number): string;
  disarmWatchdog(fault: string): string;
  /**
   * Controller-side script printing the service's log lines since `sinceMs`, each `<time> <text>` with
   * <time> ISO 8601 or epoch seconds (see parseServiceLog): the experiment report quotes them.
   */
  logs(sinceMs: number): string;
}

/** Lines of a service log fetched by `Lifecycle.logs`, at most this many (the newest). */
export const LOG_LINES_MAX = 20_000;

/** Parses `Lifecycle.logs` output into timestamped lines (lines without a readable time are dropped). */
export function parseServiceLog(output: string): Array<{ at: number; text: string }> {
  const out: Array<{ at: number; text: string }> = [];
  for (const raw of output.split("\n")) {
    const sp = raw.indexOf(" ");
    if (sp <= 0) continue;
    const time = raw.slice(0, sp);
    const at = /^\d+(\.\d+)?$/.test(time) ? Math.round(Number(time) * 1000) : Date.parse(time);
    if (!Number.isNaN(at)) out.push({ at, text: raw.slice(sp + 1).trim() });
  }
  return out;
}

/** A lab member: a Docker container on this host. */
export class DockerExecTransport implements Transport {
  readonly describe: string;
  readonly protectedTcpPorts: number[] = [];
  readonly lifecycle: Lifecycle;

  constructor(public readonly container: string) {
    this.describe = `container ${container}`;
    const c = sh([container]);
    const state = `docker inspect -f '{{if .State.Paused}}paused{{else if .State.Running}}running{{else}}stopped{{end}}' ${c}`;
    this.lifecycle = {
      stop: (mode) => ({ stop: `docker stop -t 30 ${c} >/dev/null`, kill: `docker kill -s KILL ${c} >/dev/null`, pause: `docker pause ${c} >/dev/null` })[mode],
      start: () => `case "$(${state})" in paused) docker unpause ${c} >/dev/null ;; stopped) docker start ${c} >/dev/null ;; esac`,
      state: () => state,
      armWatchdog: (fault, seconds) => {
        const file = `"$WD"/${sh([`${container}.${fault}.sh`])}`;
        const body = `sleep ${seconds}\n${this.lifecycle.start()}\nrm -f "$0" "$0.pid"\n`;
        return `WD=${HOST_WATCHDOG_DIR}; mkdir -p "$WD"\n` +
          `printf '%s' ${sh([body])} > ${file}\nsetsid nohup bash ${file} >/dev/null 2>&1 < /dev/null &\necho $! > ${file}.pid`;
      },
      disarmWatchdog: (fault) => {
        const file = `"$WD"/${sh([`${container}.${fault}.sh`])}`;
        return `WD=${HOST_WATCHDOG_DIR}\n${pidKill(`${file}.pid`, `${container}.${fault}.sh`)}\nrm -f ${file} ${file}.pid`;
      },
      // Docker keeps the container's stdout/stderr with receive times, also while it is stopped.
      logs: (sinceMs) => `docker logs --timestamps --since ${new Date(sinceMs - 1000).toISOString()} ${c} 2>&1 | tail -n ${LOG_LINES_MAX}`,
    };
  }

  exec(script: string): string {
    return `docker exec -u root ${sh([this.container])} bash -c ${sh([`set -euo pipefail\n${script}`])}`;
  }

  execIfUp(script: string): string {
    return `if [ "$(${this.lifecycle.state()} 2>/dev/null)" = running ]; then ${this.exec(script)}; ` +
      `else echo ${sh([`${this.describe} is not running: its network rules and processes are gone with it`])}; fi`;
  }
}

/** The controller script's variable holding the path of the SSH private key file (see inventory.ts). */
export const SSH_KEY_FILE_VAR = "PGCHAOS_SSH_KEY_FILE";

export { SERVICE_LOG, SUPERVISOR_DIR } from "../../components/lab/ssh";
import { SERVICE_LOG, SUPERVISOR_DIR } from "../../components/lab/ssh";

export interface SshTarget {
  host: string;
  port: number;
  user: string;
  sudo: boolean;
  /** Environment variable (of the controller's script) holding the path of the private key file. */
  keyFileVar: string;
  /** systemd unit of the member's service, for node stop. */
  serviceUnit: string;
  /** systemd (real hosts) or the lab's supervisor (containers have no systemd). Default systemd. */
  lifecycle?: "systemd" | "supervised";
}

/**
 * Member-side lifecycle of a service owned by the lab's SSH-mode supervisor. Like systemd's
 * `systemctl kill` on a unit's cgroup, kill and pause hit the whole service: its process tree plus every
 * process of the service's user when that is not root (Patroni daemonizes PostgreSQL: the postmaster is
 * re-parented to init, outside the tree); stop sends TERM to the service alone (Patroni then stops
 * PostgreSQL cleanly, as `systemctl stop` does).
 */
export function supervisedLifecycle(): { stop: (mode: StopMode) => string; start: string; state: string; watchdog: (fault: string, seconds: number) => string; disarm: (fault: string) => string; logs: (sinceMs: number) => string } {
  const d = SUPERVISOR_DIR;
  const pid = `p=$(cat ${d}/pid 2>/dev/null || true)`;
  const alive = `[ -n "$p" ] && kill -0 "$p" 2>/dev/null`;
  const tree = `pgc_tree() { local c; for c in $(ps -o pid= --ppid "$1" 2>/dev/null); do echo "$c"; pgc_tree "$c"; done; }`;
  const signalTree = (sig: string) => `${tree}; u=$(cat ${d}/user 2>/dev/null || true); ` +
    `kill -${sig} "$p" $(pgc_tree "$p") $(if [ -n "$u" ] && [ "$u" != root ]; then pgrep -u "$u"; fi) 2>/dev/null || true`;
  const start = `${pid}; if [ -n "$p" ] && kill -0 "$p" 2>/dev/null; then ${signalTree("CONT")}; fi; echo up > ${d}/want`;
  const wdFile = (fault: string) => `${d}/watchdog-${fault}.sh`;
  return {
    stop: (mode) => ({
      // The supervisor sees "down" and does not restart it.
      stop: `echo down > ${d}/want; ${pid}; if ${alive}; then ${signalTree("CONT")}; kill -TERM "$p" 2>/dev/null || true; ` +
        `for _ in $(seq 1 300); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done; kill -0 "$p" 2>/dev/null && { ${signalTree("KILL")}; }; fi; true`,
      kill: `echo down > ${d}/want; ${pid}; if ${alive}; then ${signalTree("KILL")}; fi`,
      pause: `${pid}; ${alive} && { ${signalTree("STOP")}; }`,
    })[mode],
    start,
    state: `${pid}; if [ "$(cat ${d}/want 2>/dev/null)" = down ] || ! { ${alive}; }; then echo stopped; ` +
      `elif [ "$(ps -o stat= -p "$p" | cut -c1)" = T ]; then echo paused; else echo running; fi`,
    // Lives on the host (the container keeps running: sshd and the supervisor stay up while the service is down).
    // Disarming TERMs the watchdog's shell, which takes its sleep with it (no orphaned sleep).
    watchdog: (fault, seconds) => `printf '%s' ${sh([`trap 'kill "$s" 2>/dev/null; exit 0' TERM\nsleep ${seconds} & s=$!\nwait "$s"\n${start}\nrm -f "$0" "$0.pid"\n`])} > ${wdFile(fault)}\n` +
      `setsid nohup bash ${wdFile(fault)} >/dev/null 2>&1 < /dev/null &\necho $! > ${wdFile(fault)}.pid`,
    disarm: (fault) => `${pidKill(`${wdFile(fault)}.pid`, wdFile(fault))}\nrm -f ${wdFile(fault)} ${wdFile(fault)}.pid`,
    // The supervisor stamps every line of the service's output with the epoch time it was read at.
    logs: (sinceMs) => `{ awk -v s=${((sinceMs - 1000) / 1000).toFixed(3)} '$1 >= s' ${SERVICE_LOG} 2>/dev/null || true; } | tail -n ${LOG_LINES_MAX}`,
  };
}

/** A user's host reached over SSH (OpenSSH client; key from the secret environment, batch mode). */
export class SshTransport implements Transport {
  readonly describe: string;
  readonly protectedTcpPorts: number[];
  readonly lifecycle: Lifecycle;

  constructor(public readonly target: SshTarget) {
    this.describe = `ssh ${target.user}@${target.host}:${target.port}`;
    this.protectedTcpPorts = [22, target.port].filter((p, i, a) => a.indexOf(p) === i);
    const unit = sh([target.serviceUnit]);
    if (target.lifecycle === "supervised") {
      const s = supervisedLifecycle();
      this.lifecycle = {
        stop: (mode) => this.exec(s.stop(mode)),
        start: () => this.exec(s.start),
        state: () => this.exec(s.state),
        armWatchdog: (fault, seconds) => this.exec(s.watchdog(fault, seconds)),
        disarmWatchdog: (fault) => this.exec(s.disarm(fault)),
        logs: (sinceMs) => this.exec(s.logs(sinceMs)),
      };
      return;
    }
    this.lifecycle = {
      stop: (mode) => this.exec({
        stop: `systemctl stop ${unit}`,
        // SIGKILL to the whole unit (Patroni and its PostgreSQL): what a crashed node looks like.
        kill: `systemctl kill --signal=SIGKILL ${unit}`,
        pause: `systemctl kill --signal=SIGSTOP ${unit}`,
      }[mode]),
      start: () => this.exec(`systemctl kill --signal=SIGCONT ${unit} 2>/dev/null || true; systemctl is-active --quiet ${unit} || systemctl start ${unit}`),
      state: () => this.exec(`if ! systemctl is-active --quiet ${unit}; then echo stopped; ` +
        `elif [ "$(ps -o stat= -p "$(systemctl show -p MainPID --value ${unit})" | cut -c1)" = T ]; then echo paused; else echo running; fi`),
      // A transient systemd timer on the host itself: survives the controller and the SSH session.
      armWatchdog: (fault, seconds) => this.exec(
        `systemd-run --quiet --unit ${sh([`pgchaos-watchdog-${fault}`])} --on-active=${seconds}s ` +
        `/bin/sh -c ${sh([`systemctl kill --signal=SIGCONT ${target.serviceUnit}; systemctl start ${target.serviceUnit}`])}`),
      disarmWatchdog: (fault) => this.exec(
        `systemctl stop ${sh([`pgchaos-watchdog-${fault}.timer`])} ${sh([`pgchaos-watchdog-${fault}.service`])} 2>/dev/null || true`),
      // short-unix: "<epoch.micro> <host> <ident>[pid]: text"; the host and ident are dropped.
      logs: (sinceMs) => this.exec(
        `journalctl -u ${unit} --since @${Math.floor((sinceMs - 1000) / 1000)} -o short-unix --no-pager -q | ` +
        `sed -E 's/^([0-9.]+) [^ ]+ [^ :]+: /\\1 /' | tail -n ${LOG_LINES_MAX}`),
    };
  }

  /**
   * ssh words before the remote command; the key path comes from the script's environment. Host keys:
   * the known_hosts file beside the key holds the inventory's pinned keys; a host not listed there is
   * accepted on first use (accept-new), a changed key is refused.
   */
  sshWords(): string {
    const t = this.target;
    return `ssh -i "$${t.keyFileVar}" -p ${t.port} -o BatchMode=yes -o ConnectTimeout=5 -o StrictHostKeyChecking=accept-new ` +
      `-o UserKnownHostsFile="$${t.keyFileVar}.known_hosts" -o IdentitiesOnly=yes -o LogLevel=ERROR -o ServerAliveInterval=5 -o ServerAliveCountMax=3 ` +
      `${sh([`${t.user}@${t.host}`])} --`;
  }

  exec(script: string): string {
    const remote = `${this.target.sudo ? "sudo -n " : ""}bash -c ${sh([`set -euo pipefail\n${script}`])}`;
    // ssh joins its arguments into one string for the remote shell: pass exactly one quoted word.
    return `${this.sshWords()} ${sh([remote])}`;
  }

  /** Runs `script` as the SSH user, without sudo (preflight: it must work before privileges are known). */
  execAsUser(script: string): string {
    return `${this.sshWords()} ${sh([`bash -c ${sh([`set -uo pipefail\n${script}`])}`])}`;
  }

  execIfUp(script: string): string {
    return this.exec(script);
  }
}
