// The report's charts as SVG: Vega-Lite specs from the journal, rendered headless.
import type { TopLevelSpec } from "vega-lite/build/index";
import type { Journal } from "../checkers/journal";
import { faultAnchors } from "../checkers/metrics";
import { classifyResync, slotNameOf } from "../checkers/resync";

/**
 * The report's charts as SVG: Vega-Lite specs built from the journal, compiled to Vega and rendered
 * headless (View.toSVG, no canvas needed). Time runs in seconds relative to the injection; every chart
 * shades the fault windows (injection → end of recovery).
 *
 * vega 6 and vega-lite 6 are ESM-only and vega's node build has a top-level await (optional `canvas`),
 * so require() cannot load them: they are loaded with a dynamic import(), which tsx and vitest keep as
 * a real import. (Code compiled by tsc to CommonJS would turn it into require() and fail.)
 */

export type ChartKind = "write-latency" | "error-rate" | "replication-lag" | "resync";

export interface ChartSpec {
  kind: ChartKind;
  title: string;
  spec: TopLevelSpec;
}

export interface ChartSvg {
  kind: ChartKind;
  title: string;
  /** Where the report expects the file, next to the report's markdown. */
  fileName: string;
  svg: string;
}

type VegaLite = typeof import("vega-lite/build/index");

const WIDTH = 720;
const HEIGHT = 220;
const FAULT_COLOR = "#d62728";

export interface TimeFrame {
  /** Epoch ms that is "0 s" on the charts. */
  zero: number;
  zeroLabel: string;
  domain: [number, number];
  windows: { fault: string; start: number; end: number }[];
}

export function timeFrame(journal: Journal): TimeFrame {
  const anchors = faultAnchors(journal);
  const zero = anchors.injectionAt ?? journal.startedAt;
  const rel = (t: number) => (t - zero) / 1000;
  return {
    zero,
    zeroLabel: anchors.injectionAt === null ? "seconds since the start of the run" : "seconds since the injection",
    domain: [rel(journal.startedAt), rel(journal.endedAt)],
    windows: anchors.windows.map((w) => ({ fault: w.fault, start: rel(w.start), end: rel(w.end ?? journal.endedAt) })),
  };
}

/** The shaded fault windows, a layer every chart starts with. */
export function faultLayer(frame: TimeFrame) {
  return {
    data: { values: frame.windows },
    mark: { type: "rect" as const, color: FAULT_COLOR, opacity: 0.12 },
    encoding: {
      x: { field: "start", type: "quantitative" as const, scale: { domain: frame.domain }, title: frame.zeroLabel },
      x2: { field: "end" },
      tooltip: [{ field: "fault", type: "nominal" as const }],
    },
  };
}

export const base = (title: string) => ({
  $schema: "https://vega.github.io/schema/vega-lite/v6.json",
  width: WIDTH,
  height: HEIGHT,
  background: "white",
  title: { text: title, subtitle: "shaded: fault window (injection → end of recovery)" },
});

/** A chart over the run's time axis: the fault window shaded, one data layer over it. */
function overFaultWindow(kind: ChartKind, title: string, frame: TimeFrame, layer: Record<string, unknown>): ChartSpec {
  return { kind, title, spec: { ...base(title), layer: [faultLayer(frame), layer] } as TopLevelSpec };
}

/** Bucket width for latency aggregation: at most ~300 buckets over the run, never under 100 ms. */
function latencyBucketSeconds(frame: TimeFrame): number {
  const span = frame.domain[1] - frame.domain[0];
  return Math.max(0.1, Math.ceil((span / 300) * 10) / 10);
}

export function writeLatencySpec(journal: Journal): ChartSpec {
  const frame = timeFrame(journal);
  const step = latencyBucketSeconds(frame);
  const values = journal.writes.flatMap((w) => (w.ackAt !== undefined ? [{ t: (w.sentAt - frame.zero) / 1000, latencyMs: w.ackAt - w.sentAt }] : []));
  const title = "Write latency (acknowledged writes)";
  return overFaultWindow("write-latency", title, frame, {
    data: { values },
    transform: [
      { bin: { step }, field: "t", as: ["t0", "t1"] },
      { aggregate: [{ op: "median", field: "latencyMs", as: "median" }, { op: "max", field: "latencyMs", as: "max" }], groupby: ["t0"] },
      { fold: ["median", "max"], as: ["statistic", "ms"] },
    ],
    mark: { type: "point", filled: true, size: 14 },
    encoding: {
      x: { field: "t0", type: "quantitative" },
      y: { field: "ms", type: "quantitative", scale: { type: "symlog" }, title: `latency, ms (per ${step} s, by send time)` },
      color: { field: "statistic", type: "nominal", title: null },
    },
  });
}

