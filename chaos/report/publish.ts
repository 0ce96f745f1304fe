// Writes a run's journal, charts and report, the index and the comparisons to the report directory.
import type { Journal } from "../checkers/journal";
import { computeMetrics } from "../checkers/metrics";
import { renderCharts } from "./charts";
import { renderComparison } from "./compare";
import { type IndexEntry, renderExperimentReport, renderReportIndex } from "./experiment";
import { renderServerCharts } from "./server-charts";
import * as fs from "fs";
import * as path from "path";

/** A run's directory under the report directory: the experiment id, plus `--<variant>` for a variant run. */
export const runDirName = (journal: Journal) => (journal.experiment.variant ? `${journal.experiment.id}--${journal.experiment.variant}` : journal.experiment.id);

/**
 * Under a continuous write load a replica's lag is rarely exactly 0 at a sampling instant; within 1 MiB
 * (Patroni's default maximum_lag_on_failover) it counts as caught up.
 */
export const CAUGHT_UP_LAG_BYTES = 1024 * 1024;

/** Writes journal.json, the charts (SVG) and report.md of one run under outDir/<experiment id>/. */
export async function publishExperiment(journal: Journal, outDir: string): Promise<string> {
  const dir = path.join(outDir, runDirName(journal));
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "journal.json"), JSON.stringify(journal));
  const metrics = computeMetrics(journal, { caughtUpLagBytes: CAUGHT_UP_LAG_BYTES });
  const charts = await renderCharts(journal);
  for (const c of [...charts, ...(await renderServerCharts(journal))]) fs.writeFileSync(path.join(dir, c.fileName), c.svg);
  const report = renderExperimentReport(journal, { metrics, charts: charts.map((c) => ({ title: c.title, fileName: c.fileName })) });
  const file = path.join(dir, "report.md");
  fs.writeFileSync(file, report);
  return file;
}

/** Re-renders the index from every journal under outDir. */
export function publishIndex(outDir: string): string {
  const entries: IndexEntry[] = fs.existsSync(outDir)
    ? fs.readdirSync(outDir, { withFileTypes: true })
        .filter((d) => d.isDirectory() && fs.existsSync(path.join(outDir, d.name, "journal.json")))
        .map((d) => {
          const journal = JSON.parse(fs.readFileSync(path.join(outDir, d.name, "journal.json"), "utf8")) as Journal;
          return { journal, reportPath: `${d.name}/report.md`, metrics: computeMetrics(journal, { caughtUpLagBytes: CAUGHT_UP_LAG_BYTES }) };
        })
        .sort((a, b) => a.journal.startedAt - b.journal.startedAt)
    : [];
  const file = path.join(outDir, "index.md");
  fs.writeFileSync(file, renderReportIndex(entries));
  return file;
}

/** Re-renders every report from its saved journal (`pgchaos report`). */
export async function republish(outDir: string): Promise<string[]> {
  const files: string[] = [];
  for (const d of fs.readdirSync(outDir, { withFileTypes: true })) {
    const j = path.join(outDir, d.name, "journal.json");
    if (d.isDirectory() && fs.existsSync(j)) files.push(await publishExperiment(JSON.parse(fs.readFileSync(j, "utf8")), outDir));
  }
  files.push(publishIndex(outDir));
  files.push(...republishComparisons(outDir));
  return files;
}

/** Re-renders `compare-<id>.md` for every experiment with variant runs under outDir (baseline = the earliest run). */
export function republishComparisons(outDir: string): string[] {
  const byExperiment = new Map<string, Journal[]>();
  for (const d of fs.readdirSync(outDir, { withFileTypes: true })) {
    const j = path.join(outDir, d.name, "journal.json");
    if (!d.isDirectory() || !d.name.includes("--") || !fs.existsSync(j)) continue;
    const journal = JSON.parse(fs.readFileSync(j, "utf8")) as Journal;
    if (!journal.experiment.variant) continue;
    byExperiment.set(journal.experiment.id, [...(byExperiment.get(journal.experiment.id) ?? []), journal]);
  }
  return [...byExperiment].filter(([, js]) => js.length > 1).map(([id, js]) => {
    const sorted = js.sort((a, b) => a.startedAt - b.startedAt);
    return publishComparison(outDir, id, sorted[0].experiment.title.replace(/ \[[^\]]*\]$/, ""), sorted.map((journal) => ({ label: journal.experiment.variant!, journal })));
  });
}

/** Writes `compare-<id>.md` side by side from the variants' journals (already published under outDir). */
export function publishComparison(outDir: string, experimentId: string, title: string, journals: { label: string; journal: Journal }[]): string {
  const file = path.join(outDir, `compare-${experimentId}.md`);
  fs.writeFileSync(file, renderComparison({
    experimentId, title, metricsOptions: { caughtUpLagBytes: CAUGHT_UP_LAG_BYTES },
    entries: journals.map((j) => ({ ...j, reportPath: `${runDirName(j.journal)}/report.md` })),
  }));
  return file;
}
