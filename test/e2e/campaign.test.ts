import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCampaign } from "../../chaos/campaign/definition";
import { planCampaign, scheduleHash } from "../../chaos/campaign/plan";
import type { CampaignResults } from "../../chaos/campaign/report";
import { requireEngineAndDocker, run, TestStack, type RunResult } from "../helpers/engine";

// The CI campaign (campaigns/ci-short.yaml: ≈3 min of faults, up to two at once) on a lab of its own through
// the real engine and the CLI. Ports 24xxx: apart from every other test's, below the ephemeral range (32768+) where the engine's own listeners bind.
const PORTS = { readWrite: 24532, readOnly: 24533, haproxyStats: 24504, postgresBase: 24541, patroniRestBase: 24109, etcdClientBase: 24480 };
const MONITORING = { "monitoring.ports.prometheus": 24190, "monitoring.ports.alertmanager": 24193, "monitoring.ports.receiver": 24194 };
const FILE = "campaigns/ci-short.yaml";

describe("campaign: a short seeded campaign on a real lab", () => {
  let lab: TestStack;
  let chaos: TestStack | undefined;
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "pgchaos-campaign-"));
  let cli: RunResult;
  let r: CampaignResults;

  beforeAll(() => {
    requireEngineAndDocker();
    lab = TestStack.create("hc-e2e-camp", Object.fromEntries([...Object.entries(PORTS).map(([k, v]) => [`pgchaos:ports.${k}`, String(v)]), ...Object.entries(MONITORING).map(([k, v]) => [`pgchaos:${k}`, String(v)])]));
    lab.up();
    cli = run("npx", ["pgchaos", "campaign", FILE, "--lab-stack", lab.name, "--out", out, "-o", "json"], { timeoutMs: 1_500_000 });
    chaos = new TestStack(`${lab.name}-chaos`);
    if (!cli.stdout.trim()) throw new Error(`pgchaos campaign printed no results (exit ${cli.status}):\n${cli.stderr.slice(-3000)}`);
    r = JSON.parse(cli.stdout) as CampaignResults;
  }, 2_400_000);

  afterAll(() => {
    chaos?.dispose();
    lab?.dispose();
    for (const f of [`Pulumi.${lab?.name}.yaml`, `Pulumi.${lab?.name}-chaos.yaml`]) fs.rmSync(f, { force: true });
  }, 900_000);

  it("ran the schedule the seed gives, every toggle in order, and wrote the report", () => {
    console.log(`[campaign] ${r.runId}: ${r.analysis.status}, ${r.wallSeconds} s, exit ${cli.status}; anomalies: ${r.analysis.anomalies.map((a) => `${a.type} [${a.activeFaults.join(" + ")}]`).join("; ") || "none"}`);
    const planned = planCampaign(parseCampaign(fs.readFileSync(FILE, "utf8"), FILE));
    expect(r.seed).toBe(13);
    expect(r.schedule).toEqual(planned);
    expect(r.scheduleHash).toBe(scheduleHash(planned));
    expect(r.toggles.map((t) => [t.action, t.plannedSeconds])).toEqual(planned.toggles.map((t) => [t.action, t.atSeconds]));
    // A toggle never runs before its planned time; a late one is recorded as late, not moved in the plan.
    for (const t of r.toggles) expect(t.preparedAt).toBeGreaterThanOrEqual(t.plannedAt);
    expect(cli.status, cli.stderr.slice(-3000)).toBe(r.exitCode);
    expect(r.analysis.status).not.toBe("INVALID");
    const dir = path.join(out, r.runId);
    expect(fs.readFileSync(path.join(dir, "campaign.md"), "utf8")).toContain(`**Seed 13**, schedule ${r.scheduleHash}`);
    expect(fs.readFileSync(path.join(dir, "timeline.svg"), "utf8")).toMatch(/^<svg/);
  });

  it("every planned fault was pinned to a live member, verified at inject, watched while active and recovered", () => {
    const skipped = r.analysis.faults.filter((f) => f.skipped);
    expect(skipped, JSON.stringify(skipped)).toEqual([]);
    for (const f of r.analysis.faults) {
      expect(f.members.length, f.name).toBeGreaterThan(0);
      expect(f.activeFrom, `${f.name} injected`).toBeDefined();
      expect(f.activeTo, `${f.name} recovered`).toBeGreaterThan(f.activeFrom!);
    }
    const pinned = r.toggles.flatMap((t) => t.faults).filter((f) => f.selector === "primary");
    expect(pinned.length).toBeGreaterThan(0);
    // Between two toggles with faults active the campaign leaves the watch ≥ 8 s: each fault checked at least once.
    expect(r.faultWatch!.checks).toBeGreaterThanOrEqual(r.analysis.faults.length);
    expect(r.faultWatch!.events).toBe(0);
    expect(chaos!.pulumi(["stack", "export"])).not.toMatch(/"name": "c\d+-\d-/);
  });

  it("leaves nothing behind: doctor finds no leftover and scans every member", () => {
    const doctor = run("npx", ["pgchaos", "doctor", "--lab-stack", lab.name, "-o", "json"], { timeoutMs: 540_000 });
    expect(doctor.status, doctor.stderr).toBe(0);
    const report = JSON.parse(doctor.stdout) as { leftovers: unknown[]; notScanned: unknown[]; liveFaults: unknown[] };
    expect(report.leftovers).toEqual([]);
    expect(report.notScanned).toEqual([]);
    expect(report.liveFaults).toEqual([]);
  }, 600_000);

  it("the checkers covered the whole history: writes, probes and cycles from before the first toggle to after the last", () => {
    const c = r.analysis.coverage;
    const first = r.toggles[0].preparedAt;
    const lastDone = Math.max(...r.analysis.faults.map((f) => f.activeTo!));
    expect(c.writesFrom!).toBeLessThan(first);
    expect(c.writesTo!).toBeGreaterThan(lastDone);
    expect(c.finalRows).toBeGreaterThan(c.writes / 2);
    expect(c.probesFrom!).toBeLessThan(first);
    expect(c.probesTo!).toBeGreaterThan(lastDone);
    expect(c.longestProbeGapMs).toBeLessThan(10_000);
    expect(c.longestClusterGapMs).toBeLessThan(10_000);
    expect(r.analysis.cycles.map((x) => x.cycle)).toEqual([...Array(r.schedule.cycles).keys()]);
    expect(r.analysis.cycles[0].from).toBe(first);
    expect(r.analysis.cycles.at(-1)!.to).toBeGreaterThan(lastDone);
    expect(r.analysis.combinations.reduce((a, x) => a + x.cycles, 0)).toBe(r.schedule.cycles);
    for (const a of r.analysis.anomalies) expect(a.activeFaults.length).toBeGreaterThan(0);
  });

  it("the alert checker read the lab's monitoring over the whole run and judged every injected fault's window", () => {
    const check = r.analysis.alerts;
    if (!check.ran) throw new Error(`the alert check did not run: ${check.reason}`);
    expect(check.from).toBeLessThan(r.toggles[0].preparedAt);
    expect(check.to).toBeGreaterThanOrEqual(Date.parse(r.endedAt));
    expect(check.windows.map((w) => w.fault).sort()).toEqual(r.analysis.faults.filter((f) => f.activeFrom !== undefined).map((f) => f.name).sort());
    // The killed primary of cycle 0 (seed 13) raises primary-crash's alerts; each is judged against a known bound.
    const kill = check.windows.find((w) => w.fault === "c0-0-kill")!;
    expect(kill.catalog).toBe("primary-crash");
    expect(kill.verdicts.map((v) => v.alert).sort()).toEqual(["PatroniLeaderChanged", "PostgresDown", "TargetDown"]);
    for (const v of kill.verdicts) expect(v.boundSeconds, v.alert).toBeGreaterThan(0);
    expect(check.episodes).toBeGreaterThan(0);
    expect(check.notifications).toBeGreaterThan(0);
  });
});
