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
exports.SSH_KEYGEN_SCRIPT = exports.LAB_SSH_USER = exports.SERVICE_LOG = exports.SUPERVISOR_DIR = void 0;
exports.supervisorScript = supervisorScript;
exports.withSshMode = withSshMode;
exports.sshHostPort = sshHostPort;
exports.splitKeyOutput = splitKeyOutput;
exports.labSshKey = labSshKey;
// The lab's SSH mode: every member also runs sshd, reachable on 127.0.0.1 with a per-stack key.
const command = __importStar(require("@pulumi/command"));
const pulumi = __importStar(require("@pulumi/pulumi"));
/** Where the lab's SSH-mode supervisor keeps the service's wanted state and pid. */
exports.SUPERVISOR_DIR = "/run/pgchaos-service";
/** The service's output, one `<epoch seconds> <line>` per line, written by the supervisor. */
exports.SERVICE_LOG = `${exports.SUPERVISOR_DIR}/service.log`;
/**
 * The lab's SSH mode (`pgchaos:ssh.enabled`): every member also runs sshd (Debian's openssh-server,
 * already in images/base) reachable only on a 127.0.0.1-published port, for a lab user with passwordless
 * sudo authorized with a per-stack key. The chaos layer can then reach the lab exactly as it reaches a
 * user's own hosts over SSH (chaos/targets/inventory.ts), and the two transports can be compared on one cluster.
 *
 * Containers have no systemd, so node-stop over SSH cannot be `systemctl stop`. Killing the container's
 * main process would kill sshd with it (and the container). Instead a small supervisor is the container's
 * main process: it starts sshd, then runs the member's service in its own process group (session), and
 * restarts it whenever `${SUPERVISOR_DIR}/want` says `up`. The SSH lifecycle ("supervised", see
 * chaos/targets/transport.ts) writes `down` and sends TERM (stop) or KILL (kill) to the service's process group,
 * or STOP/CONT (pause); the container, sshd and the host-side watchdog keep running. `docker stop` still
 * stops everything (TERM is forwarded to the service).
 */