export function errorRateSpec(journal: Journal): ChartSpec {
  const frame = timeFrame(journal);
  const rel = (t: number) => (t - frame.zero) / 1000;
  const values = [
    ...journal.writes.filter((w) => w.error).map((w) => ({ t: rel(w.sentAt), kind: `write: ${w.error}` })),
    ...journal.reads.filter((r) => !r.ok).map((r) => ({ t: rel(r.sentAt), kind: `read: ${r.error ?? "other"}` })),
  ];
  const title = "Failed operations per second";
  return overFaultWindow("error-rate", title, frame, {
    data: { values },
    transform: [
      { bin: { step: 1 }, field: "t", as: ["t0", "t1"] },
      { aggregate: [{ op: "count", as: "failed" }], groupby: ["t0", "t1", "kind"] },
    ],
    mark: { type: "bar" },
    encoding: {
      x: { field: "t0", type: "quantitative", bin: "binned" },
      x2: { field: "t1" },
      y: { field: "failed", type: "quantitative", stack: "zero", title: "failed ops/s (by send time)" },
      color: { field: "kind", type: "nominal", title: "operation: error class", legend: { labelLimit: 320, titleLimit: 320 } },
    },
  });
}

/** A step line per series over the run's time axis, bytes on the y axis, the fault window shaded. */
function bytesOverTime(kind: ChartKind, title: string, frame: ReturnType<typeof timeFrame>, values: { t: number; bytes: number; series: string }[], yTitle: string, seriesTitle: string | null): ChartSpec {
  return overFaultWindow(kind, title, frame, {
    data: { values },
    mark: { type: "line", point: true, interpolate: "step-after" },
    encoding: {
      x: { field: "t", type: "quantitative" },
      y: { field: "bytes", type: "quantitative", title: yTitle, axis: { format: "~s" } },
      color: { field: "series", type: "nominal", title: seriesTitle, legend: { labelLimit: 320 } },
    },
  });
}

/** Null when no replica lag was reported (nothing to draw). */
export function replicationLagSpec(journal: Journal): ChartSpec | null {
  const frame = timeFrame(journal);
  const values = journal.cluster.flatMap((s) =>
    s.ok ? s.members.filter((m) => m.role !== "leader" && m.lagBytes !== undefined).map((m) => ({ t: (s.at - frame.zero) / 1000, series: m.name, bytes: m.lagBytes! })) : []);
  if (values.length === 0) return null;
  return bytesOverTime("replication-lag", "Replication lag per replica (Patroni /cluster)", frame, values, "lag, bytes", "replica");
}

/**
 * Resync runs: from the primary's samples, the isolated replicas' lag, the WAL their slots hold and the
 * primary's pg_wal size, on one bytes axis. Null when the run did not sample the primary.
 */
export function resyncSpec(journal: Journal): ChartSpec | null {
  const r = journal.resync;
  if (!r || r.samples.length === 0) return null;
  const frame = timeFrame(journal);
  const t = (at: number) => (at - frame.zero) / 1000;
  const ok = r.samples.filter((s) => s.ok);
  const isolated = [...new Set(journal.faults.filter((f) => f.action === "inject").flatMap((f) => f.targets))]
    .filter((m) => ok.some((s) => s.replication.some((x) => x.name === m)));
  const values: { t: number; bytes: number; series: string }[] = ok.flatMap((s) => (s.walDirBytes === undefined ? [] : [{ t: t(s.at), bytes: s.walDirBytes, series: "pg_wal size on the primary" }]));
  for (const member of isolated) {
    const slot = slotNameOf(member);
    for (const s of ok) {
      const held = s.slots.find((x) => x.name === slot)?.retainedBytes;
      if (held !== null && held !== undefined) values.push({ t: t(s.at), bytes: held, series: `WAL held by slot ${slot}` });
    }
    const inject = journal.faults.find((f) => f.action === "inject" && f.targets.includes(member))!;
    const heal = journal.faults.find((f) => f.action === "recover" && f.fault === inject.fault);
    const v = classifyResync({ member, isolatedAt: inject.injectedAt?.length ? Math.min(...inject.injectedAt) : inject.endedAt, healStartAt: heal?.startedAt ?? journal.endedAt, healedAt: heal?.endedAt ?? journal.endedAt, samples: r.samples, reinits: r.reinits, logs: journal.logs, caughtUpLagBytes: 0 });
    for (const p of v.lag) values.push({ t: t(p.at), bytes: p.bytes, series: `lag of ${member}` });
  }
  return bytesOverTime("resync", "Replica resync: lag, WAL held by its slot, pg_wal size (primary's samples)", frame, values, "bytes", null);
}

export function chartSpecs(journal: Journal): ChartSpec[] {
  return [writeLatencySpec(journal), errorRateSpec(journal), replicationLagSpec(journal), resyncSpec(journal)].filter((c): c is ChartSpec => c !== null);
}

let libraries: Promise<{ vega: typeof import("vega"); vegaLite: VegaLite }> | undefined;
const loadLibraries = () =>
  (libraries ??= Promise.all([import("vega"), import("vega-lite" as string) as Promise<VegaLite>]).then(([vega, vegaLite]) => ({ vega, vegaLite })));

export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const { vega, vegaLite } = await loadLibraries();
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

export const chartFileName = (experimentId: string, kind: ChartKind) => `${experimentId.replace(/[^A-Za-z0-9._-]+/g, "-")}-${kind}.svg`;

/** All charts of a run as SVG strings; the caller writes each to `fileName` next to the report. */
export async function renderCharts(journal: Journal): Promise<ChartSvg[]> {
  return Promise.all(chartSpecs(journal).map(async (c) => ({ kind: c.kind, title: c.title, fileName: chartFileName(journal.experiment.id, c.kind), svg: await renderSvg(c.spec) })));
}
