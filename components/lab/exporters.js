"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.POSTGRES_EXPORTER_START = exports.withNodeExporter = exports.POSTGRES_EXPORTER_QUERIES = exports.NODE_EXPORTER_WRAPPER = void 0;
// Exporters that run inside lab members when monitoring is on.
const config_1 = require("../patroni/config");
/** Exporters that run inside lab members when monitoring is on (ports as the scrape jobs expect them). */
/** The base image's wrapper: starts the node exporter, then execs the member's command (same PID, signals). */
exports.NODE_EXPORTER_WRAPPER = "pgchaos-with-node-exporter";
exports.POSTGRES_EXPORTER_QUERIES = "/etc/pgchaos/postgres-exporter-queries.yaml";
const withNodeExporter = (enabled, command) => enabled ? [exports.NODE_EXPORTER_WRAPPER, ...command] : command;
exports.withNodeExporter = withNodeExporter;
/**
 * Shell fragment of the Patroni entrypoint that starts the postgres exporter in the background. It
 * connects over TCP to its own node as `postgres`; the password is read from the container's secret
 * environment (PATRONI_SUPERUSER_PASSWORD) into the exporter's environment — never onto a command line.
 */
exports.POSTGRES_EXPORTER_START = `{ DATA_SOURCE_URI="$(hostname):${config_1.POSTGRES_PORT}/postgres?sslmode=disable" DATA_SOURCE_USER=postgres ` +
    `DATA_SOURCE_PASS="$PATRONI_SUPERUSER_PASSWORD" prometheus-postgres-exporter --web.listen-address=:9187 ` +
    `--disable-settings-metrics --extend.query-path=${exports.POSTGRES_EXPORTER_QUERIES} --log.level=warn ` +
    `>>/tmp/postgres-exporter.log 2>&1 & }`;
