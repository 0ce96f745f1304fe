"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.SshTransport = exports.SUPERVISOR_DIR = exports.SERVICE_LOG = exports.SSH_KEY_FILE_VAR = exports.DockerExecTransport = exports.LOG_LINES_MAX = exports.HOST_WATCHDOG_DIR = void 0;
exports.parseServiceLog = parseServiceLog;
exports.supervisedLifecycle = supervisedLifecycle;
// How the controller reaches a member: docker exec or SSH, with its lifecycle (stop, start, watchdog) and logs.
const commands_1 = require("../../components/docker/commands");
const member_scripts_1 = require("../faults/member-scripts");
/** Where the controller keeps watchdogs of lab members it stopped (they cannot run inside them). */
exports.HOST_WATCHDOG_DIR = `"\${PGCHAOS_CACHE:-$HOME/.cache/pgchaos}/watchdogs"`;
/** Lines of a service log fetched by `Lifecycle.logs`, at most this many (the newest). */
exports.LOG_LINES_MAX = 20_000;
/** Parses `Lifecycle.logs` output into timestamped lines (lines without a readable time are dropped). */
function parseServiceLog(output) {
    const out = [];
    for (const raw of output.split("\n")) {
        const sp = raw.indexOf(" ");
        if (sp <= 0)
            continue;
        const time = raw.slice(0, sp);
        const at = /^\d+(\.\d+)?$/.test(time) ? Math.round(Number(time) * 1000) : Date.parse(time);
        if (!Number.isNaN(at))
            out.push({ at, text: raw.slice(sp + 1).trim() });
    }
    return out;
}
/** A lab member: a Docker container on this host. */
class DockerExecTransport {
    constructor(container) {
        this.container = container;
        this.protectedTcpPorts = [];
        this.describe = `container ${container}`;
        const c = (0, commands_1.sh)([container]);
        const state = `docker inspect -f '{{if .State.Paused}}paused{{else if .State.Running}}running{{else}}stopped{{end}}' ${c}`;
        this.lifecycle = {
            stop: (mode) => ({ stop: `docker stop -t 30 ${c} >/dev/null`, kill: `docker kill -s KILL ${c} >/dev/null`, pause: `docker pause ${c} >/dev/null` })[mode],
            start: () => `case "$(${state})" in paused) docker unpause ${c} >/dev/null ;; stopped) docker start ${c} >/dev/null ;; esac`,
            state: () => state,
            armWatchdog: (fault, seconds) => {
                const file = `"$WD"/${(0, commands_1.sh)([`${container}.${fault}.sh`])}`;
                const body = `sleep ${seconds}\n${this.lifecycle.start()}\nrm -f "$0" "$0.pid"\n`;
                return `WD=${exports.HOST_WATCHDOG_DIR}; mkdir -p "$WD"\n` +
                    `printf '%s' ${(0, commands_1.sh)([body])} > ${file}\nsetsid nohup bash ${file} >/dev/null 2>&1 < /dev/null &\necho $! > ${file}.pid`;
            },
            disarmWatchdog: (fault) => {
                const file = `"$WD"/${(0, commands_1.sh)([`${container}.${fault}.sh`])}`;
                return `WD=${exports.HOST_WATCHDOG_DIR}\n${(0, member_scripts_1.pidKill)(`${file}.pid`, `${container}.${fault}.sh`)}\nrm -f ${file} ${file}.pid`;
            },
            // Docker keeps the container's stdout/stderr with receive times, also while it is stopped.
            logs: (sinceMs) => `docker logs --timestamps --since ${new Date(sinceMs - 1000).toISOString()} ${c} 2>&1 | tail -n ${exports.LOG_LINES_MAX}`,
        };
    }
    exec(script) {
        return `docker exec -u root ${(0, commands_1.sh)([this.container])} bash -c ${(0, commands_1.sh)([`set -euo pipefail\n${script}`])}`;
    }
    execIfUp(script) {
        return `if [ "$(${this.lifecycle.state()} 2>/dev/null)" = running ]; then ${this.exec(script)}; ` +
            `else echo ${(0, commands_1.sh)([`${this.describe} is not running: its network rules and processes are gone with it`])}; fi`;
    }
}
exports.DockerExecTransport = DockerExecTransport;
/** The controller script's variable holding the path of the SSH private key file (see inventory.ts). */
exports.SSH_KEY_FILE_VAR = "PGCHAOS_SSH_KEY_FILE";
var ssh_1 = require("../../components/lab/ssh");
Object.defineProperty(exports, "SERVICE_LOG", { enumerable: true, get: function () { return ssh_1.SERVICE_LOG; } });
Object.defineProperty(exports, "SUPERVISOR_DIR", { enumerable: true, get: function () { return ssh_1.SUPERVISOR_DIR; } });
const ssh_2 = require("../../components/lab/ssh");
/**
 * Member-side lifecycle of a service owned by the lab's SSH-mode supervisor. Like systemd's
 * `systemctl kill` on a unit's cgroup, kill and pause hit the whole service: its process tree plus every
 * process of the service's user when that is not root (Patroni daemonizes PostgreSQL: the postmaster is
 * re-parented to init, outside the tree); stop sends TERM to the service alone (Patroni then stops
 * PostgreSQL cleanly, as `systemctl stop` does).
 */
