// Runs the server-side panels' PromQL against Prometheus over the run window; never throws.
import { z } from "zod";
import type { Journal } from "../checkers/journal";
import { gridStart, serverPanelQueries, stepSeconds, toSeries, type PanelQuery, type PanelResult, type ServerSideRecord } from "../checkers/server-panels";
import { fetchBounded } from "../../components/lab/http";

/**
 * Runs the server-side panels' PromQL against Prometheus' HTTP API (query_range over the run window)
 * and keeps what came back in the journal. Never throws: a failed query is recorded as missing, with
 * Prometheus' own error, so the report shows the reason instead of a flat line.
 */

const rangeResponse = z.object({
  status: z.string(),
  error: z.string().optional(),
  data: z.object({
    resultType: z.literal("matrix"),
    result: z.array(z.object({ metric: z.record(z.string(), z.string()), values: z.array(z.tuple([z.number(), z.string()])) })),
  }).optional(),
});

const TIMEOUT_MS = 15_000;

async function queryRange(prometheus: string, q: PanelQuery, window: { start: number; end: number; stepSeconds: number }): Promise<PanelResult> {
  // Whole seconds: Prometheus evaluates at start + k × step, and the series are read back on that grid.
  const params = new URLSearchParams({ query: q.promql, start: String(gridStart(window)), end: String(Math.floor(window.end / 1000)), step: String(window.stepSeconds) });
  try {
    const { status, body } = await fetchBounded(`${prometheus}/api/v1/query_range`, { method: "POST", body: params }, TIMEOUT_MS, async (res) => ({ status: res.status, body: await res.json().catch(() => ({})) }));
    const parsed = rangeResponse.safeParse(body);
    if (!parsed.success) return { ...q, series: [], missing: `Prometheus answered HTTP ${status} with an unexpected body` };
    if (parsed.data.status !== "success" || !parsed.data.data) return { ...q, series: [], missing: `Prometheus refused the query: ${parsed.data.error ?? `HTTP ${status}`}` };
    const series = toSeries(parsed.data.data.result, q.seriesLabels, window);
    return series.length === 0 ? { ...q, series, missing: `no series over the run window: ${q.ifEmpty}` } : { ...q, series };
  } catch (e) {
    return { ...q, series: [], missing: `query failed: ${(e as Error).message}` };
  }
}

/** The members the run's faults targeted (their CPU and IO are charted). */
export const faultTargets = (journal: Pick<Journal, "faults">): string[] =>
  [...new Set(journal.faults.filter((f) => f.action === "inject").flatMap((f) => f.targets))];

/** Every panel of the run window [journal.startedAt, end]; `prometheus` absent: recorded as unavailable. */
export async function fetchServerSide(prometheus: string | undefined, journal: Pick<Journal, "faults" | "startedAt">, end: number): Promise<ServerSideRecord> {
  const window = { start: journal.startedAt, end, stepSeconds: stepSeconds(journal.startedAt, end) };
  const queries = serverPanelQueries(faultTargets(journal), window.stepSeconds);
  if (!prometheus) {
    const reason = "this target has no lab monitoring (pgchaos:monitoring.enabled is off, or the cluster is a user's own over SSH)";
    return { ...window, panels: queries.map((q) => ({ ...q, series: [], missing: reason })), unavailable: reason };
  }
  const panels: PanelResult[] = [];
  // One at a time: Prometheus runs with --query.max-concurrency=4 on a shared 2-core host.
  for (const q of queries) panels.push(await queryRange(prometheus, q, window));
  const failed = panels.filter((p) => p.missing?.startsWith("query failed"));
  return { prometheus, ...window, panels, ...(failed.length === panels.length ? { unavailable: `Prometheus at ${prometheus} did not answer: ${failed[0].missing}` } : {}) };
}
