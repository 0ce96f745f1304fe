"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.BLOCK_OFFSETS = exports.DERIVED_BLOCKS = exports.DERIVED_BLOCK_SIZE = exports.DERIVED_FIRST_PORT = exports.DEV_STACK = void 0;
exports.derivedBlockStart = derivedBlockStart;
exports.withDerivedPorts = withDerivedPorts;
exports.labHostPorts = labHostPorts;
exports.overlappingPorts = overlappingPorts;
exports.listeningPorts = listeningPorts;
exports.publishedPorts = publishedPorts;
exports.portClashes = portClashes;
// Host ports of a lab: documented defaults for stack dev, a derived block of 64 for any other.
const crypto_1 = require("crypto");
/**
 * Host ports of a lab. Stack `dev` keeps the documented defaults (the schema's); any other stack gets a
 * block of 64 ports derived from its name, so a second lab on the same machine does not take the first
 * one's ports. Keys set in the stack's config always win. Pure: unit-tested without Docker.
 */
exports.DEV_STACK = "dev";
/** Derived blocks start here and end below Linux's default ephemeral range (32768–60999). */
exports.DERIVED_FIRST_PORT = 20000;
exports.DERIVED_BLOCK_SIZE = 64;
exports.DERIVED_BLOCKS = Math.floor((32768 - exports.DERIVED_FIRST_PORT) / exports.DERIVED_BLOCK_SIZE);
/** Offset of each port key inside a block (base keys reserve room for the most members the schema allows). */
exports.BLOCK_OFFSETS = {
    ports: { readWrite: 0, readOnly: 1, haproxyStats: 2, etcdClientBase: 8, postgresBase: 16, patroniRestBase: 24 },
    "monitoring.ports": { prometheus: 3, alertmanager: 4, receiver: 5 },
    // etcd i: +i−1 (≤ 5), pg i: +10+i−1 (≤ 7), haproxy: +20 — 21 ports.
    ssh: { portBase: 32 },
};
/** First port of the stack's block: a hash of its name, so the same name always gets the same ports. */
function derivedBlockStart(stack) {
    const slot = (0, crypto_1.createHash)("sha256").update(stack).digest().readUInt32BE(0) % exports.DERIVED_BLOCKS;
    return exports.DERIVED_FIRST_PORT + slot * exports.DERIVED_BLOCK_SIZE;
}
const objectAt = (raw, key) => (raw[key] && typeof raw[key] === "object" ? { ...raw[key] } : {});
/**
 * The stack's raw `pgchaos:` config with every port key it does not set filled from its block (stack dev:
 * unchanged, so the schema's documented defaults apply). Returns the keys it filled, for messages.
 */
