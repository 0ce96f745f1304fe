import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Journal } from "../../chaos/checkers/journal";
import { computeMetrics } from "../../chaos/checkers/metrics";
import { CAUGHT_UP_LAG_BYTES } from "../../chaos/report/publish";
import { must, requireEngineAndDocker, TestStack } from "../helpers/engine";

// A replica isolated under write load while the primary writes a WAL burst, then healed: once with its slot
// kept (permanent member slots), once with no slots and the least WAL Patroni lets the primary keep. One CLI
// call (`compare`) against a lab of its own through the real engine; the runner sets both at runtime.
// Ports below the ephemeral range (32768-60999), apart from every other test's.
const PORTS = { readWrite: 63432, readOnly: 63433, haproxyStats: 63404, postgresBase: 63441, patroniRestBase: 63009, etcdClientBase: 63380 };
const MiB = 1048576;

describe("replica resync after a long isolation: WAL retained by its slot vs WAL too small", () => {
  let lab: TestStack;
  let chaos: TestStack | undefined;
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "pgchaos-resync-"));
  let cliOutput: string;
  let retained: Journal;
  let small: Journal;
  let comparison: string;
  const started = Date.now();

  beforeAll(() => {
    requireEngineAndDocker();
    lab = TestStack.create("e2e-resync", { ...Object.fromEntries(Object.entries(PORTS).map(([k, v]) => [`pgchaos:ports.${k}`, String(v)])), "pgchaos:monitoring.enabled": "false" });
    lab.up();
    cliOutput = must("npx", ["tsx", "cli/main.ts", "compare", "replica-long-isolation", "--variants", "wal-retained,wal-too-small", "--lab-stack", lab.name, "--out", out], { timeoutMs: 1_500_000 });
    chaos = new TestStack(`${lab.name}-chaos`);
    retained = JSON.parse(fs.readFileSync(path.join(out, "replica-long-isolation--wal-retained", "journal.json"), "utf8"));
    small = JSON.parse(fs.readFileSync(path.join(out, "replica-long-isolation--wal-too-small", "journal.json"), "utf8"));
    comparison = fs.readFileSync(path.join(out, "compare-replica-long-isolation.md"), "utf8");
    console.log(`[resync] lab up and compare done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }, 2_400_000);

  afterAll(() => {
    chaos?.dispose();
    lab?.dispose();
    for (const f of [`Pulumi.${lab?.name}.yaml`, `Pulumi.${lab?.name}-chaos.yaml`]) fs.rmSync(f, { force: true });
    console.log(`[resync] whole test ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }, 600_000);

  const summary = (label: string, j: Journal) => {
    const m = computeMetrics(j, { caughtUpLagBytes: CAUGHT_UP_LAG_BYTES });
    const s = m.scalars;
    const mb = (v: number | null) => (v === null ? "n/a" : `${(v / MiB).toFixed(1)} MiB`);
    console.log(`[resync] ${label}: method ${m.categories.resyncMethod.value}, caught up ${s.resyncCatchUpSeconds.value ?? s.resyncCatchUpSeconds.reason} s after healing, ` +
      `peak lag ${mb(s.resyncPeakLagBytes.value)}, peak WAL held by its slot ${mb(s.primaryPeakRetainedWalBytes.value)}, peak pg_wal ${mb(s.primaryPeakWalDirBytes.value)} ` +
      `(before ${mb(m.resync?.walDirBefore?.bytes ?? null)}), WAL burst ${mb(j.resync?.bursts[0]?.bytes ?? null)}, reinits ${j.resync?.reinits.length}, lost acked writes ${s.lostAckedWrites.value}`);
    return m;
  };

  it("set each variant's WAL retention at runtime and restored it afterwards", () => {
    expect(retained.patroniConfig?.effective).toEqual({ postgresql: { use_slots: true }, slots: { pg1: { type: "physical" }, pg2: { type: "physical" }, pg3: { type: "physical" } } });
    expect(small.patroniConfig?.effective).toEqual({ postgresql: { use_slots: false, parameters: { wal_keep_size: "16MB", max_wal_size: "32MB", min_wal_size: "32MB" } } });
    for (const j of [retained, small]) {
      expect(j.patroniConfig?.restoredAt, `${j.experiment.variant}: config put back`).toBeDefined();
      expect(j.faults.map((f) => f.action)).toEqual(["inject", "recover"]);
      expect(j.resync!.bursts[0].bytes).toBeGreaterThanOrEqual(192 * MiB);
      expect(j.experiment.steps!.map((s) => s.description).join("\n")).toMatch(/generate ≥ 192 MB of WAL/);
    }
    expect(cliOutput).toMatch(/Patroni config restored: PATCH \/config \{"slots":null\}/);
    expect(chaos!.pulumi(["stack", "export"])).not.toContain("isolate-replica-fault");
  });

  it("wal-retained: the slot held the WAL and the replica resumed streaming from it, no reinitialize", () => {
    const m = summary("wal-retained", retained);
    const [v] = m.resync!.verdicts;
    expect(m.categories.resyncMethod.value, v.evidence.join("\n")).toBe("slot");
    expect(v.slotHeld).toBe(true);
    // The walreceiver's connect begun during the partition may sit in TCP SYN backoff up to ~64 s (see the YAML).
    expect(m.scalars.resyncCatchUpSeconds.value!).toBeLessThanOrEqual(90);
    // The slot kept at least the burst on the primary, and pg_wal grew by it.
    expect(m.scalars.primaryPeakRetainedWalBytes.value!).toBeGreaterThanOrEqual(192 * MiB);
    expect(m.scalars.primaryPeakWalDirBytes.value!).toBeGreaterThanOrEqual(192 * MiB);
    expect(retained.resync!.reinits).toEqual([]);
    expect(m.scalars.lostAckedWrites.value).toBe(0);
  });

  it("wal-too-small: the WAL was gone, the runner reinitialized the replica and it caught up after that", () => {
    const m = summary("wal-too-small", small);
    const [v] = m.resync!.verdicts;
    expect(m.categories.resyncMethod.value, v.evidence.join("\n")).toBe("reinit");
    expect(v.walGone.length).toBeGreaterThan(0);
    const [r] = small.resync!.reinits;
    expect(r).toMatchObject({ member: v.member, status: 200, response: "reinitialize started" });
    expect(r.streamingAt).toBeGreaterThan(r.requestedAt);
    expect(v.caughtUpAt!).toBeGreaterThan(r.requestedAt);
    expect(small.notes.join("\n")).toMatch(new RegExp(`${v.member} reinitialized at .*POST /reinitialize → HTTP 200`));
    expect(m.scalars.primaryPeakRetainedWalBytes.value).toBeNull();
    expect(m.scalars.lostAckedWrites.value).toBe(0);
    expect(cliOutput).toMatch(/POST \/reinitialize \{"force": true\}/);
  });

  it("shows both in one comparison, each variant's report with its resync section", () => {
    expect(comparison).toContain("## Replica resync");
    expect(comparison).toMatch(/\| wal-retained \| slot \| \d+\.\d{3} s \|/);
    expect(comparison).toMatch(/\| wal-too-small \| reinit \| \d+\.\d{3} s \|/);
    for (const v of ["wal-retained", "wal-too-small"]) {
      const report = fs.readFileSync(path.join(out, `replica-long-isolation--${v}`, "report.md"), "utf8");
      expect(report).toContain("### Replica resync (from the primary's side)");
      expect(fs.existsSync(path.join(out, `replica-long-isolation--${v}`, "replica-long-isolation-resync.svg"))).toBe(true);
    }
    console.log(`[resync] comparison:\n${comparison.slice(comparison.indexOf("## Replica resync"), comparison.indexOf("## How each"))}`);
  });
});
