import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demotionAt, faultWriteAvailability } from "../../chaos/experiments/compare";
import type { Journal } from "../../chaos/experiments/journal";
import { computeMetrics } from "../../chaos/experiments/metrics";
import { must, requireEngineAndDocker, TestStack } from "../helpers/engine";

// etcd quorum loss with failsafe_mode off, then on: one CLI call (`compare`), one comparison report,
// against a lab of its own through the real engine. failsafe_mode is switched at runtime (PATCH /config).
// Ports above the ephemeral range (32768-60999), apart from every other test's.
const PORTS = { readWrite: 65432, readOnly: 65433, haproxyStats: 65404, postgresBase: 65441, patroniRestBase: 65009, etcdClientBase: 65380 };

describe("advanced experiments: etcd quorum loss, failsafe_mode off vs on, one comparison", () => {
  let lab: TestStack;
  let chaos: TestStack | undefined;
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "pgchaos-compare-"));
  let cliOutput: string;
  let off: Journal;
  let on: Journal;
  let comparison: string;

  beforeAll(() => {
    requireEngineAndDocker();
    // Monitoring is not needed here: off, so its default ports never collide with another lab's.
    lab = TestStack.create("e2e-adv", { ...Object.fromEntries(Object.entries(PORTS).map(([k, v]) => [`pgchaos:ports.${k}`, String(v)])), "pgchaos:monitoring.enabled": "false" });
    lab.up();
    cliOutput = must("npx", ["tsx", "cli/main.ts", "compare", "etcd-quorum-loss", "--variants", "failsafe-off,failsafe-on", "--lab-stack", lab.name, "--out", out], { timeoutMs: 1_500_000 });
    chaos = new TestStack(`${lab.name}-chaos`);
    off = JSON.parse(fs.readFileSync(path.join(out, "etcd-quorum-loss--failsafe-off", "journal.json"), "utf8"));
    on = JSON.parse(fs.readFileSync(path.join(out, "etcd-quorum-loss--failsafe-on", "journal.json"), "utf8"));
    comparison = fs.readFileSync(path.join(out, "compare-etcd-quorum-loss.md"), "utf8");
  }, 2_400_000);

  afterAll(() => {
    chaos?.dispose();
    lab?.dispose();
    for (const f of [`Pulumi.${lab?.name}.yaml`, `Pulumi.${lab?.name}-chaos.yaml`]) fs.rmSync(f, { force: true });
  }, 600_000);

  it("set failsafe_mode at runtime for each variant and restored it afterwards", () => {
    expect(off.patroniConfig?.effective).toEqual({ failsafe_mode: false });
    expect(on.patroniConfig?.effective).toEqual({ failsafe_mode: true });
    expect(on.patroniConfig?.restoredAt, "failsafe_mode put back to off").toBeDefined();
    expect(cliOutput).toMatch(/PATCH \/config \{"failsafe_mode":true\}/);
    expect(cliOutput).toMatch(/Patroni config restored: PATCH \/config \{"failsafe_mode":false\}/);
    for (const j of [off, on]) expect(j.faults.map((f) => f.action)).toEqual(["inject", "recover"]);
    expect(chaos!.pulumi(["stack", "export"])).not.toContain("etcd-quorum-fault");
  });

  it("failsafe_mode off: the primary demotes and writes fail", () => {
    const m = computeMetrics(off);
    const demoted = demotionAt(off, m);
    const avail = faultWriteAvailability(m)!;
    console.log(`[advanced] failsafe off: demoted ${demoted ? ((demoted.at - m.anchors.injectionAt!) / 1000).toFixed(3) : "never"} s after the injection (${demoted?.how}), ` +
      `write availability ${avail.percent.toFixed(1)} % (${avail.ok}/${avail.sent}), failed writes ${m.scalars.failedWrites.value}, unavailability ${m.scalars.writeUnavailabilitySeconds.value} s, lost ${m.scalars.lostAckedWrites.value}`);
    expect(demoted, "the old primary was seen in recovery").not.toBeNull();
    expect(m.scalars.failedWrites.value).toBeGreaterThan(50);
    expect(avail.percent).toBeLessThan(95);
    expect(m.scalars.lostAckedWrites.value).toBe(0);
  });

  it("failsafe_mode on: the primary stays and writes keep succeeding", () => {
    const m = computeMetrics(on);
    const avail = faultWriteAvailability(m)!;
    console.log(`[advanced] failsafe on: demotion ${demotionAt(on, m) ? "seen" : "none"}, write availability ${avail.percent.toFixed(1)} % (${avail.ok}/${avail.sent}), ` +
      `failed writes ${m.scalars.failedWrites.value}, leader changes ${m.scalars.patroniLeaderChanges.value}, lost ${m.scalars.lostAckedWrites.value}`);
    expect(demotionAt(on, m)).toBeNull();
    expect(m.scalars.patroniLeaderChanges.value).toBe(0);
    expect(avail.percent).toBeGreaterThan(99);
    expect(m.scalars.lostAckedWrites.value).toBe(0);
  });

  it("renders both in one comparison report, with each variant's own report", () => {
    expect(comparison).toContain("| Measure | failsafe-off | failsafe-on | Difference vs failsafe-off |");
    expect(comparison).toMatch(/\| Primary demotion \| \d+\.\d{3} s \| n\/a \(\S+ never demoted\) \|/);
    expect(comparison).toMatch(/\| failsafe-on \| failsafe_mode=true \|/);
    for (const v of ["failsafe-off", "failsafe-on"]) expect(fs.existsSync(path.join(out, `etcd-quorum-loss--${v}`, "report.md"))).toBe(true);
    console.log(`[advanced] comparison:\n${comparison.slice(comparison.indexOf("## Side by side"), comparison.indexOf("## How each"))}`);
  });
});
