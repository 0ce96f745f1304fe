import { describe, expect, it } from "vitest";
import { alertBound, alertVerdicts } from "../../../chaos/checkers/alert-timing";
import { computeFindings } from "../../../chaos/checkers/findings";
import type { Journal, MonitoringSettings } from "../../../chaos/checkers/journal";
import { computeMetrics } from "../../../chaos/checkers/metrics";
import { averagingWindowSeconds, monitoringSettingsFrom, promDurationSeconds } from "../../../chaos/experiments/monitoring-settings";
import { exitCodeFor, runOutcome } from "../../../chaos/checkers/outcome";
import { syntheticJournal, T0 } from "../../helpers/synthetic-journal";

const SETTINGS: MonitoringSettings = { scrapeIntervalSeconds: 2, evaluationIntervalSeconds: 2, groupWaitSeconds: 1, alertFor: { PostgresDown: 4, PatroniLeaderChanged: 2, EtcdNoLeader: 4 } };

function journal(mutate: (j: Journal) => void = () => undefined, opts: { plantLostWrite?: boolean } = {}): Journal {
  const j = syntheticJournal(opts);
  j.monitoringSettings = SETTINGS;
  j.experiment.failoverExpected = true;
  mutate(j);
  return j;
}

const findingsOf = (j: Journal) => {
  const m = computeMetrics(j);
  return computeFindings(j, m, alertVerdicts(j, m, j.experiment.expectedAlerts ?? []));
};

