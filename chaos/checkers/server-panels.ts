// The server-side panels: the PromQL range queries over a run window and what they returned.
/**
 * The server side of a run as Prometheus saw it: which PromQL range queries to run over the run window,
 * and what came back (journal field `serverSide`). Pure: the queries, the step, the summaries and the
 * gaps are computed here; chaos/experiments/server-fetch.ts does the HTTP, server-report.ts the report.
 *
 * Metric names are those of the lab's exporters: Patroni 3.0 REST /metrics, prometheus-postgres-exporter
 * 0.11, etcd 3.4, HAProxy 2.6's built-in exporter, and the members' own cgroup figures
 * (images/base/pgchaos-cgroup-metrics through the node exporter's textfile collector).
 */

export type PanelUnit = "bytes" | "bytes/s" | "cores" | "connections" | "per second" | "count" | "up";

export interface PanelQuery {
  id: string;
  title: string;
  /** Pasteable into Grafana or Prometheus' expression browser as it stands. */
  promql: string;
  unit: PanelUnit;
  /** Labels joined (in this order) into each series' name on the chart. */
  seriesLabels: string[];
  /** What an empty answer most likely means, for the report. */
  ifEmpty: string;
}

/** One series over the window; null: no sample at that step (a gap, never a zero). */
export interface PanelSeries {
  name: string;
  points: Array<[number, number | null]>;
}

export interface PanelResult extends PanelQuery {
  series: PanelSeries[];
  /** Why there is nothing to draw (query failed, or no series): set instead of inventing values. */
  missing?: string;
}

export interface ServerSideRecord {
  /** Prometheus base URL queried (127.0.0.1-published), or absent when the target has none. */
  prometheus?: string;
  /** Epoch ms of the window and the step, as sent to /api/v1/query_range. */
  start: number;
  end: number;
  stepSeconds: number;
  panels: PanelResult[];
  /** Set when no panel could be queried at all (no monitoring on this target, Prometheus down). */
  unavailable?: string;
}

/** A label matcher value for exact names: regex-escaped and joined with `|`. */
export function memberMatcher(members: string[]): string {
  const escaped = [...new Set(members)].sort().map((m) => m.replace(/[.*+?^${}()|[\]\\]/g, "\\\\$&"));
  return escaped.length === 0 ? ".+" : escaped.join("|");
}

/** Step of the range queries: about 300 points over the window, never finer than the scrape interval. */
export function stepSeconds(startMs: number, endMs: number, scrapeIntervalSeconds = 2): number {
  return Math.max(scrapeIntervalSeconds, Math.ceil((endMs - startMs) / 1000 / 300));
}

/** Rate windows cover at least four scrapes and two steps, so one missed scrape does not blank a point. */
export const rateWindow = (step: number, scrapeIntervalSeconds = 2) => `${Math.max(4 * scrapeIntervalSeconds, 2 * step)}s`;

/**
 * The panels of a run. `targets` are the members the faults hit (their CPU and IO are charted); when a
 * run has none (no fault injected) the CPU and IO panels show every member.
 */
