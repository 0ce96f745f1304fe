"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.withRoles = exports.roleNote = exports.names = exports.others = exports.LISTENS = exports.tcpFrom = exports.serviceUrl = exports.servicePort = void 0;
exports.resolvePeers = resolvePeers;
exports.failoverExpectation = failoverExpectation;
exports.downVerification = downVerification;
const world_1 = require("../targets/world");
const probes_1 = require("./probes");
/**
 * The port TCP probes connect to: one with a deep listen backlog (PostgreSQL, etcd, HAProxy stats).
 * Patroni's REST port drops bare connects even without a fault (its backlog is tiny), so it is used
 * only for HTTP probes.
 */
const servicePort = (m) => ({ patroni: 5432, etcd: 2379, haproxy: 8404, monitoring: m.ports.http ?? 9090 })[m.kind];
exports.servicePort = servicePort;
const serviceUrl = (m) => `http://${m.ip}:${({ patroni: 8008, etcd: 2379, haproxy: 8404, monitoring: m.ports.http ?? 9090 })[m.kind]}/`;
exports.serviceUrl = serviceUrl;
const tcpFrom = (from, to, port, count, timeoutMs, concurrency = 1) => ({ type: "tcp", script: from.transport.exec((0, probes_1.tcpProbeScript)(to.ip, port, count, timeoutMs, concurrency)) });
exports.tcpFrom = tcpFrom;
exports.LISTENS = { patroni: [5432, 8008], etcd: [2379, 2380], haproxy: [5000, 5001, 8404], monitoring: [9090, 9093] };
/** The cluster's other members: default peers and probers (monitoring containers are named explicitly or not at all). */
const others = (world, exclude) => world.members.filter((m) => m.kind !== "monitoring" && !exclude.some((e) => e.name === m.name));
exports.others = others;
const names = (members) => members.map((m) => m.name);
exports.names = names;
const roleNote = (world, m) => m.name === world.live.patroniLeader ? " [primary]" : m.name === world.live.etcdLeader ? " [etcd leader]" : m.kind === "patroni" ? " [replica]" : "";
exports.roleNote = roleNote;
const withRoles = (world, members) => members.map((t) => `${t.name}${(0, exports.roleNote)(world, t)}`).join(", ");
exports.withRoles = withRoles;
function resolvePeers(world, targets, peers) {
    const resolved = peers ? (0, world_1.resolveAll)(peers, world) : (0, exports.others)(world, targets);
    const list = resolved.filter((p) => !targets.some((t) => t.name === p.name));
    if (!list.length)
        throw new world_1.PlanError("no peers left after removing the targets themselves");
    return list;
}
function failoverExpectation(world, dcs, hit) {
    const leaderHit = hit.some((m) => m.name === world.live.patroniLeader);
    const bound = dcs.ttl + dcs.loopWait;
    return leaderHit
        ? `the primary is hit → Patroni should elect a new leader within ttl + loop_wait ≈ ${bound} s; writes through HAProxy fail meanwhile`
        : hit.some((m) => m.kind === "patroni")
            ? "a replica is hit → no failover expected; reads through the read-only port move to the other replicas"
            : "";
}
/** Members stopped, killed or paused: Docker's or systemd's state word, and their service no longer answering HTTP. */
function downVerification(world, targets, mode) {
    const prober = (0, exports.others)(world, targets)[0];
    return {
        rule: { type: "down", state: mode === "pause" ? "paused" : "stopped", configured: `${(0, exports.names)(targets).join(",")} ${mode}` },
        baseline: [],
        probes: targets.flatMap((t) => [
            { type: "state", script: t.transport.lifecycle.state() },
            { type: "http", script: prober.transport.exec((0, probes_1.httpProbeScript)((0, exports.serviceUrl)(t), 2, 1000)) },
        ]),
        boundSeconds: 45, // a graceful stop waits for PostgreSQL's shutdown
    };
}
