// The monitoring settings in effect, read from Prometheus and Alertmanager themselves.
import { parse } from "yaml";
import { z } from "zod";
import { getJson } from "../../components/lab/http";
import type { MonitoringSettings } from "../checkers/journal";

/**
 * The monitoring settings in effect, read from Prometheus and Alertmanager themselves (not from our own
 * config, which a user's monitoring need not share): scrape and evaluation intervals, each alerting rule's
 * `for`, and Alertmanager's group_wait. They make every alert's bound (see alert-timing.ts).
 */

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, y: 31_536_000_000 };

/** A Prometheus duration ("15s", "1m30s", "500ms") in seconds. */
export function promDurationSeconds(text: string): number {
  const parts = [...text.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("") !== text.trim()) throw new Error(`not a Prometheus duration: ${JSON.stringify(text)}`);
  return parts.reduce((sum, p) => sum + Number(p[1]) * UNIT_MS[p[2]], 0) / 1000;
}

const prometheusConfig = z.object({
  global: z.object({ scrape_interval: z.string().default("1m"), evaluation_interval: z.string().default("1m") }).partial().default({}),
}).passthrough();

const rulesResponse = z.object({
  data: z.object({ groups: z.array(z.object({ rules: z.array(z.object({ type: z.string(), name: z.string(), duration: z.number().optional(), query: z.string().optional() }).passthrough()) }).passthrough()) }),
});

/**
 * How long a rule's expression averages before its condition can hold: the longest range inside rate() or
 * avg_over_time() (a saturation must fill most of the window). changes(), increase() and irate() react to one
 * new sample, so they add nothing.
 */
export function averagingWindowSeconds(query: string): number {
  const windows = [...query.matchAll(/\b(?:rate|avg_over_time)\s*\(([^()]|\([^()]*\))*?\[(\d+(?:ms|s|m|h|d|w|y))+\]/g)]
    .map((m) => promDurationSeconds(/\[([^\]]+)\]$/.exec(m[0])![1]));
  return windows.length ? Math.max(...windows) : 0;
}

const alertmanagerConfig = z.object({ route: z.object({ group_wait: z.string().optional() }).passthrough().optional() }).passthrough();

/** Pure: the settings from the three API answers (Prometheus config YAML, its rules, Alertmanager's config YAML). */
export function monitoringSettingsFrom(prometheusYaml: string, rules: unknown, alertmanagerYaml: string): MonitoringSettings {
  const prom = prometheusConfig.parse(parse(prometheusYaml) ?? {});
  const am = alertmanagerConfig.parse(parse(alertmanagerYaml) ?? {});
  const alertFor: Record<string, number> = {};
  const alertWindow: Record<string, number> = {};
  for (const g of rulesResponse.parse(rules).data.groups) {
    for (const r of g.rules) {
      if (r.type !== "alerting") continue;
      alertFor[r.name] = r.duration ?? 0;
      const w = averagingWindowSeconds(r.query ?? "");
      if (w > 0) alertWindow[r.name] = Math.max(alertWindow[r.name] ?? 0, w);
    }
  }
  return {
    scrapeIntervalSeconds: promDurationSeconds(prom.global.scrape_interval ?? "1m"),
    evaluationIntervalSeconds: promDurationSeconds(prom.global.evaluation_interval ?? "1m"),
    // Alertmanager's default group_wait is 30s.
    groupWaitSeconds: promDurationSeconds(am.route?.group_wait ?? "30s"),
    alertFor,
    alertWindow,
  };
}

/** Reads the settings from a running Prometheus and Alertmanager. */
export async function readMonitoringSettings(prometheusUrl: string, alertmanagerUrl: string): Promise<MonitoringSettings> {
  const config = z.object({ data: z.object({ yaml: z.string() }) }).parse(await getJson(`${prometheusUrl}/api/v1/status/config`, {}, 5000));
  const rules = await getJson(`${prometheusUrl}/api/v1/rules?type=alert`, {}, 5000);
  const status = z.object({ config: z.object({ original: z.string() }) }).parse(await getJson(`${alertmanagerUrl}/api/v2/status`, {}, 5000));
  return monitoringSettingsFrom(config.data.yaml, rules, status.config.original);
}
