// haproxy.cfg for the lab: read-write to the leader, read-only to replicas, stats and Prometheus.
/** haproxy.cfg for the lab: read-write to the Patroni leader, read-only to replicas, stats + Prometheus. */

export const HAPROXY_RW_PORT = 5000;
export const HAPROXY_RO_PORT = 5001;
export const HAPROXY_STATS_PORT = 8404;

export interface HaproxyBackendNode {
  name: string;
  postgresPort: number;
  restPort: number;
}

/** The read-write and read-only backends' health checks: how fast HAProxy follows a new leader. */
export interface HaproxyChecks {
  /** Health-check interval (ms); fastinter (while a server changes state) is half of it, at least 200 ms. */
  checkIntervalMs: number;
  /** Failed checks before a server is marked down, and passed checks before it is up again. */
  fall: number;
  rise: number;
}

export const DEFAULT_HAPROXY_CHECKS: HaproxyChecks = { checkIntervalMs: 1000, fall: 2, rise: 1 };

export interface HaproxyConfig {
  nodes: HaproxyBackendNode[];
  checks?: HaproxyChecks;
}

export function renderHaproxyCfg(c: HaproxyConfig): string {
  const { checkIntervalMs: inter, fall, rise } = c.checks ?? DEFAULT_HAPROXY_CHECKS;
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
    bind *:${HAPROXY_STATS_PORT}
    stats enable
    stats uri /stats
    stats refresh 2s
    http-request use-service prometheus-exporter if { path /metrics }

# Read-write: only the member whose Patroni REST answers 200 on /primary.
listen primary
    bind *:${HAPROXY_RW_PORT}
    option httpchk GET /primary
    http-check expect status 200
    default-server inter ${inter}ms fastinter ${Math.max(200, Math.floor(inter / 2))}ms fall ${fall} rise ${rise} on-marked-down shutdown-sessions
${servers}

# Read-only: members that answer 200 on /replica (streaming, not the leader).
listen replicas
    bind *:${HAPROXY_RO_PORT}
    balance roundrobin
    option httpchk GET /replica
    http-check expect status 200
    default-server inter ${inter}ms fastinter ${Math.max(200, Math.floor(inter / 2))}ms fall ${fall} rise ${rise} on-marked-down shutdown-sessions
${servers}
`;
}
