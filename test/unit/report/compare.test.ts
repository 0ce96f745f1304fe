import { describe, expect, it } from "vitest";
import { comparisonMeasures, demotionAt, renderComparison } from "../../../chaos/report/compare";
import { experimentSchema, loadCatalog, withVariant } from "../../../chaos/experiments/definition";
import type { Journal } from "../../../chaos/checkers/journal";
import { computeMetrics } from "../../../chaos/checkers/metrics";
import { renderExperimentReport } from "../../../chaos/report/experiment";
import { configDelta, mergeRowSnapshots } from "../../../chaos/experiments/primary-probes";
import { probeLag, type PrimaryProbeSample } from "../../../chaos/checkers/single-primary";
import { syntheticJournal, T0 } from "../../helpers/synthetic-journal";

/** Quorum loss with failsafe_mode off: the synthetic failover run, plus direct probes showing pg1 demoted at T0+3 s. */
function failsafeOff(): Journal {
  const j = syntheticJournal();
  j.experiment = { ...j.experiment, id: "etcd-quorum-loss", variant: "failsafe-off" };
  j.patroniConfig = { requested: { failsafe_mode: false }, before: { failsafe_mode: false }, effective: { failsafe_mode: false } };
  const probes: PrimaryProbeSample[] = [];
  for (let t = T0 - 5000; t < T0 + 20000; t += 500) probes.push({ at: t, node: "pg1", inRecovery: t >= T0 + 3000, writeOk: t < T0 + 3000 });
  j.primaryProbes = probes;
  return j;
}

/** The same with failsafe_mode on: the primary stays, every write is acknowledged, no leader change. */
function failsafeOn(): Journal {
  const j = syntheticJournal();
  j.experiment = { ...j.experiment, id: "etcd-quorum-loss", variant: "failsafe-on" };
  j.patroniConfig = { requested: { failsafe_mode: true }, before: { failsafe_mode: false }, effective: { failsafe_mode: true }, appliedAt: T0 - 20000, restoredAt: T0 + 31000 };
  j.writes = j.writes.map((w) => (w.error ? { id: w.id, writer: w.writer, sentAt: w.sentAt, ackAt: w.sentAt + 7, server: "10.0.0.11" } : w));
  j.finalRowIds = j.writes.map((w) => w.id);
  const first = j.cluster[0].members;
  j.cluster = j.cluster.map((s) => ({ ...s, members: first }));
  j.primaryProbes = [];
  for (let t = T0 - 5000; t < T0 + 20000; t += 500) j.primaryProbes.push({ at: t, node: "pg1", inRecovery: false, writeOk: true });
  return j;
}

