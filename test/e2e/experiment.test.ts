import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { computeMetrics } from "../../chaos/checkers/metrics";
import type { Journal } from "../../chaos/checkers/journal";
import { must, requireEngineAndDocker, TestStack } from "../helpers/engine";

// One short experiment (primary stop) from the CLI against a real lab, through the real engine.
// Below the ephemeral range (Pulumi's gRPC servers bind there), and its own monitoring ports.
const PORTS = { readWrite: 22432, readOnly: 22433, haproxyStats: 22404, postgresBase: 22441, patroniRestBase: 22009, etcdClientBase: 22380 };
const MONITORING = { "monitoring.ports.prometheus": 22090, "monitoring.ports.alertmanager": 22093, "monitoring.ports.receiver": 22094 };

describe("experiment runner: primary-stop from the CLI", () => {
  let lab: TestStack;
  let chaos: TestStack | undefined;
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "pgchaos-reports-"));
  let journal: Journal;
  let cliOutput: string;

  beforeAll(() => {
    requireEngineAndDocker();
    lab = TestStack.create("e2e-exp", Object.fromEntries([...Object.entries(PORTS).map(([k, v]) => [`pgchaos:ports.${k}`, String(v)]), ...Object.entries(MONITORING).map(([k, v]) => [`pgchaos:${k}`, String(v)])]));
    lab.up();
    cliOutput = must("npx", ["tsx", "cli/main.ts", "run", "primary-stop", "--lab-stack", lab.name, "--out", out], { timeoutMs: 600_000 });
    chaos = new TestStack(`${lab.name}-chaos`);
    journal = JSON.parse(fs.readFileSync(path.join(out, "primary-stop", "journal.json"), "utf8"));
  }, 900_000);

  afterAll(() => {
    chaos?.dispose();
    lab?.dispose();
    for (const f of [`Pulumi.${lab?.name}.yaml`, `Pulumi.${lab?.name}-chaos.yaml`]) fs.rmSync(f, { force: true });
  }, 600_000);

  it("shows progress, injects through the chaos stack and always recovers", () => {
    expect(cliOutput).toMatch(/hypothesis before: holds/);
    expect(cliOutput).toMatch(/inject stop-primary \(node-stop\) via pulumi up -s e2e-exp-.*-chaos/);
    expect(journal.faults.map((f) => f.action)).toEqual(["inject", "recover"]);
    const state = chaos!.pulumi(["stack", "export"]);
    expect(state).not.toContain("stop-primary-fault"); // recovered: no fault resource left
  });

  it("measures a failover time within 1 s of the promotion in Patroni's own log", () => {
    const m = computeMetrics(journal);
    const leaderSeen = m.anchors.injectionAt! + m.scalars.timeToNewLeaderSeconds.value! * 1000;
    const promotion = journal.logs.find((l) => /promoted self to leader|acquired session lock as a leader/.test(l.text));
    expect(promotion, "Patroni logged its promotion").toBeDefined();
    console.log(`[experiment] leader change seen ${new Date(leaderSeen).toISOString()}, Patroni log ${new Date(promotion!.at).toISOString()} (${promotion!.member})`);
    expect(Math.abs(leaderSeen - promotion!.at)).toBeLessThan(1000);
  });

  it("loses no acknowledged write (asynchronous replication, graceful stop)", () => {
    const m = computeMetrics(journal);
    const acked = journal.writes.filter((w) => w.ackAt).length;
    console.log(`[experiment] ${acked} acknowledged writes, lost ${m.scalars.lostAckedWrites.value}, write unavailability ${m.scalars.writeUnavailabilitySeconds.value} s`);
    expect(acked).toBeGreaterThan(1000);
    expect(m.scalars.lostAckedWrites.value).toBe(0);
  });

  it("writes a report in the four sections with charts, and an index", () => {
    const report = fs.readFileSync(path.join(out, "primary-stop", "report.md"), "utf8");
    for (const h of ["## 1. Description and steps", "## 2. Expected behaviour", "## 3. Actual results", "## 4. Analysis"]) expect(report).toContain(h);
    const svgs = fs.readdirSync(path.join(out, "primary-stop")).filter((f) => f.endsWith(".svg"));
    expect(svgs.length).toBeGreaterThanOrEqual(2);
    for (const s of svgs) expect(report).toContain(s);
    expect(fs.readFileSync(path.join(out, "index.md"), "utf8")).toContain("primary-stop/report.md");
  });
});