export function serverPanelQueries(targets: string[], step: number, scrapeIntervalSeconds = 2): PanelQuery[] {
  const w = rateWindow(step, scrapeIntervalSeconds);
  const who = memberMatcher(targets);
  const targetText = targets.length ? [...new Set(targets)].sort().join(", ") : "every member";
  return [
    {
      id: "replication-lag",
      title: "Replication lag per replica, bytes (primary's WAL position − replica's replayed position)",
      // The primary and a replica are scraped up to one interval apart: a replica can look ahead of the
      // primary by that skew, which is no lag (clamped to 0, as the alert rule's threshold ignores it).
      promql: [
        `clamp_min(`,
        `  max by (scope) (patroni_xlog_location{job="patroni"} and on (instance) patroni_primary{job="patroni"} == 1)`,
        `  - on (scope) group_right ()`,
        `  (patroni_xlog_replayed_location{job="patroni"} and on (instance) patroni_replica{job="patroni"} == 1),`,
        `0)`,
      ].join("\n"),
      unit: "bytes", seriesLabels: ["member"],
      ifEmpty: "no moment with both a primary and a replica reporting to Prometheus (Patroni /metrics)",
    },
    {
      id: "target-cpu",
      title: `CPU of the target container (${targetText}), cores, from its own cgroup`,
      promql: `rate(pgchaos_container_cpu_seconds_total{job="node", member=~"${who}"}[${w}])`,
      unit: "cores", seriesLabels: ["member"],
      ifEmpty: "the members export no pgchaos_container_cpu_seconds_total (an image built before the cgroup exporter, or monitoring off)",
    },
    {
      id: "target-io",
      title: `IO of the target container (${targetText}), bytes/s read and written by its processes`,
      promql: `rate(pgchaos_container_io_bytes_total{job="node", member=~"${who}"}[${w}])`,
      unit: "bytes/s", seriesLabels: ["member", "direction"],
      ifEmpty: "the members export no pgchaos_container_io_bytes_total (an image built before the cgroup exporter, or monitoring off)",
    },
    {
      id: "pg-connections",
      title: "PostgreSQL connections per node (pg_stat_activity)",
      promql: `sum by (member) (pg_stat_activity_count{job="postgres"})`,
      unit: "connections", seriesLabels: ["member"],
      ifEmpty: "the postgres exporter answered no pg_stat_activity_count",
    },
    {
      id: "pg-tps",
      title: "PostgreSQL transactions per second per node (commits + rollbacks)",
      promql: `sum by (member) (rate(pg_stat_database_xact_commit{job="postgres"}[${w}]))\n+ sum by (member) (rate(pg_stat_database_xact_rollback{job="postgres"}[${w}]))`,
      unit: "per second", seriesLabels: ["member"],
      ifEmpty: "the postgres exporter answered no pg_stat_database_xact_commit",
    },
    {
      id: "etcd-leader-changes",
      title: `etcd leader changes seen per member (increase over ${w})`,
      promql: `increase(etcd_server_leader_changes_seen_total{job="etcd"}[${w}])`,
      unit: "count", seriesLabels: ["member"],
      ifEmpty: "no etcd member answered /metrics",
    },
    {
      id: "etcd-proposals-failed",
      title: `etcd proposals failed per member (increase over ${w})`,
      promql: `increase(etcd_server_proposals_failed_total{job="etcd"}[${w}])`,
      unit: "count", seriesLabels: ["member"],
      ifEmpty: "no etcd member answered /metrics",
    },
    {
      id: "haproxy-backends",
      title: "HAProxy backend servers UP or not, as HAProxy's checks saw them (backend `primary`: only the leader passes)",
      promql: `haproxy_server_status{job="haproxy", state="UP"}`,
      unit: "up", seriesLabels: ["proxy", "server"],
      ifEmpty: "HAProxy's exporter answered no haproxy_server_status",
    },
  ];
}

/** First evaluation time of the range queries, in whole seconds (what is sent as `start`). */
export const gridStart = (window: { start: number }) => Math.ceil(window.start / 1000);

/** Prometheus' query_range matrix → series with a point at every step; steps with no sample are null. */
export function toSeries(
  matrix: Array<{ metric: Record<string, string>; values: Array<[number, string]> }>,
  labels: string[],
  window: { start: number; end: number; stepSeconds: number },
): PanelSeries[] {
  const startS = gridStart(window);
  const steps = Math.floor((window.end / 1000 - startS) / window.stepSeconds) + 1;
  return matrix
    .map((m) => {
      const byT = new Map(m.values.map(([t, v]) => [Math.round(t), Number(v)]));
      const points = Array.from({ length: Math.max(0, steps) }, (_, i): [number, number | null] => {
        const t = startS + i * window.stepSeconds;
        const v = byT.get(t);
        return [t * 1000, v === undefined || !Number.isFinite(v) ? null : v];
      });
      const name = labels.map((l) => m.metric[l] ?? `(${l}?)`).join(" ");
      return { name, points };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

export interface SeriesSummary {
  name: string;
  samples: number;
  min: number | null;
  max: number | null;
  last: number | null;
  /** Runs of missing steps: [first missing, last missing] epoch ms. */
  gaps: Array<[number, number]>;
}

export function summarizeSeries(s: PanelSeries): SeriesSummary {
  const values = s.points.flatMap(([, v]) => (v === null ? [] : [v]));
  const gaps: Array<[number, number]> = [];
  s.points.forEach(([t, v], i) => {
    if (v !== null) return;
    if (i > 0 && s.points[i - 1][1] === null) gaps.at(-1)![1] = t;
    else gaps.push([t, t]);
  });
  return {
    name: s.name,
    samples: values.length,
    min: values.length ? Math.min(...values) : null,
    max: values.length ? Math.max(...values) : null,
    last: [...s.points].reverse().find(([, v]) => v !== null)?.[1] ?? null,
    gaps,
  };
}

/** Human figures in the panel's unit (the charts use the same). */
export function formatPanelValue(v: number | null, unit: PanelUnit): string {
  if (v === null) return "—";
  const si = (x: number, suffix: string) => {
    const abs = Math.abs(x);
    const [d, p] = abs >= 1 << 30 ? [1 << 30, "Gi"] : abs >= 1 << 20 ? [1 << 20, "Mi"] : abs >= 1 << 10 ? [1 << 10, "Ki"] : [1, ""];
    return `${(x / d).toFixed(d === 1 ? 0 : 1)} ${p}${suffix}`;
  };
  switch (unit) {
    case "bytes": return si(v, "B");
    case "bytes/s": return si(v, "B/s");
    case "cores": return v.toFixed(2);
    case "per second": return v.toFixed(1);
    case "up": return v >= 1 ? "up" : "down";
    default: return Number.isInteger(v) ? String(v) : v.toFixed(1);
  }
}
