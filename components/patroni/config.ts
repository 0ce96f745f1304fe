// patroni.yml for one lab member.
import { stringify } from "yaml";
import type { DcsConfig } from "../../stacks/config";

export const POSTGRES_PORT = 5432;
export const PATRONI_REST_PORT = 8008;
export const PG_DATA_DIR = "/var/lib/postgresql/data";
export const PATRONI_CONFIG_PATH = "/var/lib/postgresql/patroni.yml";

export interface PatroniNodeConfig {
  scope: string;
  name: string;
  etcdHosts: string[];
  /** The lab network's subnet, trusted in pg_hba. */
  subnet: string;
  dcs: DcsConfig;
  postgresParameters: Record<string, string | number | boolean>;
}

/** PostgreSQL settings the lab needs whatever the user configures (replication, rewind, visibility). */
export const BASE_PG_PARAMETERS: Record<string, string | number | boolean> = {
  wal_level: "replica",
  hot_standby: "on",
  max_wal_senders: 10,
  max_replication_slots: 10,
  wal_log_hints: "on",
  wal_keep_size: "128MB",
  max_connections: 100,
  shared_buffers: "64MB",
  log_line_prefix: "%m [%p] %q%u@%d ",
  track_commit_timestamp: "on",
};

/**
 * patroni.yml for one node. Passwords are not in the file: Patroni reads PATRONI_SUPERUSER_PASSWORD,
 * PATRONI_REPLICATION_PASSWORD and PATRONI_REWIND_PASSWORD from the container's environment.
 */
export function patroniConfig(c: PatroniNodeConfig): Record<string, unknown> {
  return {
    scope: c.scope,
    namespace: "/service/",
    name: c.name,
    log: { level: "INFO", format: "%(asctime)s %(levelname)s: %(message)s" },
    restapi: { listen: `0.0.0.0:${PATRONI_REST_PORT}`, connect_address: `${c.name}:${PATRONI_REST_PORT}` },
    etcd3: { hosts: c.etcdHosts.map((h) => `${h}:2379`) },
    bootstrap: {
      dcs: {
        ttl: c.dcs.ttl,
        loop_wait: c.dcs.loopWait,
        retry_timeout: c.dcs.retryTimeout,
        maximum_lag_on_failover: c.dcs.maximumLagOnFailover,
        failsafe_mode: c.dcs.failsafeMode,
        synchronous_mode: c.dcs.synchronousMode,
        postgresql: {
          use_pg_rewind: true,
          use_slots: true,
          parameters: { ...BASE_PG_PARAMETERS, ...c.postgresParameters },
        },
      },
      initdb: [{ encoding: "UTF8" }, "data-checksums"],
      pg_hba: [
        "local all all trust",
        "host replication replicator 127.0.0.1/32 md5",
        `host replication replicator ${c.subnet} md5`,
        `host all all ${c.subnet} md5`,
      ],
    },
    postgresql: {
      listen: `0.0.0.0:${POSTGRES_PORT}`,
      connect_address: `${c.name}:${POSTGRES_PORT}`,
      data_dir: PG_DATA_DIR,
      bin_dir: "/usr/lib/postgresql/15/bin",
      pgpass: "/tmp/pgpass",
      authentication: {
        superuser: { username: "postgres" },
        replication: { username: "replicator" },
        rewind: { username: "rewind_user" },
      },
      parameters: { unix_socket_directories: "/run/postgresql" },
    },
    tags: { nofailover: false, noloadbalance: false, clonefrom: false, nosync: false },
  };
}

export const renderPatroniYaml = (c: PatroniNodeConfig): string => stringify(patroniConfig(c), { lineWidth: 0 });
