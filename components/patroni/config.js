"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.renderPatroniYaml = exports.BASE_PG_PARAMETERS = exports.PATRONI_CONFIG_PATH = exports.PG_DATA_DIR = exports.PATRONI_REST_PORT = exports.POSTGRES_PORT = void 0;
exports.patroniConfig = patroniConfig;
// patroni.yml for one lab member.
const yaml_1 = require("yaml");
exports.POSTGRES_PORT = 5432;
exports.PATRONI_REST_PORT = 8008;
exports.PG_DATA_DIR = "/var/lib/postgresql/data";
exports.PATRONI_CONFIG_PATH = "/var/lib/postgresql/patroni.yml";
/** PostgreSQL settings the lab needs whatever the user configures (replication, rewind, visibility). */
exports.BASE_PG_PARAMETERS = {
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
function patroniConfig(c) {
    return {
        scope: c.scope,
        namespace: "/service/",
        name: c.name,
        log: { level: "INFO", format: "%(asctime)s %(levelname)s: %(message)s" },
        restapi: { listen: `0.0.0.0:${exports.PATRONI_REST_PORT}`, connect_address: `${c.name}:${exports.PATRONI_REST_PORT}` },
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
                    parameters: { ...exports.BASE_PG_PARAMETERS, ...c.postgresParameters },
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
            listen: `0.0.0.0:${exports.POSTGRES_PORT}`,
            connect_address: `${c.name}:${exports.POSTGRES_PORT}`,
            data_dir: exports.PG_DATA_DIR,
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
const renderPatroniYaml = (c) => (0, yaml_1.stringify)(patroniConfig(c), { lineWidth: 0 });
exports.renderPatroniYaml = renderPatroniYaml;