exports.LAB_SSH_USER = "pgchaos";
/** The supervisor script; "$@" is the member's own command, run as `runAs` (the image's service user). */
function supervisorScript(runAs) {
    const d = exports.SUPERVISOR_DIR;
    const run = runAs
        ? `setpriv --reuid=${runAs} --regid=${runAs} --init-groups env HOME="$(getent passwd ${runAs} | cut -d: -f6)" USER=${runAs} LOGNAME=${runAs} "$@"`
        : `"$@"`;
    return [
        "set -u",
        `D=${d}`,
        `mkdir -p "$D"; echo up > "$D/want"; rm -f "$D/pid"; echo ${runAs ?? "root"} > "$D/user"`,
        // sshd: host keys once per container; the lab user, its key and passwordless sudo.
        "ssh-keygen -A >/dev/null",
        `id -u ${exports.LAB_SSH_USER} >/dev/null 2>&1 || useradd -m -s /bin/bash ${exports.LAB_SSH_USER}`,
        `install -d -m 700 -o ${exports.LAB_SSH_USER} -g ${exports.LAB_SSH_USER} /home/${exports.LAB_SSH_USER}/.ssh`,
        `printf '%s\\n' "$PGCHAOS_SSH_AUTHORIZED_KEY" > /home/${exports.LAB_SSH_USER}/.ssh/authorized_keys`,
        `chown ${exports.LAB_SSH_USER}: /home/${exports.LAB_SSH_USER}/.ssh/authorized_keys; chmod 600 /home/${exports.LAB_SSH_USER}/.ssh/authorized_keys`,
        `echo '${exports.LAB_SSH_USER} ALL=(ALL) NOPASSWD: ALL' > /etc/sudoers.d/${exports.LAB_SSH_USER}; chmod 440 /etc/sudoers.d/${exports.LAB_SSH_USER}`,
        "mkdir -p /run/sshd",
        "/usr/sbin/sshd -o PasswordAuthentication=no -o KbdInteractiveAuthentication=no -o PermitRootLogin=no -o UseDNS=no",
        "stopping=0",
        `trap 'stopping=1; echo down > "$D/want"; p=$(cat "$D/pid" 2>/dev/null || true); if [ -n "$p" ]; then kill -CONT -- "-$p" 2>/dev/null; kill -TERM -- "-$p" 2>/dev/null; fi' TERM INT`,
        `while [ "$stopping" = 0 ]; do`,
        `  if [ "$(cat "$D/want" 2>/dev/null)" = up ]; then`,
        // Not a process-group leader (no job control): setsid execs in place, so $! is the session's id.
        // Output goes on to docker logs and, stamped with the time it was read (bash's $EPOCHREALTIME, no fork
        // per line), into the service log the SSH transport reads for the report (Lifecycle.logs).
        `    setsid ${run} > >(while IFS= read -r l; do printf '%s\\n' "$l"; printf '%s %s\\n' "$EPOCHREALTIME" "$l" >> ${exports.SERVICE_LOG}; done) 2>&1 & p=$!; echo "$p" > "$D/pid"`,
        `    while kill -0 "$p" 2>/dev/null; do wait "$p" || true; done`,
        `  fi`,
        `  [ "$stopping" = 0 ] && { sleep 1 & wait $! || true; }`,
        `done`,
    ].join("\n");
}
/** A member's container spec in SSH mode: root main process (the supervisor), sshd published on 127.0.0.1. */
function withSshMode(spec, ssh) {
    return {
        ...spec,
        user: undefined,
        init: true,
        env: { ...(spec.env ?? {}), PGCHAOS_SSH_AUTHORIZED_KEY: ssh.authorizedKey },
        ports: [...(spec.ports ?? []), { host: ssh.hostPort, container: 22 }],
        command: ["bash", "-c", supervisorScript(spec.user), "pgchaos-supervisor", ...spec.command],
    };
}
/** Host port of each member's sshd: etcd i → base+i−1, pg i → base+10+i−1, haproxy → base+20. */
function sshHostPort(base, member) {
    const m = /^(etcd|pg)(\d+)$/.exec(member);
    if (m)
        return base + (m[1] === "etcd" ? 0 : 10) + Number(m[2]) - 1;
    return base + 20;
}
/** Script of the key pair's local.Command: a new ed25519 key (ssh-keygen), printed private key first, then the public line. */
exports.SSH_KEYGEN_SCRIPT = [
    `d=$(mktemp -d) && trap 'rm -rf "$d"' EXIT`,
    `ssh-keygen -q -t ed25519 -N '' -C "$KEY_COMMENT" -f "$d/key"`,
    `cat "$d/key" "$d/key.pub"`,
].join("\n");
/** Splits the key command's output into the private key (PEM block) and the public key line. */
function splitKeyOutput(stdout) {
    const lines = stdout.trim().split("\n");
    const publicKey = lines.pop() ?? "";
    if (!publicKey.startsWith("ssh-ed25519 ") || !lines[0]?.startsWith("-----BEGIN"))
        throw new Error("ssh key command: output is not a private key followed by an ssh-ed25519 public key");
    return { privateKey: `${lines.join("\n")}\n`, publicKey };
}
/**
 * An SSH key pair generated once per stack (ssh-keygen on the controller) by a command.local.Command:
 * its stdout is stored only as a secret and never logged; the public half is authorized on every member.
 */
function labSshKey(name, comment, opts) {
    const keygen = new command.local.Command(name, {
        create: exports.SSH_KEYGEN_SCRIPT,
        environment: { KEY_COMMENT: comment },
        logging: "none",
    }, { ...opts, additionalSecretOutputs: ["stdout"] });
    const parts = keygen.stdout.apply(splitKeyOutput);
    return { publicKey: pulumi.unsecret(parts.apply((p) => p.publicKey)), privateKey: pulumi.secret(parts.apply((p) => p.privateKey)) };
}