function supervisedLifecycle() {
    const d = ssh_2.SUPERVISOR_DIR;
    const pid = `p=$(cat ${d}/pid 2>/dev/null || true)`;
    const alive = `[ -n "$p" ] && kill -0 "$p" 2>/dev/null`;
    const tree = `pgc_tree() { local c; for c in $(ps -o pid= --ppid "$1" 2>/dev/null); do echo "$c"; pgc_tree "$c"; done; }`;
    const signalTree = (sig) => `${tree}; u=$(cat ${d}/user 2>/dev/null || true); ` +
        `kill -${sig} "$p" $(pgc_tree "$p") $(if [ -n "$u" ] && [ "$u" != root ]; then pgrep -u "$u"; fi) 2>/dev/null || true`;
    const start = `${pid}; if [ -n "$p" ] && kill -0 "$p" 2>/dev/null; then ${signalTree("CONT")}; fi; echo up > ${d}/want`;
    const wdFile = (fault) => `${d}/watchdog-${fault}.sh`;
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
        watchdog: (fault, seconds) => `printf '%s' ${(0, commands_1.sh)([`trap 'kill "$s" 2>/dev/null; exit 0' TERM\nsleep ${seconds} & s=$!\nwait "$s"\n${start}\nrm -f "$0" "$0.pid"\n`])} > ${wdFile(fault)}\n` +
            `setsid nohup bash ${wdFile(fault)} >/dev/null 2>&1 < /dev/null &\necho $! > ${wdFile(fault)}.pid`,
        disarm: (fault) => `${(0, member_scripts_1.pidKill)(`${wdFile(fault)}.pid`, wdFile(fault))}\nrm -f ${wdFile(fault)} ${wdFile(fault)}.pid`,
        // The supervisor stamps every line of the service's output with the epoch time it was read at.
        logs: (sinceMs) => `{ awk -v s=${((sinceMs - 1000) / 1000).toFixed(3)} '$1 >= s' ${ssh_2.SERVICE_LOG} 2>/dev/null || true; } | tail -n ${exports.LOG_LINES_MAX}`,
    };
}
/** A user's host reached over SSH (OpenSSH client; key from the secret environment, batch mode). */
class SshTransport {
    constructor(target) {
        this.target = target;
        this.describe = `ssh ${target.user}@${target.host}:${target.port}`;
        this.protectedTcpPorts = [22, target.port].filter((p, i, a) => a.indexOf(p) === i);
        const unit = (0, commands_1.sh)([target.serviceUnit]);
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
            armWatchdog: (fault, seconds) => this.exec(`systemd-run --quiet --unit ${(0, commands_1.sh)([`pgchaos-watchdog-${fault}`])} --on-active=${seconds}s ` +
                `/bin/sh -c ${(0, commands_1.sh)([`systemctl kill --signal=SIGCONT ${target.serviceUnit}; systemctl start ${target.serviceUnit}`])}`),
            disarmWatchdog: (fault) => this.exec(`systemctl stop ${(0, commands_1.sh)([`pgchaos-watchdog-${fault}.timer`])} ${(0, commands_1.sh)([`pgchaos-watchdog-${fault}.service`])} 2>/dev/null || true`),
            // short-unix: "<epoch.micro> <host> <ident>[pid]: text"; the host and ident are dropped.
            logs: (sinceMs) => this.exec(`journalctl -u ${unit} --since @${Math.floor((sinceMs - 1000) / 1000)} -o short-unix --no-pager -q | ` +
                `sed -E 's/^([0-9.]+) [^ ]+ [^ :]+: /\\1 /' | tail -n ${exports.LOG_LINES_MAX}`),
        };
    }
    /**
     * ssh words before the remote command; the key path comes from the script's environment. Host keys:
     * the known_hosts file beside the key holds the inventory's pinned keys; a host not listed there is
     * accepted on first use (accept-new), a changed key is refused.
     */
    sshWords() {
        const t = this.target;
        return `ssh -i "$${t.keyFileVar}" -p ${t.port} -o BatchMode=yes -o ConnectTimeout=5 -o StrictHostKeyChecking=accept-new ` +
            `-o UserKnownHostsFile="$${t.keyFileVar}.known_hosts" -o IdentitiesOnly=yes -o LogLevel=ERROR -o ServerAliveInterval=5 -o ServerAliveCountMax=3 ` +
            `${(0, commands_1.sh)([`${t.user}@${t.host}`])} --`;
    }
    exec(script) {
        const remote = `${this.target.sudo ? "sudo -n " : ""}bash -c ${(0, commands_1.sh)([`set -euo pipefail\n${script}`])}`;
        // ssh joins its arguments into one string for the remote shell: pass exactly one quoted word.
        return `${this.sshWords()} ${(0, commands_1.sh)([remote])}`;
    }
    /** Runs `script` as the SSH user, without sudo (preflight: it must work before privileges are known). */
    execAsUser(script) {
        return `${this.sshWords()} ${(0, commands_1.sh)([`bash -c ${(0, commands_1.sh)([`set -uo pipefail\n${script}`])}`])}`;
    }
    execIfUp(script) {
        return this.exec(script);
    }
}
exports.SshTransport = SshTransport;