describe("alert timing", () => {
  it("bounds an alert by the monitoring settings in effect and measures it from the moment its condition began", () => {
    expect(alertBound("PostgresDown", SETTINGS)).toEqual({ seconds: 2 * 2 + 2 * 2 + 4 + 1, how: "2 × scrape 2 s + 2 × evaluation 2 s + for 4 s + group_wait 1 s" });
    expect(alertBound("Nope", SETTINGS).seconds).toBeNull();
    expect(alertBound("PostgresDown", undefined).seconds).toBeNull();
    const j = journal((x) => {
      x.alerts = [
        { alert: "PostgresDown", labels: {}, firedAt: T0 + 7000, receivedAt: T0 + 9500 },
        // The leader change is seen at T0+6 s: delivered 9 s after it, inside its 11 s bound, though 15 s after the injection.
        { alert: "PatroniLeaderChanged", labels: {}, firedAt: T0 + 14000, receivedAt: T0 + 15000 },
        { alert: "EtcdNoLeader", labels: {}, firedAt: T0 + 3000 },
      ];
    });
    const m = computeMetrics(j);
    const [down, changed, etcd] = alertVerdicts(j, m, [
      { alert: "PostgresDown", from: { kind: "injection" } },
      { alert: "PatroniLeaderChanged", from: { kind: "leader-change" } },
      { alert: "EtcdNoLeader", from: { kind: "injection" } },
    ]);
    expect(down).toMatchObject({ status: "on time", deliveredAfterSeconds: 9.5, boundSeconds: 13, marginSeconds: 3.5 });
    expect(changed).toMatchObject({ status: "on time", conditionAt: T0 + 6000, deliveredAfterSeconds: 9, boundSeconds: 11 });
    expect(etcd.status).toBe("missing");
  });

  it("calls an alert late past its bound, not fired when Prometheus never fired it, and says when nothing was observed", () => {
    const j = journal((x) => {
      x.alerts = [{ alert: "PostgresDown", labels: {}, firedAt: T0 + 12000, receivedAt: T0 + 20000 }, { alert: "EtcdNoLeader", labels: {} }];
    });
    const m = computeMetrics(j);
    const v = alertVerdicts(j, m, [{ alert: "PostgresDown", from: { kind: "injection" } }, { alert: "EtcdNoLeader", from: { kind: "injection" } }, { alert: "PatroniLeaderChanged", from: { kind: "injection" } }]);
    expect(v.map((a) => a.status)).toEqual(["late", "not fired", "not observed"]);
    expect(v[0].marginSeconds).toBe(-7);
  });

  it("counts from a recovery's start, and calls an alert late only if it is late even from the recovery's end", () => {
    const j = journal((x) => {
      x.alerts = [{ alert: "PostgresDown", labels: {}, firedAt: T0 + 25000, receivedAt: T0 + 26000 }];
    });
    // The recover action ran T0+10 s → T0+11 s: 16 s from its start, 15 s from its end, bound 13 s.
    const [late] = alertVerdicts(j, computeMetrics(j), [{ alert: "PostgresDown", from: { kind: "recover", fault: "stop-primary" } }]);
    expect(late).toMatchObject({ status: "late", deliveredAfterSeconds: 16, marginSeconds: -2 });
    const k = journal((x) => { x.alerts = [{ alert: "PostgresDown", labels: {}, firedAt: T0 + 22000, receivedAt: T0 + 23500 }]; });
    const [ok] = alertVerdicts(k, computeMetrics(k), [{ alert: "PostgresDown", from: { kind: "recover", fault: "stop-primary" } }]);
    expect(ok).toMatchObject({ status: "on time", deliveredAfterSeconds: 13.5, marginSeconds: 0.5 });
  });

  it("measures an alert on the old primary's PostgreSQL from its demotion, not from the cut", () => {
    const j = journal((x) => {
      const w = x.writes.find((e) => e.error && e.sentAt >= T0 + 3000)!;
      w.error = "read_only";
      x.alerts = [{ alert: "PostgresDown", labels: {}, firedAt: w.doneAt! + 8000, receivedAt: w.doneAt! + 9000 }];
    });
    const m = computeMetrics(j);
    const [down] = alertVerdicts(j, m, [{ alert: "PostgresDown", from: { kind: "demotion" } }]);
    expect(down).toMatchObject({ status: "on time", deliveredAfterSeconds: 9 });
    expect(down.conditionHow).toMatch(/^the old primary's demotion \(first write refused \(read-only\)\)/);
    const [none] = alertVerdicts(journal(), computeMetrics(journal()), [{ alert: "PostgresDown", from: { kind: "demotion" } }]);
    expect(none.status).toBe("not observed");
  });

  it("reads the settings from Prometheus' and Alertmanager's own answers", () => {
    const rules = { data: { groups: [{ rules: [{ type: "alerting", name: "A", duration: 4 }, { type: "recording", name: "r" }, { type: "alerting", name: "B" }] }] } };
    expect(monitoringSettingsFrom("global:\n  scrape_interval: 2s\n  evaluation_interval: 1m30s\n", rules, "route:\n  receiver: x\n")).toEqual({
      scrapeIntervalSeconds: 2, evaluationIntervalSeconds: 90, groupWaitSeconds: 30, alertFor: { A: 4, B: 0 }, alertWindow: {},
    });
    expect(promDurationSeconds("500ms")).toBe(0.5);
    // A saturation averaged over 30 s must fill the window before the condition holds; a change is seen at once.
    expect(averagingWindowSeconds('(1 - avg by (member) (rate(node_cpu_seconds_total{job="node", mode="idle"}[30s]))) > 0.9')).toBe(30);
    expect(averagingWindowSeconds("max by (member) (rate(a[30s])) > 0.9 or max by (member) (rate(b[1m])) > 0.3")).toBe(60);
    expect(averagingWindowSeconds('(patroni_primary == 1) and changes(patroni_primary[1m]) > 0')).toBe(0);
    expect(averagingWindowSeconds("increase(etcd_server_leader_changes_seen_total[5m]) >= 3")).toBe(0);
    const withWindow = monitoringSettingsFrom("global: {scrape_interval: 2s, evaluation_interval: 2s}\n", { data: { groups: [{ rules: [{ type: "alerting", name: "Cpu", duration: 30, query: "rate(x[30s]) > 0.9" }] }] } }, "route: {group_wait: 1s}\n");
    expect(alertBound("Cpu", withWindow)).toEqual({ seconds: 4 + 4 + 30 + 30 + 1, how: "2 × scrape 2 s + 2 × evaluation 2 s + averaging window 30 s + for 30 s + group_wait 1 s" });
    expect(() => promDurationSeconds("2 s")).toThrow(/not a Prometheus duration/);
  });
});

describe("findings", () => {
  it("a run that lost an acknowledged write has a critical finding with the number, though its verdict is about something else", () => {
    const f = findingsOf(journal(() => undefined, { plantLostWrite: true }));
    const lost = f.find((x) => x.class === "lost-writes")!;
    expect(lost).toMatchObject({ severity: "critical", experiment: "primary-stop", numbers: { lostAckedWrites: 1 } });
    expect(lost.summary).toMatch(/^1 acknowledged write lost/);
    expect(findingsOf(journal()).some((x) => x.class === "lost-writes")).toBe(false);
  });

  it("write unavailability over the experiment's own bound is a finding; under it, none", () => {
    const over = findingsOf(journal()).find((x) => x.class === "write-unavailability")!;
    expect(over.numbers.boundSeconds).toBe(5);
    expect(over.numbers.writeUnavailabilitySeconds).toBeGreaterThan(5);
    const loose = journal((j) => { j.experiment.expected!.assertions = [{ metric: "writeUnavailabilitySeconds", op: "<=", value: 60 }]; });
    expect(findingsOf(loose).some((x) => x.class === "write-unavailability")).toBe(false);
  });

  it("a leader change where the method planned none is a false failover; the database failing with etcd is its own finding", () => {
    expect(findingsOf(journal()).some((x) => x.class === "false-failover")).toBe(false);
    const unplanned = findingsOf(journal((j) => { j.experiment.failoverExpected = false; }));
    expect(unplanned.find((x) => x.class === "false-failover")?.summary).toMatch(/pg1 → pg2/);
    const dcs = findingsOf(journal((j) => { for (const f of j.faults) f.kind = "etcd-outage"; }));
    expect(dcs.find((x) => x.class === "database-down-with-dcs")?.numbers.failedWrites).toBeGreaterThan(0);
  });

  it("an expected alert that never came, and one that came late, are findings naming the alert", () => {
    const j = journal((x) => {
      x.experiment.expectedAlerts = [{ alert: "PostgresDown", from: { kind: "injection" } }, { alert: "EtcdNoLeader", from: { kind: "injection" } }];
      x.alerts = [{ alert: "PostgresDown", labels: {}, firedAt: T0 + 12000, receivedAt: T0 + 20000 }, { alert: "EtcdNoLeader", labels: {} }];
    });
    const f = findingsOf(j);
    expect(f.filter((x) => x.class.startsWith("alert-")).map((x) => [x.class, x.subject])).toEqual([["alert-late", "PostgresDown"], ["alert-missing", "EtcdNoLeader"]]);
  });

  it("a run aborted before any fault has no findings", () => {
    const j = journal((x) => { x.hypothesis.before[0].ok = false; }, { plantLostWrite: true });
    expect(findingsOf(j)).toEqual([]);
  });
});

describe("write recovery", () => {
  it("counts from the end of the recover action, so the tool's own toggle time is not the system's", () => {
    // Writes fail until T0+8 s; the synthetic recover action ends at T0+11 s: writes were back before it ended.
    expect(computeMetrics(journal()).scalars.writeRecoverySeconds.value).toBe(0);
    const early = journal((j) => { const r = j.faults.find((f) => f.action === "recover")!; r.startedAt = T0 + 5000; r.endedAt = T0 + 6000; });
    expect(computeMetrics(early).scalars.writeRecoverySeconds.value).toBeCloseTo(2.0, 1);
  });
});

describe("outcome and exit codes", () => {
  const outcome = (j: Journal) => runOutcome(j, computeMetrics(j)).status;
  it("tells PASS/FAIL from runs that prove nothing", () => {
    expect(outcome(journal())).toBe("FAIL"); // the synthetic journal's tight unavailability bound
    expect(outcome(journal((j) => { j.experiment.expected!.assertions = [{ metric: "lostAckedWrites", op: "==", value: 0 }]; }))).toBe("PASS");
    expect(outcome(journal((j) => { j.hypothesis.before[0].ok = false; }))).toBe("ABORTED");
    expect(outcome(journal((j) => { j.runnerError = "fault x: effect not achieved within 10 s"; }))).toBe("ERROR");
    const drifted = journal((j) => {
      j.faultWatch = { intervalMs: 2000, checks: 5, effectChecks: 0, maxGapMs: 2100, events: [{ fault: "stop-primary", status: "drifted", source: "mechanism", at: T0 + 3000, lastActiveAt: T0 + 1000, reason: "pg1: running" }] };
    });
    expect(outcome(drifted)).toBe("INVALID");
    expect(runOutcome(drifted, computeMetrics(drifted)).text).toMatch(/^INVALID: fault stop-primary stopped acting at 2026-11-25T14:00:03\.000Z/);
  });

  it("exits 3 when any run proves nothing, 1 when a hypothesis failed, and 1 for findings only when asked", () => {
    expect(exitCodeFor(["PASS", "FAIL", "ABORTED"])).toBe(3);
    expect(exitCodeFor(["PASS", "INVALID"])).toBe(3);
    expect(exitCodeFor(["PASS", "FAIL"])).toBe(1);
    expect(exitCodeFor(["PASS"], 2)).toBe(0);
    expect(exitCodeFor(["PASS"], 2, true)).toBe(1);
    expect(exitCodeFor(["PASS"], 0, true)).toBe(0);
  });
});

describe("workload deadline", () => {
  it("a query that never settles ends as a query timeout instead of hanging the run", async () => {
    const { withDeadline, classifyError } = await import("../../../chaos/experiments/workload");
    const started = Date.now();
    const err = await withDeadline(new Promise(() => undefined), 50).catch((e: Error) => e);
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    expect(classifyError(err)).toBe("query_timeout");
    await expect(withDeadline(Promise.resolve(7), 50)).resolves.toBe(7);
  });
});
