// A campaign's alert data, read from the lab's monitoring over the run's whole time range (during or after the fact).
import * as fs from "fs";
import { z } from "zod";
import { receivedNotifications, type MatrixSeries, type Notification } from "../../components/monitoring/alerts";
import { getJson } from "../../components/lab/http";
import type { MonitoringSettings } from "../checkers/journal";
import { readMonitoringSettings } from "../experiments/monitoring-settings";

/**
 * What the alert checker reads: every firing ALERTS sample Prometheus kept over the run (raw samples of a
 * range selector, so each firing evaluation is exact), the notifications the lab's receiver stored, and the
 * settings that make each alert's bound. Both sides keep timestamps, so the read can happen at the end of
 * the run or hours later (within Prometheus' retention and the receiver's store) and gives the same figures.
 * Kept in the run directory (alerts.json), so a report can be rendered again without the lab.
 */

export interface AlertData {
  readAt: number;
  /** Whether the read happened after the run (a re-analysis) rather than at its end. */
  afterTheRun: boolean;
  prometheus: string;
  receiver: string;
  /** The range read (epoch ms). */
  from: number;
  to: number;
  settings?: MonitoringSettings;
  settingsError?: string;
  series: MatrixSeries[];
  notifications: Notification[];
}

/** Why no alert data: monitoring off for the target, or unreachable. The check then did not run. */
export interface AlertDataUnavailable {
  unavailable: string;
  readAt: number;
}

export type AlertDataRead = AlertData | AlertDataUnavailable;

export const isUnavailable = (d: AlertDataRead): d is AlertDataUnavailable => "unavailable" in d;

const matrixAnswer = z.object({
  status: z.literal("success"),
  data: z.object({ resultType: z.literal("matrix"), result: z.array(z.object({ metric: z.record(z.string(), z.string()), values: z.array(z.tuple([z.number(), z.string()])) })) }),
});

/** One query per hour of the run: each answer stays a few MB even for a long campaign with many alerts. */
const CHUNK_SECONDS = 3600;

/** Every firing ALERTS sample in [fromMs, toMs], read an hour at a time (instant queries of a range selector). */
export async function firingAlertSamples(prometheusUrl: string, fromMs: number, toMs: number, fetchImpl: typeof fetch = fetch): Promise<MatrixSeries[]> {
  const bySeries = new Map<string, MatrixSeries>();
  for (let end = toMs; end > fromMs; end -= CHUNK_SECONDS * 1000) {
    const span = Math.max(1, Math.ceil((end - Math.max(fromMs, end - CHUNK_SECONDS * 1000)) / 1000));
    const q = `ALERTS{alertstate="firing"}[${span}s]`;
    const body = matrixAnswer.parse(await getJson(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(q)}&time=${(end / 1000).toFixed(3)}`, {}, 30_000, fetchImpl));
    for (const s of body.data.result) {
      const key = JSON.stringify(Object.entries(s.metric).sort());
      const into = bySeries.get(key) ?? { metric: s.metric, values: [] };
      into.values.push(...s.values);
      bySeries.set(key, into);
    }
  }
  // Chunks overlap by at most their shared edge sample: keep each timestamp once, in order.
  for (const s of bySeries.values()) s.values = [...new Map(s.values.map((v) => [v[0], v])).values()].sort((a, b) => a[0] - b[0]);
  return [...bySeries.values()];
}

/** The receiver answers at most this many notifications per request (oldest first): page on by receive time. */
const RECEIVER_PAGE = 10_000;

/** Every notification the receiver stored in [from, to], paged (a long campaign can exceed one answer). */
export async function storedNotifications(receiverUrl: string, range: { from: number; to: number }, fetchImpl: typeof fetch = fetch): Promise<Notification[]> {
  const byId = new Map<number, Notification>();
  for (let since = range.from; ;) {
    const page = await receivedNotifications(receiverUrl, since, fetchImpl);
    page.forEach((n) => byId.set(n.id, n));
    const last = page.at(-1)?.receivedAtMs;
    if (page.length < RECEIVER_PAGE || last === undefined || last <= since || last > range.to) break;
    since = last;
  }
  return [...byId.values()].filter((n) => n.receivedAtMs <= range.to).sort((a, b) => a.receivedAtMs - b.receivedAtMs || a.id - b.id);
}

export interface MonitoringEndpoints {
  prometheus: string;
  alertmanager: string;
  receiver: string;
}

/** Reads the run's alert data from the lab's monitoring; never throws: a failure is the reason the check did not run. */
export async function readAlertData(monitoring: MonitoringEndpoints | undefined, range: { from: number; to: number }, afterTheRun: boolean): Promise<AlertDataRead> {
  const readAt = Date.now();
  if (!monitoring) return { unavailable: "the target has no monitoring (pgchaos:monitoring.enabled is false, or an inventory without Prometheus)", readAt };
  let settings: MonitoringSettings | undefined;
  let settingsError: string | undefined;
  try {
    settings = await readMonitoringSettings(monitoring.prometheus, monitoring.alertmanager);
  } catch (e) {
    settingsError = (e as Error).message;
  }
  let series: MatrixSeries[];
  try {
    series = await firingAlertSamples(monitoring.prometheus, range.from, range.to);
  } catch (e) {
    return { unavailable: `Prometheus at ${monitoring.prometheus} unreachable or refused the ALERTS query: ${(e as Error).message}`, readAt };
  }
  try {
    const notifications = await storedNotifications(monitoring.receiver, range);
    return { readAt, afterTheRun, prometheus: monitoring.prometheus, receiver: monitoring.receiver, from: range.from, to: range.to, settings, settingsError, series, notifications };
  } catch (e) {
    return { unavailable: `the alert receiver at ${monitoring.receiver} unreachable: ${(e as Error).message}`, readAt };
  }
}

/** The alert data kept in a run directory (alerts.json), or undefined when there is none. */
export function loadAlertData(file: string): AlertDataRead | undefined {
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")) as AlertDataRead) : undefined;
}
