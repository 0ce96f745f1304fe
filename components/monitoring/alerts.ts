// When each expected alert fired in Prometheus and reached the receiver, read through their HTTP APIs.
/**
 * What the experiment runner asks of monitoring after it injected a fault: when did each expected alert
 * fire in Prometheus, when did its notification reach the lab's receiver, and how long after the
 * injection was each. Prometheus is read through its HTTP API (the raw samples of ALERTS, so the firing
 * time is the exact evaluation that fired), the receiver through its JSON API.
 */
import { getJson } from "../lab/http";

export interface ExpectedAlert {
  alertname: string;
  /** Labels the alert must carry (a subset), e.g. `{ member: "etcd2" }`. */
  labels?: Record<string, string>;
}

export interface AlertTiming {
  alertname: string;
  /** The expectation's labels. */
  expectedLabels: Record<string, string>;
  /** Labels of the alert that matched (from Prometheus, else from the notification). */
  labels?: Record<string, string>;
  /** First evaluation at which the alert was firing after the injection (a new firing episode). */
  firedAt?: string;
  /** The alert was already firing when the fault was injected: firedAt is that episode's start. */
  alreadyFiring?: boolean;
  /** When the first firing notification for it was received by the receiver. */
  receivedAt?: string;
  /** startsAt as Alertmanager sent it. */
  startsAt?: string;
  firingDelaySeconds?: number;
  deliveryDelaySeconds?: number;
}

export interface Notification {
  id: number;
  alertname: string;
  status: "firing" | "resolved";
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string | null;
  startsAtMs: number | null;
  endsAt: string | null;
  receivedAt: string;
  receivedAtMs: number;
}

/** One series of a Prometheus matrix: labels and raw [seconds, "value"] samples. */
export interface MatrixSeries {
  metric: Record<string, string>;
  values: Array<[number, string]>;
}

const ALERT_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const normalize = (e: string | ExpectedAlert): ExpectedAlert => (typeof e === "string" ? { alertname: e } : e);

export const matches = (labels: Record<string, string>, expected: ExpectedAlert): boolean =>
  labels.alertname === expected.alertname && Object.entries(expected.labels ?? {}).every(([k, v]) => labels[k] === v);

/** A PromQL selector of the firing ALERTS series of an expectation; names validated, values quoted. */
export function alertsSelector(e: ExpectedAlert): string {
  if (!ALERT_NAME.test(e.alertname)) throw new Error(`not an alert name: ${JSON.stringify(e.alertname)}`);
  const matchers = [`alertname=${JSON.stringify(e.alertname)}`, `alertstate="firing"`];
  for (const [k, v] of Object.entries(e.labels ?? {})) {
    if (!LABEL_NAME.test(k) || k === "alertname" || k === "alertstate") throw new Error(`not a usable label name: ${JSON.stringify(k)}`);
    matchers.push(`${k}=${JSON.stringify(v)}`);
  }
  return `ALERTS{${matchers.join(",")}}`;
}

/**
 * The first firing episode that covers or follows the injection, from raw ALERTS samples. Samples more
 * than `maxGapSeconds` apart belong to different episodes (the alert resolved in between).
 */
export function firstFiring(series: MatrixSeries[], injectedAtMs: number, maxGapSeconds: number): { firedAtMs: number; alreadyFiring: boolean; labels: Record<string, string> } | undefined {
  let best: { firedAtMs: number; alreadyFiring: boolean; labels: Record<string, string> } | undefined;
  for (const s of series) {
    const times = s.values.map(([t]) => t * 1000).sort((a, b) => a - b);
    let episodeStart: number | undefined;
    for (let i = 0; i < times.length; i++) {
      if (i === 0 || times[i] - times[i - 1] > maxGapSeconds * 1000) episodeStart = times[i];
      if (times[i] >= injectedAtMs) {
        const start = episodeStart!;
        const candidate = { firedAtMs: start, alreadyFiring: start < injectedAtMs, labels: s.metric };
        // Prefer a new episode after the injection; among equals, the earliest.
        if (!best || (best.alreadyFiring && !candidate.alreadyFiring) || (best.alreadyFiring === candidate.alreadyFiring && candidate.firedAtMs < best.firedAtMs)) best = candidate;
        break;
      }
    }
  }
  return best;
}

/** The first notification with the given status for an expectation, received at or after `sinceMs`. */
export function firstNotification(notifications: Notification[], expected: ExpectedAlert, status: "firing" | "resolved", sinceMs: number): Notification | undefined {
  return notifications
    .filter((n) => n.status === status && n.receivedAtMs >= sinceMs && matches({ ...n.labels, alertname: n.alertname }, expected))
    .sort((a, b) => a.receivedAtMs - b.receivedAtMs)[0];
}

const seconds = (fromMs: number, toMs: number) => Math.round((toMs - fromMs) / 10) / 100;
const iso = (ms: number) => new Date(ms).toISOString();

const getJsonWith = <T>(url: string, fetchImpl: typeof fetch): Promise<T> => getJson<T>(url, {}, 5000, fetchImpl);

