import { describe, expect, it } from "vitest";
import { chartFileName, chartSpecs, renderCharts } from "../../../chaos/report/charts";
import type { Journal } from "../../../chaos/checkers/journal";
import { renderExperimentReport, renderReportIndex } from "../../../chaos/report/experiment";
import { markdownTable } from "../../../chaos/report/table";
import type { PrimaryProbeSample } from "../../../chaos/checkers/single-primary";
import { syntheticJournal, T0 } from "../../helpers/synthetic-journal";

const CHARTS = [
  { title: "Write latency (acknowledged writes)", fileName: "primary-stop-write-latency.svg" },
  { title: "Failed operations per second", fileName: "primary-stop-error-rate.svg" },
];

/** The primary-stop journal turned into a split-brain run: direct probes with a planted overlap, rows per node. */
function splitBrainJournal(): Journal {
  const j = syntheticJournal();
  j.experiment = { ...j.experiment, id: "split-brain", title: "Split-brain attempt: primary isolated from etcd and peers" };
  const probes: PrimaryProbeSample[] = [];
  for (let t = T0; t < T0 + 10000; t += 500) {
    probes.push({ at: t, node: "pg1", inRecovery: t >= T0 + 7000, writeOk: t < T0 + 7000 });
    probes.push({ at: t + 100, node: "pg2", inRecovery: t < T0 + 6000, writeOk: t >= T0 + 6000 });
  }
  j.primaryProbes = probes;
  const onPrimary = j.finalRowIds;
  j.nodeRowIds = { pg1: [...onPrimary.slice(0, 100), "run-0-w6500"], pg2: onPrimary, pg3: onPrimary.slice(0, 100) };
  return j;
}

describe("markdown report", () => {
  it("renders the four sections from a fixed journal (golden file)", async () => {
    const md = renderExperimentReport(syntheticJournal({ plantLostWrite: true }), { charts: CHARTS });
    await expect(md).toMatchFileSnapshot("__snapshots__/experiment-report.golden.md");
  });

  it("puts every section in order and every verdict in the analysis", () => {
    const md = renderExperimentReport(syntheticJournal({ plantLostWrite: true }));
    const at = (s: string) => md.indexOf(s);
    const sections = ["## 1. Description and steps", "## 2. Expected behaviour", "## 3. Actual results", "## 4. Analysis"].map(at);
    expect(sections.every((i, k) => i > 0 && (k === 0 || i > sections[k - 1]))).toBe(true);
    expect(md).toContain("| Lost acknowledged writes = 0 | 1 | violated | off by 1 |");
    expect(md).toContain("| Time to new leader ≤ 15 s | 6.000 s | held | 9 s (60 %) under the bound |");
    expect(md).toContain("Verdict: FAIL: 2/4 held, 2 violated — 2 finding(s), 1 critical: lost-writes, write-unavailability.");
    // Findings come before everything else, with their numbers.
    expect(at("## Findings")).toBeLessThan(sections[0]);
    expect(md).toContain("| critical | lost-writes | 1 acknowledged write lost (1 of");
    expect(md).not.toMatch(/NaN|undefined/);
  });

  it("a clean run's report says no acknowledged write was lost", () => {
    const md = renderExperimentReport(syntheticJournal());
    expect(md).toContain("- Lost acknowledged writes: 0");
    expect(md).toMatch(/All \d+ acknowledged writes are on pg2\./);
  });

  it("reports the single-primary intervals and where the writes landed on a split-brain run", () => {
    const md = renderExperimentReport(splitBrainJournal());
    expect(md).toContain("### Single-primary invariant");
    expect(md).toContain("| pg1, pg2 | +6.100 s | +7.000 s | 0.900 s | 0.400 s |");
    expect(md).toContain("| pg1 | 1 | 0 |");
    expect(md).toMatch(/The single-primary invariant was violated: 1 interval\(s\)/);
  });

  it("escapes pipes in table cells", () => {
    expect(markdownTable(["a"], [["x | y"]])).toBe("| a |\n| --- |\n| x \\| y |");
  });

  it("renders an index with one row per experiment (golden file)", async () => {
    const md = renderReportIndex([
      { journal: syntheticJournal(), reportPath: "primary-stop.md" },
      { journal: { ...syntheticJournal({ plantLostWrite: true }), experiment: { ...syntheticJournal().experiment, id: "primary-stop-lossy", title: "Primary stop, lossy" } }, reportPath: "primary-stop-lossy.md" },
      { journal: splitBrainJournal(), reportPath: "split-brain.md" },
    ]);
    await expect(md).toMatchFileSnapshot("__snapshots__/experiment-index.golden.md");
  });
});

describe("charts", () => {
  it("renders valid SVG with the fault window shaded where the fault was", async () => {
    const charts = await renderCharts(syntheticJournal());
    expect(charts.map((c) => c.kind)).toEqual(["write-latency", "error-rate", "replication-lag"]);
    expect(charts.map((c) => c.fileName)).toEqual(["write-latency", "error-rate", "replication-lag"].map((k) => `primary-stop-${k}.svg`));
    for (const c of charts) {
      expect(c.svg.startsWith("<svg")).toBe(true);
      expect(c.svg).toContain('xmlns="http://www.w3.org/2000/svg"');
      expect(c.svg.trimEnd().endsWith("</svg>")).toBe(true);
      expect(c.svg.match(/<g[\s>]/g)?.length).toBe(c.svg.match(/<\/g>/g)?.length);
      // Domain −10 s … +30 s over 720 px: the fault window 0 s … +11 s starts at x=180 and is 198 px wide.
      expect(c.svg).toMatch(/<g class="mark-rect role-mark layer_0_marks"[^>]*><path aria-label="seconds since the injection: 0; end: 11; fault: stop-primary"[^>]* d="M180,0h198v220h-198Z" fill="#d62728" opacity="0.12"\/>/);
    }
    expect(charts[1].svg).toContain("write: connect_refused");
  });

  it("draws no lag chart when no replica lag was reported, and names files safely", () => {
    const j = syntheticJournal();
    j.cluster = [];
    expect(chartSpecs(j).map((c) => c.kind)).toEqual(["write-latency", "error-rate"]);
    expect(chartFileName("etcd quorum/loss", "error-rate")).toBe("etcd-quorum-loss-error-rate.svg");
  });
});

describe("an aborted run", () => {
  it("is never a PASS: the steady state did not hold, no fault was injected", async () => {
    const { syntheticJournal } = await import("../../helpers/synthetic-journal");
    const j = syntheticJournal();
    j.hypothesis = { before: [{ name: "one leader", ok: true, detail: "leader pg1" }, { name: "every replica streaming", ok: false, detail: "pg2: not streaming" }], after: [] };
    const { renderExperimentReport } = await import("../../../chaos/report/experiment");
    const md = renderExperimentReport(j);
    expect(md).toMatch(/Verdict: ABORTED: the steady-state hypothesis did not hold before the method \(every replica streaming\): no fault was injected\./);
    expect(md).not.toMatch(/Verdict: PASS/);
  });
});
