// Pure generators of Prometheus' and Alertmanager's configuration and command lines.
import { stringify } from "yaml";
import type { MonitoringConfig } from "../../stacks/config";

/**
 * Pure generators of the monitoring configuration: Prometheus' scrape jobs and settings, Alertmanager's
 * routing, and the command lines of both. No I/O here (snapshot-tested in test/unit).
 */

export const PROMETHEUS_PORT = 9090;
export const ALERTMANAGER_PORT = 9093;
export const RECEIVER_PORT = 8080;
export const NODE_EXPORTER_PORT = 9100;
export const POSTGRES_EXPORTER_PORT = 9187;
export const ETCD_METRICS_PORT = 2379;
export const PATRONI_METRICS_PORT = 8008;
export const HAPROXY_METRICS_PORT = 8404;

/** Hostnames (network aliases) of the monitoring containers on the lab network. */
export const MONITORING_HOSTS = { prometheus: "prometheus", alertmanager: "alertmanager", receiver: "alert-receiver" } as const;

/** Where the monitoring image's `pgchaos-files-then` writes the files passed to a container. */
export const CONFIG_DIR = "/etc/pgchaos";
export const PROMETHEUS_DATA_DIR = "/var/lib/prometheus/metrics2";
export const RECEIVER_DATA_DIR = "/var/lib/pgchaos-receiver";
export const RULE_FILE_PATTERN = /^[a-z0-9][a-z0-9._-]*\.rules\.ya?ml$/;

/** A scrape that returns more samples than this fails (target down) instead of filling memory. */
export const SAMPLE_LIMIT = 5000;

export interface LabMembers {
  etcd: string[];
  patroni: string[];
  haproxy: string[];
}

export interface ScrapeTarget {
  address: string;
  member: string;
  role: string;
}

export interface ScrapeJob {
  job: string;
  metricsPath: string;
  targets: ScrapeTarget[];
}

/** Every scrape job of the lab: each member's own metrics, node exporters, and the monitoring itself. */
export function scrapeJobs(m: LabMembers): ScrapeJob[] {
  const t = (member: string, role: string, port: number): ScrapeTarget => ({ address: `${member}:${port}`, member, role });
  const all = [...m.etcd.map((n) => [n, "etcd"]), ...m.patroni.map((n) => [n, "patroni"]), ...m.haproxy.map((n) => [n, "haproxy"])];
  return [
    { job: "etcd", metricsPath: "/metrics", targets: m.etcd.map((n) => t(n, "etcd", ETCD_METRICS_PORT)) },
    { job: "patroni", metricsPath: "/metrics", targets: m.patroni.map((n) => t(n, "patroni", PATRONI_METRICS_PORT)) },
    { job: "postgres", metricsPath: "/metrics", targets: m.patroni.map((n) => t(n, "patroni", POSTGRES_EXPORTER_PORT)) },
    { job: "haproxy", metricsPath: "/metrics", targets: m.haproxy.map((n) => t(n, "haproxy", HAPROXY_METRICS_PORT)) },
    { job: "node", metricsPath: "/metrics", targets: all.map(([n, role]) => t(n, role, NODE_EXPORTER_PORT)) },
    { job: "prometheus", metricsPath: "/metrics", targets: [{ address: `localhost:${PROMETHEUS_PORT}`, member: MONITORING_HOSTS.prometheus, role: "monitoring" }] },
    { job: "alertmanager", metricsPath: "/metrics", targets: [t(MONITORING_HOSTS.alertmanager, "monitoring", ALERTMANAGER_PORT)] },
  ].filter((j) => j.targets.length > 0);
}

export interface PrometheusSettings {
  /** Attached to every alert sent to Alertmanager: which lab it came from. */
  lab: string;
  scrapeIntervalSeconds: number;
  evaluationIntervalSeconds: number;
  members: LabMembers;
}

/** A timeout may not exceed the interval; a stopped member fails fast anyway (its name stops resolving). */
export const scrapeTimeoutSeconds = (scrapeIntervalSeconds: number): number => Math.min(scrapeIntervalSeconds, 10);

