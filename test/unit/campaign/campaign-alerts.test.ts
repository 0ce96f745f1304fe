import { describe, expect, it } from "vitest";
import type { AlertData } from "../../../chaos/campaign/alert-data";
import { storedNotifications } from "../../../chaos/campaign/alert-data";
import { alertEpisodes } from "../../../chaos/campaign/alert-check";
import { shapeOf, windowExpectation } from "../../../chaos/campaign/alert-expectations";
import { alertSection, alertSummaryLine } from "../../../chaos/campaign/alert-report";
import { analyzeCampaign } from "../../../chaos/campaign/analysis";
import { campaignSchema } from "../../../chaos/campaign/definition";
import type { CampaignRun } from "../../../chaos/campaign/execute";
import { planCampaign } from "../../../chaos/campaign/plan";
import { catalogExpectations } from "../../../chaos/campaign/reanalyze";
import type { Journal, WriteEvent } from "../../../chaos/checkers/journal";
import type { MatrixSeries, Notification } from "../../../components/monitoring/alerts";

// One cycle: the primary pg1 killed (acting at +0.7 s, recovery from +30 s), pg2 leader from +13 s. The catalog's
// primary-crash expects PatroniLeaderChanged, PostgresDown and TargetDown; each verdict is planted in the synthetic
// ALERTS samples and receiver notifications of a test.
const T0 = 1_800_000_000_000;
const S = 1000;
const campaign = campaignSchema.parse({
  id: "alerts", title: "alert windows", seed: 1, durationSeconds: 40, maxConcurrent: 1, period: { onSeconds: 30, offSeconds: 30 },
  faults: [{ kind: "node-stop", mode: "kill", targets: ["primary"] }], bounds: { writeUnavailabilitySeconds: 60 },
});
const schedule = planCampaign(campaign);
const fault = schedule.faults[0];
const catalog = catalogExpectations();
// Bounds: PostgresDown and TargetDown 2×2 + 2×2 + for 4 + group_wait 1 = 13 s; PatroniLeaderChanged (for 2) 11 s.
const settings = { scrapeIntervalSeconds: 2, evaluationIntervalSeconds: 2, groupWaitSeconds: 1, alertFor: { PostgresDown: 4, TargetDown: 4, PatroniLeaderChanged: 2, PatroniReplicationLagHigh: 10 } };

function journal(recoverAt: number): Journal {
  const writes: WriteEvent[] = [];
  for (let t = T0 - 10 * S; t < T0 + 90 * S; t += 200) writes.push({ id: `w${t}`, writer: 0, sentAt: t, ackAt: t + 5, server: "pg2" });
  const cluster = [];
  for (let t = T0 - 10 * S; t < T0 + 90 * S; t += S) {
    const leader = t < T0 + 13 * S ? "pg1" : "pg2";
    cluster.push({ at: t, observer: "pg3", ok: true, members: ["pg1", "pg2", "pg3"].map((name) => (name === leader ? { name, role: "leader", state: "running", timeline: leader === "pg1" ? 1 : 2 } : { name, role: "replica", state: "streaming", lagBytes: 0 })) });
  }
  return {
    experiment: { id: "alerts", title: "t", description: "t", steps: [], expected: { prose: "x", assertions: [] }, expectedAlerts: [], failoverExpected: false },
    target: "synthetic", startedAt: T0 - 10 * S, endedAt: T0 + 95 * S,
    phases: [{ name: "steady-before", start: T0 - 10 * S, end: T0 }, { name: "steady-after", start: T0 + 60 * S, end: T0 + 90 * S }],
    writes, reads: [], cluster, etcd: [], haproxy: [], logs: [], alerts: [],
    faults: [
      { startedAt: T0, endedAt: T0 + S, action: "inject", fault: fault.name, kind: "node-stop", targets: ["pg1"], injectedAt: [T0 + 700] },
      { startedAt: recoverAt, endedAt: recoverAt + S, action: "recover", fault: fault.name, kind: "node-stop", targets: ["pg1"] },
    ],
    finalRowIds: writes.map((w) => w.id), finalReadFrom: "pg2",
    hypothesis: { before: [{ name: "one leader", ok: true, detail: "" }], after: [{ name: "one leader", ok: true, detail: "" }] }, notes: [],
  } as unknown as Journal;
}

const run = (recoverAt: number): Pick<CampaignRun, "campaign" | "schedule" | "toggles" | "journal"> => ({
  campaign, schedule, journal: journal(recoverAt),
  toggles: [
    { index: 0, action: "inject", plannedSeconds: 0, plannedAt: T0, preparedAt: T0, faults: [{ name: fault.name, selector: "primary", members: ["pg1"] }] },
    { index: 1, action: "recover", plannedSeconds: 30, plannedAt: recoverAt, preparedAt: recoverAt, faults: [{ name: fault.name, selector: "primary", members: ["pg1"] }] },
  ],
});

