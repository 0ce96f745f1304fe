import { describe, expect, it } from "vitest";
import { analyzeCampaign, longestNoAck } from "../../../chaos/campaign/analysis";
import { campaignSchema } from "../../../chaos/campaign/definition";
import type { CampaignRun } from "../../../chaos/campaign/execute";
import { planCampaign } from "../../../chaos/campaign/plan";
import type { Journal, WriteEvent } from "../../../chaos/checkers/journal";
import type { PrimaryProbeSample } from "../../../chaos/checkers/single-primary";

// A synthetic campaign of one cycle (a kill of the primary pg1, 0–30 s) whose journal carries what the
// checkers must find: one acknowledged write missing from the final primary, two writable primaries for 2 s.
const T0 = 1_800_000_000_000;
const campaign = campaignSchema.parse({
  id: "planted", title: "planted anomalies", seed: 1, durationSeconds: 40, maxConcurrent: 1, period: { onSeconds: 30, offSeconds: 30 },
  faults: [{ kind: "node-stop", mode: "kill", targets: ["primary"] }], bounds: { writeUnavailabilitySeconds: 10 },
});
const schedule = planCampaign(campaign);
const fault = schedule.faults[0];

function journal(plant: boolean): Journal {
  const writes: WriteEvent[] = [];
  for (let t = T0 - 10_000; t < T0 + 90_000; t += 100) {
    const down = t >= T0 + 1000 && t < T0 + 13_000;
    writes.push({ id: `w${t}`, writer: 0, sentAt: t, ...(down ? { error: "connect_refused" as const, doneAt: t + 5 } : { ackAt: t + 5, server: t < T0 + 1000 ? "pg1" : "pg2" }) });
  }
  const lost = plant ? new Set([`w${T0 + 500}`]) : new Set<string>();
  const probes: PrimaryProbeSample[] = [];
  for (let t = T0 - 10_000; t < T0 + 90_000; t += 500) {
    const pg1Writable = t < T0 + 1000 || (plant && t >= T0 + 20_000 && t <= T0 + 22_000);
    probes.push({ at: t, node: "pg1", inRecovery: !pg1Writable, writeOk: pg1Writable }, { at: t, node: "pg2", inRecovery: t < T0 + 13_000, writeOk: t >= T0 + 13_000 });
  }
  const cluster = [];
  for (let t = T0 - 10_000; t < T0 + 90_000; t += 1000) cluster.push({ at: t, observer: "pg2", ok: true, members: [{ name: "pg1", role: "replica", state: "streaming", lagBytes: 0 }, { name: "pg2", role: "leader", state: "running" }, { name: "pg3", role: "replica", state: "streaming", lagBytes: 0 }] });
  return {
    experiment: { id: "planted", title: "t", description: "t", steps: [], expected: { prose: "x", assertions: [] }, expectedAlerts: [], failoverExpected: false },
    target: "synthetic", startedAt: T0 - 10_000, endedAt: T0 + 95_000,
    phases: [{ name: "steady-before", start: T0 - 10_000, end: T0 }, { name: "fault", start: T0, end: T0 + 31_000 }, { name: "steady-after", start: T0 + 60_000, end: T0 + 90_000 }],
    writes, reads: [], cluster, etcd: [], haproxy: [], logs: [], alerts: [],
    faults: [
      { startedAt: T0, endedAt: T0 + 1000, action: "inject", fault: fault.name, kind: "node-stop", targets: ["pg1"], injectedAt: [T0 + 700] },
      { startedAt: T0 + 30_000, endedAt: T0 + 31_000, action: "recover", fault: fault.name, kind: "node-stop", targets: ["pg1"] },
    ],
    finalRowIds: writes.filter((w) => w.ackAt !== undefined && !lost.has(w.id)).map((w) => w.id), finalReadFrom: "pg2",
    primaryProbes: probes, hypothesis: { before: [{ name: "one leader", ok: true, detail: "" }], after: [{ name: "one leader", ok: true, detail: "" }] }, notes: [],
  } as unknown as Journal;
}

const run = (plant: boolean): Pick<CampaignRun, "campaign" | "schedule" | "toggles" | "journal"> => ({
  campaign, schedule, journal: journal(plant),
  toggles: [
    { index: 0, action: "inject", plannedSeconds: 0, plannedAt: T0, preparedAt: T0, faults: [{ name: fault.name, selector: "primary", members: ["pg1"] }] },
    { index: 1, action: "recover", plannedSeconds: 30, plannedAt: T0 + 30_000, preparedAt: T0 + 30_000, faults: [{ name: fault.name, selector: "primary", members: ["pg1"] }] },
  ],
});

describe("campaign checkers", () => {
  it("find the planted lost write and the two writable primaries, each with the fault active at its moment", () => {
    const a = analyzeCampaign(run(true));
    expect(a.status).toBe("FAIL");
    expect(a.anomalies.map((x) => x.type)).toEqual(["unavailable", "lost-writes", "two-primaries"]);
    expect(a.anomalies[1]).toMatchObject({ numbers: { lostAckedWrites: 1 }, activeFaults: ["none"], cycle: 0 }); // acknowledged at +0.5 s, before the kill acted at +0.7 s
    expect(a.anomalies[2]).toMatchObject({ activeFaults: [`${fault.name} (kill primary→pg1)`], cycle: 0 });
    expect(a.cycles[0].longestNoAckSeconds).toBeCloseTo(12.1, 1);
    expect(a.combinations).toEqual([{ combination: "kill@primary", cycles: 1, worstUnavailabilitySeconds: a.cycles[0].longestNoAckSeconds, lostWrites: 1, twoPrimaryIntervals: 1, notCaughtUp: 0 }]);
  });

  it("the same history without the planted faults passes, save the unavailability above its bound", () => {
    const a = analyzeCampaign(run(false));
    expect(a.anomalies.map((x) => x.type)).toEqual(["unavailable"]);
    const relaxed = analyzeCampaign({ ...run(false), campaign: { ...campaign, bounds: { writeUnavailabilitySeconds: 20 } } });
    expect(relaxed.status).toBe("PASS");
    expect(relaxed.anomalies).toEqual([]);
  });

  it("a fault never recovered makes the run INVALID", () => {
    const r = run(false);
    r.journal.faults = r.journal.faults.filter((f) => f.action === "inject");
    expect(analyzeCampaign(r)).toMatchObject({ status: "INVALID", reasons: [`not recovered: ${fault.name}`] });
  });

  it("longest time without an acknowledgement counts the window's edges", () => {
    expect(longestNoAck([5, 6, 20], 0, 30)).toBe(14);
    expect(longestNoAck([], 0, 30)).toBe(30);
  });
});
