"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.goMemLimit = exports.renderAlertmanagerYaml = exports.RECEIVER_WEBHOOK_URL = exports.renderPrometheusYaml = exports.scrapeTimeoutSeconds = exports.SAMPLE_LIMIT = exports.RULE_FILE_PATTERN = exports.RECEIVER_DATA_DIR = exports.PROMETHEUS_DATA_DIR = exports.CONFIG_DIR = exports.MONITORING_HOSTS = exports.HAPROXY_METRICS_PORT = exports.PATRONI_METRICS_PORT = exports.ETCD_METRICS_PORT = exports.POSTGRES_EXPORTER_PORT = exports.NODE_EXPORTER_PORT = exports.RECEIVER_PORT = exports.ALERTMANAGER_PORT = exports.PROMETHEUS_PORT = void 0;
exports.scrapeJobs = scrapeJobs;
exports.prometheusConfig = prometheusConfig;
exports.alertmanagerConfig = alertmanagerConfig;
exports.prometheusArgs = prometheusArgs;
exports.alertmanagerArgs = alertmanagerArgs;
exports.receiverArgs = receiverArgs;
exports.filesEnvValue = filesEnvValue;
// Pure generators of Prometheus' and Alertmanager's configuration and command lines.
const yaml_1 = require("yaml");
/**
 * Pure generators of the monitoring configuration: Prometheus' scrape jobs and settings, Alertmanager's
 * routing, and the command lines of both. No I/O here (snapshot-tested in test/unit).
 */
