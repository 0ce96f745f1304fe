"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.labInventory = labInventory;
exports.labSshTargets = labSshTargets;
const naming_1 = require("./naming");
const ssh_1 = require("./ssh");
function labInventory(m) {
    return [
        ...m.etcd.map((e) => ({
            name: e.name, kind: "etcd", roleAtCreation: "member", container: e.container, ip: e.ip,
            ports: { client: e.clientPort, peer: 2380 }, hostPorts: { client: e.hostClientPort },
        })),
        ...m.patroni.map((n) => ({
            name: n.name, kind: "patroni", roleAtCreation: n.name === m.leader ? "leader" : "replica", container: n.container, ip: n.ip,
            ports: { postgres: n.postgresPort, rest: n.restPort }, hostPorts: { postgres: n.hostPostgresPort, rest: n.hostRestPort },
        })),
        {
            name: naming_1.HAPROXY_MEMBER, kind: "haproxy", roleAtCreation: "proxy", container: m.haproxy.container, ip: m.haproxy.ip,
            ports: { readWrite: 5000, readOnly: 5001, stats: 8404 },
            hostPorts: { readWrite: m.ports.readWrite, readOnly: m.ports.readOnly, stats: m.ports.haproxyStats },
        },
        // Monitoring containers are fault targets too (node-stop only): what does an outage of the monitor do to alerting?
        ...m.monitoring.map((h) => ({
            name: h.name, kind: "monitoring", roleAtCreation: "monitoring", container: h.container, ip: h.ip,
            ports: { http: h.port }, hostPorts: { http: h.hostPort },
        })),
    ];
}
function labSshTargets(inv, scope, sshPortBase, ports) {
    return {
        scope,
        knownHosts: [],
        // Monitoring containers run no sshd: they stay docker-exec only (node-stop through Docker).
        hosts: inv.filter((m) => m.kind !== "monitoring").map((m) => ({
            name: m.name, address: "127.0.0.1", sshPort: (0, ssh_1.sshHostPort)(sshPortBase, m.name), user: ssh_1.LAB_SSH_USER, sudo: true,
            runs: m.kind, clusterAddress: m.ip, lifecycle: "supervised", postgresPort: m.hostPorts.postgres ?? 5432,
            ...(m.kind === "patroni" ? { restUrl: `http://127.0.0.1:${m.hostPorts.rest}`, postgresHost: "127.0.0.1" } : {}),
            ...(m.kind === "etcd" ? { clientUrl: `http://127.0.0.1:${m.hostPorts.client}` } : {}),
        })),
        // The experiment runner's workload goes through HAProxy's 127.0.0.1-published ports, as in docker-exec mode.
        workload: {
            readWrite: { host: "127.0.0.1", port: ports.readWrite }, readOnly: { host: "127.0.0.1", port: ports.readOnly },
            haproxyStatsUrl: `http://127.0.0.1:${ports.haproxyStats}`, user: "postgres", database: "postgres",
        },
    };
}
