"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.DEFAULT_UNITS = exports.withSshKey = exports.SSH_KEY_PRELUDE = exports.SSH_KNOWN_HOSTS_VAR = exports.SSH_KEY_VAR = exports.targetsSchema = exports.workloadTargetSchema = exports.targetHostSchema = void 0;
exports.rejectDuplicateNames = rejectDuplicateNames;
exports.hostTransport = hostTransport;
exports.sshMembers = sshMembers;
// The inventory of a user's own cluster (pgchaos:targets): the only hosts faults may touch.
const zod_1 = require("zod");
const transport_1 = require("./transport");
/**
 * The inventory of a user's own cluster (`pgchaos:targets` in the chaos stack's config): the hosts the
 * faults may touch — and nothing else is ever touched — how to reach them over SSH, and what runs there.
 * The private key is not here: it is the secret config value `pgchaos:sshPrivateKey`.
 */
/** Member names double as selectors and appear in messages and iptables comments: same rule as selectors. */
const memberName = zod_1.z.string().regex(/^[a-z][a-z0-9-]{0,30}$/, "must be 1-31 chars of a-z, 0-9 and '-', starting with a letter");
/** A hostname or an IPv4/IPv6 address: no spaces, quotes, `$`, `;` or leading `-` (ssh would read an option). */
const address = zod_1.z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,252}$/, "must be a hostname or an IP address (letters, digits, . : _ -)");
const ipv4 = zod_1.z.string().regex(/^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/, "must be an IPv4 address (iptables rules name peers by address)");
const userName = zod_1.z.string().regex(/^[a-z_][a-z0-9_-]{0,31}$/, "must be a POSIX user name");
const unitName = zod_1.z.string().regex(/^[A-Za-z0-9@_.:-]{1,100}$/, "must be a systemd unit name");
const httpUrl = zod_1.z.string().regex(/^https?:\/\/[A-Za-z0-9_.:\[\]-]+(\/[A-Za-z0-9_.\/-]*)?$/, "must be an http(s) URL without credentials or query");
exports.targetHostSchema = zod_1.z.object({
    name: memberName,
    /** Where the controller reaches sshd. */
    address,
    sshPort: zod_1.z.number().int().min(1).max(65535).default(22),
    user: userName,
    /** Run fault commands through `sudo -n` (the user needs passwordless sudo); false: the user is root. */
    sudo: zod_1.z.boolean().default(true),
    runs: zod_1.z.enum(["etcd", "patroni", "haproxy"]),
    /**
     * The address the cluster's peers use for this host (iptables rules and probes name it); default:
     * `address`, which must then be an IPv4 address.
     */
    clusterAddress: ipv4.optional(),
    /**
     * How node-stop stops and starts the service: `systemd` (systemctl on `serviceUnit`) or `supervised`
     * (the lab's SSH mode: containers have no systemd, a small supervisor owns the service).
     */
    lifecycle: zod_1.z.enum(["systemd", "supervised"]).default("systemd"),
    /** systemd unit of the service (default: patroni, etcd or haproxy). */
    serviceUnit: unitName.optional(),
    /** Patroni REST API as the controller reaches it (required for patroni hosts). */
    restUrl: httpUrl.optional(),
    /** etcd client URL as the controller reaches it (required for etcd hosts). */
    clientUrl: httpUrl.optional(),
    /** PostgreSQL as the controller reaches it directly (experiments' per-node probes); default address:5432. */
    postgresHost: address.optional(),
    postgresPort: zod_1.z.number().int().min(1).max(65535).default(5432),
}).strict().superRefine((h, ctx) => {
    if (h.runs === "patroni" && !h.restUrl)
        ctx.addIssue({ code: "custom", path: ["restUrl"], message: `host ${h.name} runs patroni: restUrl (its Patroni REST API, e.g. http://10.0.0.5:8008) is required` });
    if (h.runs === "etcd" && !h.clientUrl)
        ctx.addIssue({ code: "custom", path: ["clientUrl"], message: `host ${h.name} runs etcd: clientUrl (e.g. http://10.0.0.2:2379) is required` });
    if (!h.clusterAddress && !ipv4.safeParse(h.address).success) {
        ctx.addIssue({ code: "custom", path: ["clusterAddress"], message: `host ${h.name}: address ${h.address} is not an IPv4 address, so clusterAddress (the IP its peers use) is required` });
    }
});
const endpoint = zod_1.z.object({ host: address, port: zod_1.z.number().int().min(1).max(65535) }).strict();
/**
 * Where the experiment runner's workload connects (the user's HAProxy or VIP) and as whom. Faults do not
 * need it; `pgchaos run --chaos-stack` does. The password is the secret config value `pgchaos:postgresPassword`.
 */