/** Firing samples every 2 s over [from, to] (seconds after T0). */
const firing = (labels: Record<string, string>, from: number, to: number): MatrixSeries => {
  const values: Array<[number, string]> = [];
  for (let t = from; t <= to; t += 2) values.push([(T0 + t * S) / 1000, "1"]);
  return { metric: { alertstate: "firing", ...labels }, values };
};
let nextId = 1;
const note = (alertname: string, labels: Record<string, string>, status: "firing" | "resolved", at: number): Notification => ({
  id: nextId++, alertname, status, labels: { alertname, ...labels }, annotations: {}, startsAt: null, startsAtMs: null, endsAt: null, receivedAt: new Date(T0 + at * S).toISOString(), receivedAtMs: T0 + at * S,
});

function data(series: MatrixSeries[], notifications: Notification[]): AlertData {
  return { readAt: T0 + 3600 * S, afterTheRun: true, prometheus: "http://p", receiver: "http://r", from: T0 - 130 * S, to: T0 + 95 * S, settings, series, notifications };
}

describe("campaign alert checker", () => {
  it("judges each expected alert of a window with the experiments' bound: on time, late, fired but never delivered; lists alerts no fault explains", () => {
    const d = data([
      firing({ alertname: "PostgresDown", member: "pg1", role: "patroni" }, 6, 34),
      firing({ alertname: "TargetDown", member: "pg1", job: "postgres", role: "patroni" }, 6, 34),
      firing({ alertname: "PatroniLeaderChanged", member: "pg2", role: "patroni" }, 15, 75),
      firing({ alertname: "PostgresDown", member: "pg3", role: "patroni" }, 40, 44), // while healing: explained
      firing({ alertname: "TargetDown", member: "alertmanager", job: "alertmanager", role: "monitoring" }, 10, 40), // no fault touched it
      firing({ alertname: "PatroniReplicationLagHigh", member: "pg3", role: "patroni" }, 80, 86), // healed long before
    ], [note("PostgresDown", { member: "pg1" }, "firing", 7.5), note("TargetDown", { member: "pg1", job: "postgres" }, "firing", 20)]);
    const a = analyzeCampaign(run(T0 + 30 * S), { data: d, catalog });
    if (!a.alerts.ran) throw new Error("the check should have run");
    const w = a.alerts.windows[0];
    expect(w).toMatchObject({ fault: fault.name, catalog: "primary-crash", from: T0 + 700, to: T0 + 30 * S });
    const byAlert = Object.fromEntries(w.verdicts.map((v) => [v.alert, v]));
    expect(byAlert.PostgresDown).toMatchObject({ status: "on time", boundSeconds: 13, expectedLabels: { member: "pg1" } });
    expect(byAlert.PostgresDown.deliveredAfterSeconds).toBeCloseTo(6.8, 5);
    expect(byAlert.TargetDown).toMatchObject({ status: "late", boundSeconds: 13 });
    expect(byAlert.TargetDown.deliveredAfterSeconds).toBeCloseTo(19.3, 5);
    expect(byAlert.PatroniLeaderChanged).toMatchObject({ status: "missing", conditionAt: T0 + 13 * S, boundSeconds: 11 });
    expect(a.alerts.unexplained.map((u) => [u.alert, u.labels.member])).toEqual([["TargetDown", "alertmanager"], ["PatroniReplicationLagHigh", "pg3"]]);
    // Missing and late alerts are anomalies; alerts no fault explains are listed beside them, not counted.
    expect(a.anomalies.map((x) => x.type)).toEqual(["alert-late", "alert-missing"]);
    expect(a.anomalies.find((x) => x.type === "alert-missing")).toMatchObject({ activeFaults: [`${fault.name} (kill primary→pg1)`], cycle: 0 });
    expect(a.status).toBe("FAIL");
    const text = alertSection(a.alerts, T0).join("\n");
    expect(text).toMatch(/\*\*MISSING\*\*[\s\S]*Alerts no fault explains[\s\S]*\| TargetDown \| member=alertmanager,job=alertmanager,role=monitoring \| 1 \| 10\.0 s \| 30\.0 s \| about monitoring member alertmanager/);
    expect(alertSummaryLine(a.alerts)).toMatch(/3 fault windows|1 fault windows/);
  });

  it("a window shorter than an alert's bound is too short to judge, never missing; a condition after the window never began in it", () => {
    const a = analyzeCampaign(run(T0 + 8 * S), { data: data([], []), catalog });
    if (!a.alerts.ran) throw new Error("the check should have run");
    expect(a.alerts.windows[0].verdicts.map((v) => [v.alert, v.status]).sort()).toEqual([
      ["PatroniLeaderChanged", "condition never began"], ["PostgresDown", "too short to judge"], ["TargetDown", "too short to judge"],
    ]);
    expect(a.anomalies.filter((x) => x.type.startsWith("alert"))).toEqual([]);
    // The same empty data over a 29 s window: the alerts are missing.
    const long = analyzeCampaign(run(T0 + 30 * S), { data: data([], []), catalog });
    expect(long.anomalies.filter((x) => x.type === "alert-missing").length).toBe(3);
  });

  it("without monitoring data the check did not run, and the report says so instead of 'no alert missing'", () => {
    for (const d of [undefined, { unavailable: "monitoring unreachable: connect ECONNREFUSED", readAt: T0 }]) {
      const a = analyzeCampaign(run(T0 + 30 * S), { data: d, catalog });
      expect(a.alerts.ran).toBe(false);
      expect(a.anomalies.filter((x) => x.type.includes("alert"))).toEqual([]);
      const text = alertSection(a.alerts, T0).join("\n");
      expect(text).toContain("**The alert check did not run**");
      expect(text).not.toMatch(/on time|missing/i);
    }
    expect(analyzeCampaign(run(T0 + 30 * S), { data: { unavailable: "monitoring unreachable: x", readAt: T0 }, catalog }).alerts).toMatchObject({ ran: false, reason: "monitoring unreachable: x" });
  });

  it("an episode already firing when the window opened is not judged as this window's", () => {
    const a = analyzeCampaign(run(T0 + 30 * S), { data: data([firing({ alertname: "PostgresDown", member: "pg1" }, -40, 20)], []), catalog });
    if (!a.alerts.ran) throw new Error("ran");
    expect(a.alerts.windows[0].verdicts.find((v) => v.alert === "PostgresDown")!.status).toBe("already firing");
  });
});

