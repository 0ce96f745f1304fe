// The report's server-side section: one chart per Prometheus panel, its PromQL and per-panel notes.
import type { TopLevelSpec } from "vega-lite/build/index";
import { base, faultLayer, renderSvg, timeFrame } from "./charts";
import type { Journal } from "../checkers/journal";
import { formatPanelValue, summarizeSeries, type PanelResult, type PanelUnit } from "../checkers/server-panels";

/**
 * The report's "Server side (Prometheus)" section: one chart per panel beside the client's charts, its
 * PromQL under it (pasteable into Grafana), and per series the samples, min, max and the gaps. A panel
 * without data says why; a gap stays a gap on the chart (the line breaks), never a zero.
 */

const Y_TITLE: Record<PanelUnit, string> = {
  bytes: "bytes", "bytes/s": "bytes per second", cores: "CPU cores (cgroup)", connections: "connections",
  "per second": "per second", count: "count", up: "1 = UP, 0 = not UP",
};

export const serverChartFileName = (experimentId: string, panelId: string) => `${experimentId.replace(/[^A-Za-z0-9._-]+/g, "-")}-server-${panelId}.svg`;

/** Up/down panels: one strip per series, a cell per step coloured by state; no sample, no cell. */
function stateStripSpec(journal: Journal, panel: PanelResult): TopLevelSpec {
  const frame = timeFrame(journal);
  const step = (journal.serverSide?.stepSeconds ?? 2);
  const values = panel.series.flatMap((s) => s.points.flatMap(([t, v]) => (v === null ? [] : [{ t: (t - frame.zero) / 1000, t2: (t - frame.zero) / 1000 + step, state: v >= 1 ? "UP" : "not UP", series: s.name }])));
  return {
    ...base(panel.title),
    height: Math.max(60, 22 * panel.series.length),
    // The fault window is drawn over the cells (translucent), or the cells would hide it.
    layer: [
      {
        data: { values },
        mark: { type: "rect" },
        encoding: {
          x: { field: "t", type: "quantitative" },
          x2: { field: "t2" },
          y: { field: "series", type: "nominal", title: null },
          color: { field: "state", type: "nominal", title: "state (white: no sample)", legend: { titleLimit: 320 }, scale: { domain: ["UP", "not UP"], range: ["#2ca02c", "#d62728"] } },
        },
      },
      faultLayer(frame),
    ],
  } as TopLevelSpec;
}

/** A step line per series over the run's time axis, the fault window shaded; null points break the line. */
export function serverPanelSpec(journal: Journal, panel: PanelResult): TopLevelSpec {
  if (panel.unit === "up") return stateStripSpec(journal, panel);
  const frame = timeFrame(journal);
  const values = panel.series.flatMap((s) => s.points.map(([t, v]) => ({ t: (t - frame.zero) / 1000, v, series: s.name })));
  return {
    ...base(panel.title),
    layer: [
      faultLayer(frame),
      {
        data: { values },
        mark: { type: "line", point: { size: 10 }, interpolate: "step-after", invalid: "break-paths-show-domains" },
        encoding: {
          x: { field: "t", type: "quantitative" },
          y: {
            field: "v", type: "quantitative", title: Y_TITLE[panel.unit],
            ...(panel.unit === "bytes" || panel.unit === "bytes/s" ? { axis: { format: "~s" } } : {}),
          },
          color: { field: "series", type: "nominal", title: null, legend: { labelLimit: 320 } },
        },
      },
    ],
  } as TopLevelSpec;
}

export interface ServerChartSvg {
  fileName: string;
  svg: string;
}

/** SVGs of the panels that have data; the caller writes each next to the report. */
export async function renderServerCharts(journal: Journal): Promise<ServerChartSvg[]> {
  const panels = journal.serverSide?.panels.filter((p) => !p.missing) ?? [];
  return Promise.all(panels.map(async (p) => ({ fileName: serverChartFileName(journal.experiment.id, p.id), svg: await renderSvg(serverPanelSpec(journal, p)) })));
}

const cell = (s: string) => s.replace(/\|/g, "\\|");

function seriesTable(journal: Journal, panel: PanelResult, zero: number): string[] {
  const rel = (t: number) => `${((t - zero) / 1000).toFixed(0)} s`;
  const rows = panel.series.map((s) => {
    const sum = summarizeSeries(s);
    const gaps = sum.gaps.length === 0 ? "none" : sum.gaps.map(([a, b]) => (a === b ? rel(a) : `${rel(a)} → ${rel(b)}`)).join(", ");
    return `| ${cell(s.name)} | ${sum.samples}/${s.points.length} | ${formatPanelValue(sum.min, panel.unit)} | ${formatPanelValue(sum.max, panel.unit)} | ${formatPanelValue(sum.last, panel.unit)} | ${gaps} |`;
  });
  return ["| series | steps with a sample | min | max | last | no sample at (time since the chart's 0) |", "|---|---|---|---|---|---|", ...rows];
}

/** The section's markdown lines (empty for journals from before the field existed). */
export function serverSideLines(journal: Journal): string[] {
  const side = journal.serverSide;
  if (!side) return [];
  const frame = timeFrame(journal);
  const out = ["### Server side (Prometheus)", ""];
  const iso = (t: number) => new Date(t).toISOString();
  out.push(side.prometheus
    ? `Range queries to ${side.prometheus}/api/v1/query_range from ${iso(side.start)} to ${iso(side.end)}, step ${side.stepSeconds} s. Time axis: ${frame.zeroLabel}; shaded: fault window. A step without a sample is a gap, never a zero: the member did not answer its scrape, or the series' condition did not hold (a replica that became primary has no lag series).`
    : `No panel could be queried: ${side.unavailable}.`, "");
  if (side.unavailable && side.prometheus) out.push(`**Unavailable:** ${side.unavailable}`, "");
  for (const panel of side.panels) {
    out.push(`#### ${panel.title}`, "");
    if (panel.missing) out.push(`**Missing:** ${panel.missing}.`, "");
    else out.push(`![${panel.title}](${serverChartFileName(journal.experiment.id, panel.id)})`, "", ...seriesTable(journal, panel, frame.zero), "");
    out.push("```promql", panel.promql, "```", "");
  }
  return out;
}