exports.workloadTargetSchema = zod_1.z.object({
    readWrite: endpoint,
    readOnly: endpoint,
    /** HAProxy's stats page (serves `/stats;csv`), when the user exposes it. */
    haproxyStatsUrl: httpUrl.optional(),
    user: userName.default("postgres"),
    database: zod_1.z.string().regex(/^[A-Za-z_][A-Za-z0-9_$-]{0,62}$/, "must be a database name").default("postgres"),
}).strict();
/** Adds an issue at every item of `items` whose name an earlier item already has. */
function rejectDuplicateNames(ctx, key, items, what) {
    const seen = new Set();
    items.forEach((item, i) => {
        if (seen.has(item.name))
            ctx.addIssue({ code: "custom", path: [key, i, "name"], message: `duplicate ${what} name ${item.name}` });
        seen.add(item.name);
    });
}
exports.targetsSchema = zod_1.z.object({
    /** The Patroni scope the hosts must belong to (preflight refuses hosts of another cluster). */
    scope: zod_1.z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, "must be a Patroni scope name"),
    /** known_hosts lines for the hosts (recommended); without them the first key seen is accepted. */
    knownHosts: zod_1.z.array(zod_1.z.string().regex(/^[^\n\r]{1,8192}$/, "one known_hosts line")).max(64).default([]),
    hosts: zod_1.z.array(exports.targetHostSchema).min(1).max(32),
    workload: exports.workloadTargetSchema.optional(),
}).strict().superRefine((t, ctx) => {
    rejectDuplicateNames(ctx, "hosts", t.hosts, "host");
    if (!t.hosts.some((h) => h.runs === "patroni"))
        ctx.addIssue({ code: "custom", path: ["hosts"], message: "the inventory needs at least one patroni host" });
    const peers = new Map();
    t.hosts.forEach((h, i) => {
        const ip = h.clusterAddress ?? h.address;
        const other = peers.get(ip);
        if (other)
            ctx.addIssue({ code: "custom", path: ["hosts", i, "clusterAddress"], message: `hosts ${other} and ${h.name} share cluster address ${ip}: faults name peers by address, one member per address` });
        peers.set(ip, h.name);
    });
});
/** Environment variables the controller's scripts read the SSH secrets from (never command lines). */
exports.SSH_KEY_VAR = "PGCHAOS_SSH_KEY";
exports.SSH_KNOWN_HOSTS_VAR = "PGCHAOS_SSH_KNOWN_HOSTS";
/**
 * Prepended to every controller-side script that may use ssh: writes the key (from the environment, with
 * printf — a bash builtin, so it is on no process's command line) into a fresh 0700 directory as a 0600
 * file, with the configured known_hosts beside it, and removes both when the script exits. A no-op when
 * no key is in the environment (lab members over docker exec).
 */
exports.SSH_KEY_PRELUDE = [
    `if [ -n "\${${exports.SSH_KEY_VAR}:-}" ] && [ -z "\${${transport_1.SSH_KEY_FILE_VAR}:-}" ]; then`,
    `  PGCHAOS_SSH_DIR="$(mktemp -d)"; trap 'rm -rf "$PGCHAOS_SSH_DIR"' EXIT`,
    `  ${transport_1.SSH_KEY_FILE_VAR}="$PGCHAOS_SSH_DIR/key"`,
    `  ( umask 077; printf '%s\\n' "$${exports.SSH_KEY_VAR}" > "$${transport_1.SSH_KEY_FILE_VAR}"; printf '%s\\n' "\${${exports.SSH_KNOWN_HOSTS_VAR}:-}" > "$${transport_1.SSH_KEY_FILE_VAR}.known_hosts" )`,
    `fi`,
].join("\n");
const withSshKey = (script) => `${exports.SSH_KEY_PRELUDE}\n${script}`;
exports.withSshKey = withSshKey;
exports.DEFAULT_UNITS = { patroni: "patroni", etcd: "etcd", haproxy: "haproxy" };
function hostTransport(h) {
    return new transport_1.SshTransport({
        host: h.address, port: h.sshPort, user: h.user, sudo: h.sudo, keyFileVar: transport_1.SSH_KEY_FILE_VAR,
        serviceUnit: h.serviceUnit ?? exports.DEFAULT_UNITS[h.runs], lifecycle: h.lifecycle,
    });
}
/** Inventory → chaos members reached over SSH, and the API endpoints the live view is read from. */
function sshMembers(targets) {
    const strip = (u) => u.replace(/\/+$/, "");
    const members = targets.hosts.map((h) => ({
        name: h.name, kind: h.runs, ip: h.clusterAddress ?? h.address,
        ports: h.runs === "patroni" ? { postgres: 5432, rest: 8008 } : h.runs === "etcd" ? { client: 2379, peer: 2380 } : { readWrite: 5000, readOnly: 5001, stats: 8404 },
        transport: hostTransport(h),
    }));
    const endpoints = {
        patroniRest: Object.fromEntries(targets.hosts.filter((h) => h.runs === "patroni").map((h) => [h.name, strip(h.restUrl)])),
        etcdClient: Object.fromEntries(targets.hosts.filter((h) => h.runs === "etcd").map((h) => [h.name, strip(h.clientUrl)])),
    };
    return { members, endpoints };
}