exports.PROMETHEUS_PORT = 9090;
exports.ALERTMANAGER_PORT = 9093;
exports.RECEIVER_PORT = 8080;
exports.NODE_EXPORTER_PORT = 9100;
exports.POSTGRES_EXPORTER_PORT = 9187;
exports.ETCD_METRICS_PORT = 2379;
exports.PATRONI_METRICS_PORT = 8008;
exports.HAPROXY_METRICS_PORT = 8404;
/** Hostnames (network aliases) of the monitoring containers on the lab network. */
exports.MONITORING_HOSTS = { prometheus: "prometheus", alertmanager: "alertmanager", receiver: "alert-receiver" };
/** Where the monitoring image's `pgchaos-files-then` writes the files passed to a container. */
exports.CONFIG_DIR = "/etc/pgchaos";
exports.PROMETHEUS_DATA_DIR = "/var/lib/prometheus/metrics2";
exports.RECEIVER_DATA_DIR = "/var/lib/pgchaos-receiver";
exports.RULE_FILE_PATTERN = /^[a-z0-9][a-z0-9._-]*\.rules\.ya?ml$/;
/** A scrape that returns more samples than this fails (target down) instead of filling memory. */
exports.SAMPLE_LIMIT = 5000;
/** Every scrape job of the lab: each member's own metrics, node exporters, and the monitoring itself. */
function scrapeJobs(m) {
    const t = (member, role, port) => ({ address: `${member}:${port}`, member, role });
    const all = [...m.etcd.map((n) => [n, "etcd"]), ...m.patroni.map((n) => [n, "patroni"]), ...m.haproxy.map((n) => [n, "haproxy"])];
    return [
        { job: "etcd", metricsPath: "/metrics", targets: m.etcd.map((n) => t(n, "etcd", exports.ETCD_METRICS_PORT)) },
        { job: "patroni", metricsPath: "/metrics", targets: m.patroni.map((n) => t(n, "patroni", exports.PATRONI_METRICS_PORT)) },
        { job: "postgres", metricsPath: "/metrics", targets: m.patroni.map((n) => t(n, "patroni", exports.POSTGRES_EXPORTER_PORT)) },
        { job: "haproxy", metricsPath: "/metrics", targets: m.haproxy.map((n) => t(n, "haproxy", exports.HAPROXY_METRICS_PORT)) },
        { job: "node", metricsPath: "/metrics", targets: all.map(([n, role]) => t(n, role, exports.NODE_EXPORTER_PORT)) },
        { job: "prometheus", metricsPath: "/metrics", targets: [{ address: `localhost:${exports.PROMETHEUS_PORT}`, member: exports.MONITORING_HOSTS.prometheus, role: "monitoring" }] },
        { job: "alertmanager", metricsPath: "/metrics", targets: [t(exports.MONITORING_HOSTS.alertmanager, "monitoring", exports.ALERTMANAGER_PORT)] },
    ].filter((j) => j.targets.length > 0);
}
/** A timeout may not exceed the interval; a stopped member fails fast anyway (its name stops resolving). */
const scrapeTimeoutSeconds = (scrapeIntervalSeconds) => Math.min(scrapeIntervalSeconds, 10);
exports.scrapeTimeoutSeconds = scrapeTimeoutSeconds;
function prometheusConfig(s) {
    return {
        global: {
            scrape_interval: `${s.scrapeIntervalSeconds}s`,
            scrape_timeout: `${(0, exports.scrapeTimeoutSeconds)(s.scrapeIntervalSeconds)}s`,
            evaluation_interval: `${s.evaluationIntervalSeconds}s`,
            external_labels: { lab: s.lab },
        },
        rule_files: [`${exports.CONFIG_DIR}/*.rules.yml`],
        alerting: {
            alertmanagers: [{ static_configs: [{ targets: [`${exports.MONITORING_HOSTS.alertmanager}:${exports.ALERTMANAGER_PORT}`] }] }],
        },
        scrape_configs: scrapeJobs(s.members).map((j) => ({
            job_name: j.job,
            metrics_path: j.metricsPath,
            sample_limit: exports.SAMPLE_LIMIT,
            static_configs: j.targets.map((t) => ({ targets: [t.address], labels: { member: t.member, role: t.role } })),
        })),
    };
}
const renderPrometheusYaml = (s) => (0, yaml_1.stringify)(prometheusConfig(s), { lineWidth: 0 });
exports.renderPrometheusYaml = renderPrometheusYaml;
exports.RECEIVER_WEBHOOK_URL = `http://${exports.MONITORING_HOSTS.receiver}:${exports.RECEIVER_PORT}/alerts`;
/** One route: every alert goes to the lab's receiver, resolved notifications included. */
function alertmanagerConfig(s) {
    return {
        route: {
            receiver: "pgchaos-receiver",
            group_by: s.groupBy,
            group_wait: s.groupWait,
            group_interval: s.groupInterval,
            repeat_interval: s.repeatInterval,
        },
        receivers: [{ name: "pgchaos-receiver", webhook_configs: [{ url: exports.RECEIVER_WEBHOOK_URL, send_resolved: true, max_alerts: 0 }] }],
    };
}
const renderAlertmanagerYaml = (s) => (0, yaml_1.stringify)(alertmanagerConfig(s), { lineWidth: 0 });
exports.renderAlertmanagerYaml = renderAlertmanagerYaml;
function prometheusArgs(c) {
    return [
        "prometheus",
        `--config.file=${exports.CONFIG_DIR}/prometheus.yml`,
        `--storage.tsdb.path=${exports.PROMETHEUS_DATA_DIR}`,
        // Time and size bounds: the TSDB on the volume never outgrows what the lab needs.
        `--storage.tsdb.retention.time=${c.retention}`,
        `--storage.tsdb.retention.size=${c.retentionSizeMiB}MB`,
        `--web.listen-address=:${exports.PROMETHEUS_PORT}`,
        // Bounds on what one query may load: a careless range query cannot exhaust the memory limit.
        "--query.max-concurrency=4",
        "--query.max-samples=5000000",
        "--log.level=warn",
    ];
}
function alertmanagerArgs() {
    return [
        "prometheus-alertmanager",
        `--config.file=${exports.CONFIG_DIR}/alertmanager.yml`,
        "--storage.path=/var/lib/prometheus/alertmanager",
        `--web.listen-address=:${exports.ALERTMANAGER_PORT}`,
        // A single instance: without this it gossips and waits for peers before its first notification.
        "--cluster.listen-address=",
        "--data.retention=24h",
        "--log.level=warn",
    ];
}
function receiverArgs() {
    return ["pgchaos-alert-receiver", `--listen=0.0.0.0:${exports.RECEIVER_PORT}`, `--db=${exports.RECEIVER_DATA_DIR}/notifications.db`];
}
/** The value of PGCHAOS_FILES_B64 for `pgchaos-files-then`: file name → text, as base64 JSON. */
function filesEnvValue(files) {
    for (const name of Object.keys(files)) {
        if (!/^[a-z0-9][a-z0-9._-]{0,80}$/.test(name))
            throw new Error(`monitoring file name ${JSON.stringify(name)} is not a plain name`);
    }
    const value = Buffer.from(JSON.stringify(files)).toString("base64");
    // One argument of `docker run` (-e NAME=VALUE) must stay under Linux's 128 KiB per-argument limit.
    if (value.length > 100_000)
        throw new Error(`monitoring files are ${value.length} bytes as base64; keep them under 100000`);
    return value;
}
/** Go's soft memory limit at 80% of the container's: the GC works harder before the kernel OOM-kills. */
const goMemLimit = (containerMiB) => `${Math.floor(containerMiB * 0.8)}MiB`;
exports.goMemLimit = goMemLimit;