describe("comparison report (failsafe_mode off vs on)", () => {
  const md = renderComparison({
    experimentId: "etcd-quorum-loss", title: "Loss of etcd quorum",
    entries: [
      { label: "failsafe-off", journal: failsafeOff(), reportPath: "etcd-quorum-loss--failsafe-off/report.md" },
      { label: "failsafe-on", journal: failsafeOn(), reportPath: "etcd-quorum-loss--failsafe-on/report.md" },
    ],
  });

  it("puts both variants side by side with the settings in effect", () => {
    expect(md).toContain("# Comparison: Loss of etcd quorum");
    expect(md).toMatch(/\| failsafe-off \| failsafe_mode=false \|.*\[report\]\(etcd-quorum-loss--failsafe-off\/report.md\)/);
    expect(md).toMatch(/\| failsafe-on \| failsafe_mode=true \|/);
    expect(md).toContain("| Measure | failsafe-off | failsafe-on | Difference vs failsafe-off |");
    expect(md).not.toMatch(/NaN|undefined/);
  });

  it("shows write availability, demotion, lost writes and false failovers per variant", () => {
    expect(md).toMatch(/\| Write availability during the fault \| 2\d\.\d % \(\d+\/110\) \| 100\.0 % \(110\/110\) \|/);
    expect(md).toContain("| Primary demotion | 3.000 s | n/a (pg1 never demoted) |");
    expect(md).toMatch(/\| Lost acknowledged writes \| 0 \| 0 \| failsafe-on: same \|/);
    expect(md).toMatch(/\| Patroni leader changes \(false failovers where none is expected\) \| 1 \| 0 \| failsafe-on: −1 \|/);
    expect(md).toContain("- **failsafe-on**: 100.0 % of writes acknowledged during the fault; the primary did not demote (pg1 never demoted); 0 acknowledged writes lost; 0 Patroni leader change(s).");
  });

  it("a demoting primary that goes silent until healing is demoted when it stops accepting writes, not when it is seen in recovery", () => {
    const j = syntheticJournal();
    j.primaryProbes = [];
    for (let t = T0 - 5000; t < T0 + 60000; t += 500) {
      // One probe lost to load at +2 s (not a demotion); from +6.5 s no answer (shutdown hanging on its WAL sender); in recovery after the heal at +55 s.
      const lost = t === T0 + 2000;
      const silent = t >= T0 + 6500 && t < T0 + 55000;
      j.primaryProbes.push({ at: t, node: "pg1", inRecovery: silent || lost ? undefined : t >= T0 + 55000, writeOk: !silent && !lost && t < T0 + 55000 });
    }
    expect(demotionAt(j, computeMetrics(j))).toEqual({ at: T0 + 6500, how: "probe of pg1: no write accepted from here on for ≥ 3 probes (first: no answer)" });
    // Without any probe gap the primary never stopped.
    j.primaryProbes = j.primaryProbes.map((p) => ({ ...p, inRecovery: false, writeOk: true }));
    expect(demotionAt(j, computeMetrics(j))).toBeNull();
  });

  it("without probes, a write refused by a shutting-down primary counts as its demotion too", () => {
    const j = syntheticJournal();
    j.writes[j.writes.findIndex((w) => w.sentAt === T0 + 4000)].error = "admin_shutdown";
    expect(demotionAt(j, computeMetrics(j))).toEqual({ at: T0 + 4020, how: "first write refused (server shutting down)" });
  });

  it("falls back to the first read-only write for the demotion when there are no probes", () => {
    const j = syntheticJournal();
    j.writes[j.writes.findIndex((w) => w.sentAt === T0 + 4000)].error = "read_only";
    const d = demotionAt(j, computeMetrics(j));
    expect(d).toEqual({ at: T0 + 4020, how: "first write refused (read-only)" });
  });

  it("a single run has no differences column to compute", () => {
    const j = failsafeOn();
    const measures = comparisonMeasures([{ journal: j, metrics: computeMetrics(j) }]);
    expect(measures.find((m) => m.key === "writeAvailability")!.values[0]).toEqual({ value: 100, note: "110/110" });
  });
});