export function prometheusConfig(s: PrometheusSettings): Record<string, unknown> {
  return {
    global: {
      scrape_interval: `${s.scrapeIntervalSeconds}s`,
      scrape_timeout: `${scrapeTimeoutSeconds(s.scrapeIntervalSeconds)}s`,
      evaluation_interval: `${s.evaluationIntervalSeconds}s`,
      external_labels: { lab: s.lab },
    },
    rule_files: [`${CONFIG_DIR}/*.rules.yml`],
    alerting: {
      alertmanagers: [{ static_configs: [{ targets: [`${MONITORING_HOSTS.alertmanager}:${ALERTMANAGER_PORT}`] }] }],
    },
    scrape_configs: scrapeJobs(s.members).map((j) => ({
      job_name: j.job,
      metrics_path: j.metricsPath,
      sample_limit: SAMPLE_LIMIT,
      static_configs: j.targets.map((t) => ({ targets: [t.address], labels: { member: t.member, role: t.role } })),
    })),
  };
}

export const renderPrometheusYaml = (s: PrometheusSettings): string => stringify(prometheusConfig(s), { lineWidth: 0 });

export type AlertmanagerSettings = MonitoringConfig["alertmanager"];

export const RECEIVER_WEBHOOK_URL = `http://${MONITORING_HOSTS.receiver}:${RECEIVER_PORT}/alerts`;

/** One route: every alert goes to the lab's receiver, resolved notifications included. */
export function alertmanagerConfig(s: AlertmanagerSettings): Record<string, unknown> {
  return {
    route: {
      receiver: "pgchaos-receiver",
      group_by: s.groupBy,
      group_wait: s.groupWait,
      group_interval: s.groupInterval,
      repeat_interval: s.repeatInterval,
    },
    receivers: [{ name: "pgchaos-receiver", webhook_configs: [{ url: RECEIVER_WEBHOOK_URL, send_resolved: true, max_alerts: 0 }] }],
  };
}

export const renderAlertmanagerYaml = (s: AlertmanagerSettings): string => stringify(alertmanagerConfig(s), { lineWidth: 0 });

export function prometheusArgs(c: Pick<MonitoringConfig, "retention" | "retentionSizeMiB">): string[] {
  return [
    "prometheus",
    `--config.file=${CONFIG_DIR}/prometheus.yml`,
    `--storage.tsdb.path=${PROMETHEUS_DATA_DIR}`,
    // Time and size bounds: the TSDB on the volume never outgrows what the lab needs.
    `--storage.tsdb.retention.time=${c.retention}`,
    `--storage.tsdb.retention.size=${c.retentionSizeMiB}MB`,
    `--web.listen-address=:${PROMETHEUS_PORT}`,
    // Bounds on what one query may load: a careless range query cannot exhaust the memory limit.
    "--query.max-concurrency=4",
    "--query.max-samples=5000000",
    "--log.level=warn",
  ];
}

export function alertmanagerArgs(): string[] {
  return [
    "prometheus-alertmanager",
    `--config.file=${CONFIG_DIR}/alertmanager.yml`,
    "--storage.path=/var/lib/prometheus/alertmanager",
    `--web.listen-address=:${ALERTMANAGER_PORT}`,
    // A single instance: without this it gossips and waits for peers before its first notification.
    "--cluster.listen-address=",
    "--data.retention=24h",
    "--log.level=warn",
  ];
}

export function receiverArgs(): string[] {
  return ["pgchaos-alert-receiver", `--listen=0.0.0.0:${RECEIVER_PORT}`, `--db=${RECEIVER_DATA_DIR}/notifications.db`];
}

/** The value of PGCHAOS_FILES_B64 for `pgchaos-files-then`: file name → text, as base64 JSON. */
export function filesEnvValue(files: Record<string, string>): string {
  for (const name of Object.keys(files)) {
    if (!/^[a-z0-9][a-z0-9._-]{0,80}$/.test(name)) throw new Error(`monitoring file name ${JSON.stringify(name)} is not a plain name`);
  }
  const value = Buffer.from(JSON.stringify(files)).toString("base64");
  // One argument of `docker run` (-e NAME=VALUE) must stay under Linux's 128 KiB per-argument limit.
  if (value.length > 100_000) throw new Error(`monitoring files are ${value.length} bytes as base64; keep them under 100000`);
  return value;
}

/** Go's soft memory limit at 80% of the container's: the GC works harder before the kernel OOM-kills. */
export const goMemLimit = (containerMiB: number): string => `${Math.floor(containerMiB * 0.8)}MiB`;