describe("which alerts a fault window expects (from the catalog)", () => {
  const spec = (raw: Record<string, unknown>) => ({ name: "f", durationSeconds: 60, ...raw }) as never;
  it("maps each fault shape to the catalog experiment of the same shape, per member where the alert is about one", () => {
    expect(windowExpectation(spec({ kind: "node-stop", mode: "kill", target: "pg2" }), "replica", ["pg2"], "f", catalog)).toMatchObject({
      catalog: "primary-crash", alerts: [{ alert: "PostgresDown", labels: { member: "pg2" } }, { alert: "TargetDown", labels: { member: "pg2" } }],
    });
    expect(windowExpectation(spec({ kind: "etcd-outage", variant: "stop", members: ["etcd1"] }), "etcd", ["etcd1"], "f", catalog).alerts.map((x) => [x.alert, x.labels])).toEqual([["TargetDown", { member: "etcd1" }], ["EtcdMembersBelowQuorumSafe", {}]]);
    expect(windowExpectation(spec({ kind: "loss", percent: 30, target: "pg1" }), "primary", ["pg1"], "f", catalog)).toMatchObject({ catalog: "loss-primary", alerts: [] });
    expect(shapeOf(spec({ kind: "partition", groupA: ["pg2"] }), "replica", 1).catalog).toBeUndefined();
  });
});

describe("alert data helpers", () => {
  it("splits a series into episodes at gaps longer than three evaluations", () => {
    const s = firing({ alertname: "X", member: "a" }, 0, 10);
    s.values.push(...firing({}, 30, 34).values);
    expect(alertEpisodes([s], 6000).map((e) => [(e.start - T0) / S, (e.end - T0) / S])).toEqual([[0, 10], [30, 34]]);
  });

  it("pages through the receiver's store when a run has more notifications than one answer holds", async () => {
    const all = Array.from({ length: 10_003 }, (_, i) => ({ ...note("A", {}, "firing", i / 100), id: i + 1 }));
    const fake = (async (url: string) => {
      const since = Number(new URL(url).searchParams.get("since_ms"));
      return new Response(JSON.stringify({ notifications: all.filter((n) => n.receivedAtMs >= since).slice(0, 10_000) }));
    }) as unknown as typeof fetch;
    const got = await storedNotifications("http://r", { from: T0, to: T0 + 200 * S }, fake);
    expect(got.length).toBe(10_003);
    expect(new Set(got.map((n) => n.id)).size).toBe(10_003);
  });
});
