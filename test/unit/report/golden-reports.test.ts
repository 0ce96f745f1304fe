// Golden reports: journals and results recorded on a real lab, rendered byte-for-byte as `pgchaos` publishes them.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as zlib from "zlib";
import { describe, expect, it } from "vitest";
import { chartFileName, chartSpecs } from "../../../chaos/report/charts";
import type { Journal } from "../../../chaos/checkers/journal";
import { computeMetrics } from "../../../chaos/checkers/metrics";
import { CAUGHT_UP_LAG_BYTES, publishComparison } from "../../../chaos/report/publish";
import { renderExperimentReport, renderReportIndex } from "../../../chaos/report/experiment";
import { abChartSpec, renderGameDay } from "../../../chaos/report/gameday";
import type { GameDayResults } from "../../../chaos/gameday/results";

const FIXTURES = path.join(__dirname, "../../fixtures");
const journalAt = (rel: string): Journal => JSON.parse(zlib.gunzipSync(fs.readFileSync(path.join(FIXTURES, rel))).toString("utf8")) as Journal;

const primaryStop = journalAt("lab-experiment/primary-stop.journal.json.gz");
const sideA = journalAt("lab-gameday/etcd-quorum-loss--ab-failsafe-mode-a.journal.json.gz");
const sideB = journalAt("lab-gameday/etcd-quorum-loss--ab-failsafe-mode-b.journal.json.gz");
const gameDay = JSON.parse(fs.readFileSync(path.join(FIXTURES, "lab-gameday/results.json"), "utf8")) as GameDayResults;

/** The report exactly as publishExperiment renders it (chart references without rendering the SVGs). */
function publishedReport(journal: Journal): string {
  const metrics = computeMetrics(journal, { caughtUpLagBytes: CAUGHT_UP_LAG_BYTES });
  const charts = chartSpecs(journal).map((c) => ({ title: c.title, fileName: chartFileName(journal.experiment.id, c.kind) }));
  return renderExperimentReport(journal, { metrics, charts });
}

describe("golden reports from recorded lab runs", () => {
  it("per-experiment report: primary-stop", async () => {
    await expect(publishedReport(primaryStop)).toMatchFileSnapshot("__snapshots__/lab-primary-stop.golden.md");
  });

  it("per-experiment report: etcd-quorum-loss, A/B side B (failsafe_mode on)", async () => {
    await expect(publishedReport(sideB)).toMatchFileSnapshot("__snapshots__/lab-etcd-quorum-loss-b.golden.md");
  });

  it("report index over the recorded runs", async () => {
    const entries = [primaryStop, sideA, sideB].map((journal) => ({ journal, reportPath: `${journal.experiment.id}/report.md`, metrics: computeMetrics(journal, { caughtUpLagBytes: CAUGHT_UP_LAG_BYTES }) }));
    await expect(renderReportIndex(entries)).toMatchFileSnapshot("__snapshots__/lab-index.golden.md");
  });

  it("comparison report: the game day's A/B of failsafe_mode, as the game day publishes it", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pgchaos-golden-"));
    try {
      const file = publishComparison(dir, "etcd-quorum-loss-ab-failsafe-mode", "etcd-quorum-loss: failsafe_mode: true (A/B)", [
        { label: "A: failsafe_mode=false", journal: sideA },
        { label: "B: failsafe_mode=true", journal: sideB },
      ]);
      await expect(fs.readFileSync(file, "utf8")).toMatchFileSnapshot("__snapshots__/lab-compare-etcd-quorum-loss.golden.md");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("game-day report from the recorded results.json", async () => {
    const charted = new Set(gameDay.recommendations.filter((r) => abChartSpec(r) !== undefined).map((r) => r.candidate));
    expect(charted.size).toBe(1);
    await expect(renderGameDay(gameDay, charted)).toMatchFileSnapshot("__snapshots__/lab-game-day.golden.md");
  });
});