describe("variants and runtime Patroni configuration", () => {
  it("the catalog's quorum-loss experiment declares failsafe off and on, and withVariant merges the setting", () => {
    const exp = loadCatalog().find((e) => e.id === "etcd-quorum-loss")!;
    expect(exp.variants.map((v) => v.name)).toEqual(["failsafe-off", "failsafe-on"]);
    const on = withVariant(exp, "failsafe-on");
    expect(on.patroniConfig).toEqual({ failsafe_mode: true });
    expect(on.expected.assertions.map((a) => a.metric)).toEqual(["lostAckedWrites", "patroniLeaderChanges"]);
    expect(on.variant).toBe("failsafe-on");
    expect(() => withVariant(exp, "nope")).toThrow(/has no variant nope/);
  });

  it("the split-brain experiments probe every node and write directly to the old primary", () => {
    const catalog = loadCatalog();
    for (const id of ["split-brain", "split-brain-minority"]) {
      const e = catalog.find((x) => x.id === id)!;
      expect(e.probes).toEqual({ singlePrimary: true, directWriter: true, intervalMs: 300, resync: false, resyncIntervalMs: 1500 });
      expect(e.method[0]).toMatchObject({ action: "inject", faults: [{ kind: "partition" }] });
    }
    for (const id of ["replica-long-isolation", "etcd-member-down", "etcd-slow", "etcd-flapping"]) expect(catalog.some((x) => x.id === id)).toBe(true);
  });

  it("rejects an unknown Patroni setting and duplicate variant names", () => {
    const base = { id: "x", title: "xyz", description: "xyz", method: [{ action: "wait", seconds: 1 }], expected: { prose: "xyz" } };
    expect(experimentSchema.safeParse({ ...base, patroniConfig: { failsafe: true } }).success).toBe(false);
    expect(experimentSchema.safeParse({ ...base, variants: [{ name: "a" }, { name: "a" }] }).success).toBe(false);
    expect(experimentSchema.safeParse({ ...base, variants: [{ name: "a" }, { name: "b", patroniConfig: { ttl: 20 } }] }).success).toBe(true);
  });

  it("configDelta patches only what differs and restores the previous values (null for absent keys)", () => {
    expect(configDelta({ failsafe_mode: false, ttl: 10 }, { failsafe_mode: true, ttl: 10 })).toEqual({ patch: { failsafe_mode: true }, restore: { failsafe_mode: false } });
    expect(configDelta({ ttl: 10 }, { failsafe_mode: true })).toEqual({ patch: { failsafe_mode: true }, restore: { failsafe_mode: null } });
    expect(configDelta({ failsafe_mode: true }, { failsafe_mode: true })).toEqual({ patch: {}, restore: {} });
  });

  it("mergeRowSnapshots keeps, per node, every id seen before or after healing", () => {
    expect(mergeRowSnapshots({ pg1: ["a", "c"], pg2: ["a"] }, { pg1: ["a", "b"], pg3: ["a"] })).toEqual({ pg1: ["a", "b", "c"], pg2: ["a"], pg3: ["a"] });
  });
});

describe("replication lag from the direct probes", () => {
  // pg1 primary writing 1000 B/s; pg2 follows; pg3 frozen from T0 to T0+10 s, then replays at once.
  const samples: PrimaryProbeSample[] = [];
  for (let t = 0; t <= 15000; t += 500) {
    const primaryWal = 1_000_000 + t;
    samples.push({ at: T0 + t, node: "pg1", inRecovery: false, writeOk: true, walBytes: primaryWal });
    samples.push({ at: T0 + t + 50, node: "pg2", inRecovery: true, writeOk: false, walBytes: primaryWal });
    samples.push({ at: T0 + t + 60, node: "pg3", inRecovery: true, writeOk: false, walBytes: t < 10000 ? 1_000_000 : primaryWal });
  }
  samples.push({ at: T0 + 20000, node: "pg3", inRecovery: true, writeOk: false, walBytes: 0 }); // primary probe too old: ignored

  it("measures lag growth while isolated, the peak and the catch-up time", () => {
    const [pg2, pg3] = probeLag(samples, { caughtUpFrom: T0 + 9000, maxLagBytes: 0 });
    expect(pg2.peak!.lagBytes).toBe(0);
    expect(pg3.peak).toEqual({ at: T0 + 9560, lagBytes: 9500 });
    expect(pg3.points.find((p) => p.at === T0 + 5060)!.lagBytes).toBe(5000);
    expect(pg3.caughtUpAt).toBe(T0 + 10060);
    expect(pg3.points.some((p) => p.at === T0 + 20000)).toBe(false);
  });

  it("shows in the report, per replica", () => {
    const j = failsafeOff();
    j.primaryProbes = samples;
    j.faults[1] = { ...j.faults[1], startedAt: T0 + 9000 };
    const md = renderComparison({ experimentId: "x", title: "x", entries: [{ label: "a", journal: j }] });
    expect(md).toContain("Write recovery after the fault was removed");
    const r = renderExperimentReport(j);
    expect(r).toContain("| pg3 | 9500 B (9.3 KiB) | +9.560 s | 8500 B (8.3 KiB) | 1.060 s |");
  });
});
