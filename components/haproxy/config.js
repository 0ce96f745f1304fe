"use strict";
// haproxy.cfg for the lab: read-write to the leader, read-only to replicas, stats and Prometheus.
/** haproxy.cfg for the lab: read-write to the Patroni leader, read-only to replicas, stats + Prometheus. */
Object.defineProperty(exports, "__esModule", { value: true });
exports.DEFAULT_HAPROXY_CHECKS = exports.HAPROXY_STATS_PORT = exports.HAPROXY_RO_PORT = exports.HAPROXY_RW_PORT = void 0;
exports.renderHaproxyCfg = renderHaproxyCfg;
exports.HAPROXY_RW_PORT = 5000;
exports.HAPROXY_RO_PORT = 5001;
exports.HAPROXY_STATS_PORT = 8404;
exports.DEFAULT_HAPROXY_CHECKS = { checkIntervalMs: 1000, fall: 2, rise: 1 };
function renderHaproxyCfg(c) {
    const { checkIntervalMs: inter, fall, rise } = c.checks ?? exports.DEFAULT_HAPROXY_CHECKS;
    const servers = c.nodes
        .map((n) => `    server ${n.name} ${n.name}:${n.postgresPort} check port ${n.restPort} resolvers docker init-addr last,libc,none`)
        .join("\n");
    return `global
    maxconn 2000
    stats socket /run/haproxy/admin.sock mode 600 level admin
    log stdout format raw local0 info

defaults
    mode tcp
    log global
    option tcplog
    retries 2
    timeout connect 2s
    timeout client 30m
    timeout server 30m
    timeout check 1s

# Docker's embedded DNS: re-resolve members whose container was recreated with a new address.
resolvers docker
    nameserver dns 127.0.0.11:53
    hold valid 2s

frontend stats
    mode http
    bind *:${exports.HAPROXY_STATS_PORT}
    stats enable
    stats uri /stats
    stats refresh 2s
    http-request use-service prometheus-exporter if { path /metrics }

# Read-write: only the member whose Patroni REST answers 200 on /primary.
listen primary
    bind *:${exports.HAPROXY_RW_PORT}
    option httpchk GET /primary
    http-check expect status 200
    default-server inter ${inter}ms fastinter ${Math.max(200, Math.floor(inter / 2))}ms fall ${fall} rise ${rise} on-marked-down shutdown-sessions
${servers}

# Read-only: members that answer 200 on /replica (streaming, not the leader).
listen replicas
    bind *:${exports.HAPROXY_RO_PORT}
    balance roundrobin
    option httpchk GET /replica
    http-check expect status 200
    default-server inter ${inter}ms fastinter ${Math.max(200, Math.floor(inter / 2))}ms fall ${fall} rise ${rise} on-marked-down shutdown-sessions
${servers}
`;
}