/** Raw firing samples of ALERTS for an expectation from `sinceMs` to now (instant query of a range). */
export async function firingSamples(prometheusUrl: string, e: ExpectedAlert, sinceMs: number, fetchImpl: typeof fetch = fetch): Promise<MatrixSeries[]> {
  const now = Date.now();
  const windowSeconds = Math.max(1, Math.ceil((now - sinceMs) / 1000));
  const q = `${alertsSelector(e)}[${windowSeconds}s]`;
  const body = await getJsonWith<{ status: string; data: { resultType: string; result: MatrixSeries[] } }>(
    `${prometheusUrl}/api/v1/query?query=${encodeURIComponent(q)}&time=${(now / 1000).toFixed(3)}`,
    fetchImpl,
  );
  if (body.status !== "success" || body.data.resultType !== "matrix") throw new Error(`unexpected answer to ${q}: ${JSON.stringify(body).slice(0, 300)}`);
  return body.data.result;
}

export async function receivedNotifications(receiverUrl: string, sinceMs: number, fetchImpl: typeof fetch = fetch): Promise<Notification[]> {
  const body = await getJsonWith<{ notifications: Notification[] }>(`${receiverUrl}/notifications?since_ms=${Math.floor(sinceMs)}`, fetchImpl);
  return body.notifications;
}

export interface AlertDelayOptions {
  prometheusUrl: string;
  receiverUrl: string;
  /** When the fault was injected. */
  injectedAt: Date;
  expected: Array<string | ExpectedAlert>;
  /** How long to wait for every alert to fire and be delivered (default 120 s); 0 looks once. */
  timeoutSeconds?: number;
  pollSeconds?: number;
  /** Samples of ALERTS further apart are separate episodes (default 3 × 2 s evaluation interval). */
  maxGapSeconds?: number;
  /** Look this far before the injection to tell an alert already firing from a new one (default 120 s). */
  lookBehindSeconds?: number;
  fetch?: typeof fetch;
}

/**
 * For each expected alert: when it fired in Prometheus and when its firing notification was received,
 * with both delays from the injection. Waits until every alert has both or the timeout passes; alerts
 * that never fired or were never delivered come back with those fields unset.
 */
export async function alertDelays(o: AlertDelayOptions): Promise<AlertTiming[]> {
  const expected = o.expected.map(normalize);
  const injectedMs = o.injectedAt.getTime();
  const fetchImpl = o.fetch ?? fetch;
  const deadline = Date.now() + (o.timeoutSeconds ?? 120) * 1000;
  const maxGap = o.maxGapSeconds ?? 6;
  const since = injectedMs - (o.lookBehindSeconds ?? 120) * 1000;
  const results: AlertTiming[] = expected.map((e) => ({ alertname: e.alertname, expectedLabels: e.labels ?? {} }));
  for (;;) {
    const notifications = await receivedNotifications(o.receiverUrl, injectedMs, fetchImpl);
    for (const [i, e] of expected.entries()) {
      const r = results[i];
      if (!r.firedAt) {
        const fired = firstFiring(await firingSamples(o.prometheusUrl, e, since, fetchImpl), injectedMs, maxGap);
        if (fired) Object.assign(r, { firedAt: iso(fired.firedAtMs), alreadyFiring: fired.alreadyFiring, labels: fired.labels, firingDelaySeconds: seconds(injectedMs, fired.firedAtMs) });
      }
      if (!r.receivedAt) {
        const n = firstNotification(notifications, e, "firing", injectedMs);
        if (n) {
          Object.assign(r, { receivedAt: n.receivedAt, startsAt: n.startsAt ?? undefined, deliveryDelaySeconds: seconds(injectedMs, n.receivedAtMs) });
          r.labels ??= { ...n.labels, alertname: n.alertname };
        }
      }
    }
    if (results.every((r) => r.firedAt && r.receivedAt) || Date.now() >= deadline) return results;
    await new Promise((res) => setTimeout(res, (o.pollSeconds ?? 1) * 1000));
  }
}

export interface ResolvedTiming {
  alertname: string;
  expectedLabels: Record<string, string>;
  receivedAt?: string;
  delaySeconds?: number;
}

/** For each expected alert, the first resolved notification received after `since` (waits up to the timeout). */
export async function resolvedDelays(o: { receiverUrl: string; since: Date; expected: Array<string | ExpectedAlert>; timeoutSeconds?: number; pollSeconds?: number; fetch?: typeof fetch }): Promise<ResolvedTiming[]> {
  const expected = o.expected.map(normalize);
  const sinceMs = o.since.getTime();
  const deadline = Date.now() + (o.timeoutSeconds ?? 180) * 1000;
  for (;;) {
    const notifications = await receivedNotifications(o.receiverUrl, sinceMs, o.fetch ?? fetch);
    const results = expected.map((e): ResolvedTiming => {
      const n = firstNotification(notifications, e, "resolved", sinceMs);
      return { alertname: e.alertname, expectedLabels: e.labels ?? {}, receivedAt: n?.receivedAt, delaySeconds: n ? seconds(sinceMs, n.receivedAtMs) : undefined };
    });
    if (results.every((r) => r.receivedAt) || Date.now() >= deadline) return results;
    await new Promise((res) => setTimeout(res, (o.pollSeconds ?? 1) * 1000));
  }
}

/** Prometheus' view of its scrape targets: job, member and health of each. */
export async function scrapeTargets(prometheusUrl: string, fetchImpl: typeof fetch = fetch): Promise<Array<{ job: string; member: string; instance: string; health: string; lastError: string }>> {
  const body = await getJsonWith<{ data: { activeTargets: Array<{ labels: Record<string, string>; health: string; lastError: string }> } }>(`${prometheusUrl}/api/v1/targets?state=active`, fetchImpl);
  return body.data.activeTargets.map((t) => ({ job: t.labels.job, member: t.labels.member, instance: t.labels.instance, health: t.health, lastError: t.lastError }));
}