function withDerivedPorts(raw, stack) {
    if (stack === exports.DEV_STACK)
        return { raw, derived: [] };
    const start = derivedBlockStart(stack);
    const ports = objectAt(raw, "ports");
    const monitoring = objectAt(raw, "monitoring");
    const monitoringPorts = objectAt(monitoring, "ports");
    const ssh = objectAt(raw, "ssh");
    const derived = [];
    const fill = (target, prefix, offsets) => {
        for (const [key, offset] of Object.entries(offsets)) {
            if (target[key] !== undefined)
                continue;
            target[key] = start + offset;
            derived.push(`${prefix}.${key}`);
        }
    };
    fill(ports, "ports", exports.BLOCK_OFFSETS.ports);
    fill(monitoringPorts, "monitoring.ports", exports.BLOCK_OFFSETS["monitoring.ports"]);
    fill(ssh, "ssh", exports.BLOCK_OFFSETS.ssh);
    return { raw: { ...raw, ports, monitoring: { ...monitoring, ports: monitoringPorts }, ssh }, derived };
}
/** Every host port the validated config publishes (members' ports from the base keys). */
function labHostPorts(config) {
    const p = config.ports;
    const key = (k) => `pgchaos:${k}`;
    const each = (n, base, k, what) => Array.from({ length: n }, (_, i) => ({ port: base + i, key: key(k), what: what(i + 1) }));
    const out = [
        { port: p.readWrite, key: key("ports.readWrite"), what: "HAProxy's read-write port" },
        { port: p.readOnly, key: key("ports.readOnly"), what: "HAProxy's read-only port" },
        { port: p.haproxyStats, key: key("ports.haproxyStats"), what: "HAProxy's stats" },
        ...each(config.etcdMembers, p.etcdClientBase, "ports.etcdClientBase", (i) => `etcd${i}'s client port`),
        ...each(config.patroniNodes, p.postgresBase, "ports.postgresBase", (i) => `pg${i}'s PostgreSQL`),
        ...each(config.patroniNodes, p.patroniRestBase, "ports.patroniRestBase", (i) => `pg${i}'s Patroni REST API`),
    ];
    if (config.monitoring.enabled) {
        const m = config.monitoring.ports;
        out.push({ port: m.prometheus, key: key("monitoring.ports.prometheus"), what: "Prometheus" }, { port: m.alertmanager, key: key("monitoring.ports.alertmanager"), what: "Alertmanager" }, { port: m.receiver, key: key("monitoring.ports.receiver"), what: "the alert receiver" });
    }
    if (config.ssh.enabled) {
        const b = config.ssh.portBase;
        out.push(...each(config.etcdMembers, b, "ssh.portBase", (i) => `etcd${i}'s sshd`), ...each(config.patroniNodes, b + 10, "ssh.portBase", (i) => `pg${i}'s sshd`), { port: b + 20, key: key("ssh.portBase"), what: "haproxy's sshd" });
    }
    return out;
}
/** Two of the lab's own ports that are the same number (e.g. a set key landing inside a derived range). */
function overlappingPorts(ports) {
    const seen = new Map();
    const out = [];
    for (const p of ports) {
        const first = seen.get(p.port);
        if (first)
            out.push(`${p.key} = port ${p.port} (${p.what}) is also ${first.key}'s (${first.what}): set one of them to another port`);
        else
            seen.set(p.port, p);
    }
    return out;
}
/** Ports in LISTEN state in /proc/net/tcp or tcp6 text, on an address that 127.0.0.1 would clash with. */
function listeningPorts(procNetTcp) {
    const out = new Set();
    for (const line of procNetTcp.split("\n").slice(1)) {
        const f = line.trim().split(/\s+/);
        if (f.length < 4 || f[3] !== "0A")
            continue; // 0A = TCP_LISTEN
        const [addr, portHex] = f[1].split(":");
        // Any address, or loopback: 0.0.0.0, 127.x (v4, little-endian hex); ::, ::1, ::ffff:127.x (v6).
        const v4Any = addr === "00000000" || addr.endsWith("7F");
        const v6Any = addr === "00000000000000000000000000000000" || addr === "00000000000000000000000001000000" || /^0000000000000000FFFF0000[0-9A-F]{6}7F$/.test(addr);
        if (v4Any || v6Any)
            out.add(parseInt(portHex, 16));
    }
    return out;
}
/** `docker ps --format '{{.Names}}\t{{.Label "pgchaos.stack"}}\t{{.Ports}}'` → published host port → container. */
function publishedPorts(dockerPs) {
    const out = new Map();
    for (const line of dockerPs.split("\n")) {
        const [container, owner, ports] = line.split("\t");
        if (!container || ports === undefined)
            continue;
        for (const m of ports.matchAll(/(?:[0-9.]+|\[?[0-9a-f:]*\]?):(\d+)(?:-(\d+))?->/g)) {
            const first = Number(m[1]);
            for (let p = first; p <= Number(m[2] ?? m[1]); p++)
                out.set(p, { container, owner });
        }
    }
    return out;
}
/**
 * The lab's ports something else already listens on, one message each naming the key to change.
 * Ports published by this lab's own containers (same owner) are its own: a second `up` is no clash.
 */
function portClashes(ports, listening, published, owner) {
    return ports.flatMap((p) => {
        if (!listening.has(p.port) && !published.has(p.port))
            return [];
        const by = published.get(p.port);
        if (by?.owner === owner)
            return [];
        const who = by ? `container ${by.container}${by.owner ? ` (lab ${by.owner})` : ""}` : "another process";
        return [`${p.key}: port ${p.port} (${p.what}) is already in use by ${who} on this machine; set ${p.key} to a free port (pulumi config set --path ${p.key} <port>)`];
    });
}
