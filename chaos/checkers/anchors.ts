// When the fault went in and when it was gone, and when alerts fired relative to it.
import type { Journal } from "./journal";

const seconds = (ms: number) => ms / 1000;

// ---------------------------------------------------------------------------------------------------
// Anchors: when the fault went in and when it was gone.

export interface FaultWindow {
  fault: string;
  /** Injection: the fault's own stamp (earliest target) when present, else the controller's start of the action. */
  start: number;
  /** End of the recover action (the fault is certainly gone), null when never recovered. */
  end: number | null;
}

export interface Anchors {
  /** The injection instant every relative time is measured from; null when nothing was injected. */
  injectionAt: number | null;
  injectionHow: string;
  /** Controller start of the first inject action: failures before it cannot be the fault's. */
  injectActionStartAt: number | null;
  /** End of the last recover action, null when some fault was never recovered. */
  recoveryEndAt: number | null;
  windows: FaultWindow[];
}

export function faultAnchors(journal: Journal): Anchors {
  const events = [...journal.faults].sort((a, b) => a.startedAt - b.startedAt);
  const windows: FaultWindow[] = [];
  for (const e of events) {
    if (e.action === "inject") {
      const stamped = e.injectedAt && e.injectedAt.length > 0 ? Math.min(...e.injectedAt) : undefined;
      windows.push({ fault: e.fault, start: stamped ?? e.startedAt, end: null });
    } else {
      const open = windows.find((w) => w.fault === e.fault && w.end === null);
      if (open) open.end = e.endedAt;
    }
  }
  const injects = events.filter((e) => e.action === "inject");
  if (windows.length === 0) {
    return { injectionAt: null, injectionHow: "no fault was injected", injectActionStartAt: null, recoveryEndAt: null, windows };
  }
  const first = windows.reduce((a, b) => (b.start < a.start ? b : a));
  const stamped = injects.some((e) => e.injectedAt && e.injectedAt.length > 0);
  const ends = windows.map((w) => w.end);
  return {
    injectionAt: first.start,
    injectionHow: stamped ? "the fault's own stamp, earliest target" : "the controller's start of the inject action, no stamp",
    injectActionStartAt: injects[0].startedAt,
    recoveryEndAt: ends.every((e): e is number => e !== null) ? Math.max(...ends) : null,
    windows,
  };
}

// ---------------------------------------------------------------------------------------------------
// Alerts.

export interface AlertTiming {
  alert: string;
  labels: Record<string, string>;
  firedAt?: number;
  receivedAt?: number;
  /** Relative to the injection, seconds. */
  firedAfterSeconds: number | null;
  receivedAfterSeconds: number | null;
  /** Receiver time minus firing time: the notification pipeline's own delay. */
  deliveryDelaySeconds: number | null;
}

export function alertTimings(journal: Journal, anchors: Anchors): AlertTiming[] {
  const rel = (t: number | undefined) => (t !== undefined && anchors.injectionAt !== null ? seconds(t - anchors.injectionAt) : null);
  return journal.alerts.map((a) => ({
    alert: a.alert,
    labels: a.labels,
    firedAt: a.firedAt,
    receivedAt: a.receivedAt,
    firedAfterSeconds: rel(a.firedAt),
    receivedAfterSeconds: rel(a.receivedAt),
    deliveryDelaySeconds: a.firedAt !== undefined && a.receivedAt !== undefined ? seconds(a.receivedAt - a.firedAt) : null,
  }));
}
