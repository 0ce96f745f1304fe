import { describe, expect, it } from "vitest";
import { evaluateExpectation, evaluateExpectations, ExpectationSchema, summarizeVerdicts, type Expectation } from "../../../chaos/checkers/expectations";
import type { Journal } from "../../../chaos/checkers/journal";
import { computeMetrics, faultAnchors, METRIC_NAMES, type ExperimentMetrics } from "../../../chaos/checkers/metrics";
import { leaderChanges } from "../../../chaos/checkers/leaders";
import { percentile } from "../../../chaos/checkers/operations";
import { INDETERMINATE_ID, LOST_ID, syntheticJournal, T0, UNKNOWN_ID } from "../../helpers/synthetic-journal";

const noNaN = (m: ExperimentMetrics) => {
  for (const name of METRIC_NAMES) {
    const metric = m.scalars[name];
    expect(metric.how, name).not.toBe("");
    if (metric.value === null) expect(metric.reason, name).toBeTruthy();
    else expect(Number.isFinite(metric.value), name).toBe(true);
  }
};

describe("acknowledged writes against the final rows", () => {
  it("reports a planted lost acknowledged write, with its id and the node that acknowledged it", () => {
    const m = computeMetrics(syntheticJournal({ plantLostWrite: true }));
    expect(m.scalars.lostAckedWrites.value).toBe(1);
    expect(m.durability?.lost).toEqual([{ id: LOST_ID, ackAt: T0 - 86, server: "10.0.0.11" }]);
  });

  it("reports zero lost writes on a clean run", () => {
    const m = computeMetrics(syntheticJournal());
    expect(m.scalars.lostAckedWrites.value).toBe(0);
    expect(m.durability?.lost).toEqual([]);
    noNaN(m);
  });

  it("counts an errored write that landed as indeterminate-committed extra, never as lost", () => {
    const m = computeMetrics(syntheticJournal());
    expect(m.durability?.indeterminateCommitted).toEqual([{ id: INDETERMINATE_ID, error: "connection_reset" }]);
    expect(m.scalars.indeterminateCommittedWrites.value).toBe(1);
    expect(m.durability?.unknownRows).toEqual([UNKNOWN_ID]);
    expect(m.scalars.extraRows.value).toBe(2);
    expect(m.durability?.lost.map((l) => l.id)).not.toContain(INDETERMINATE_ID);
    // Absent, it is a clean failure: neither lost nor extra.
    const j = syntheticJournal();
    j.finalRowIds = j.finalRowIds.filter((id) => id !== INDETERMINATE_ID);
    const again = computeMetrics(j);
    expect(again.scalars.indeterminateCommittedWrites.value).toBe(0);
    expect(again.durability?.indeterminateAbsent).toBe(m.durability!.indeterminateAbsent + 1);
  });

  it("says why when the final rows were not read", () => {
    const j = syntheticJournal();
    j.finalReadFrom = "";
    j.finalRowIds = [];
    const m = computeMetrics(j);
    expect(m.scalars.lostAckedWrites).toMatchObject({ value: null, reason: "the final rows were not read after recovery" });
  });
});

describe("timing around the injection", () => {
  const m = computeMetrics(syntheticJournal());

  it("anchors on the fault's stamp, falls back to the action's start without one", () => {
    expect(m.anchors).toMatchObject({ injectionAt: T0, injectActionStartAt: T0 - 1000, recoveryEndAt: T0 + 11000 });
    const j = syntheticJournal();
    delete j.faults[0].injectedAt;
    j.faults = j.faults.filter((f) => f.action === "inject");
    expect(faultAnchors(j)).toMatchObject({ injectionAt: T0 - 1000, recoveryEndAt: null, injectionHow: expect.stringContaining("no stamp") });
  });

  it("detects at the first failed operation's error", () => {
    expect(m.scalars.timeToDetectSeconds.value).toBeCloseTo(0.12, 9);
    expect(m.firstFailure).toEqual({ at: T0 + 120, op: "write", error: "connection_reset" });
  });

  it("measures client write unavailability from the last ack before to the first ack after the failures", () => {
    expect(m.writeOutage).toMatchObject({ lastAckBeforeAt: T0 + 5, firstAckAfterAt: T0 + 8005, failedWrites: 79 });
    expect(m.scalars.writeUnavailabilitySeconds.value).toBeCloseTo(8, 9);
    expect(m.scalars.failedWriteWindowSeconds.value).toBeCloseTo(7.82, 9); // first failed send T0+100 → last error T0+7920
  });

  it("finds the new leader and ignores a stale observer's view of the old one", () => {
    expect(m.leaderBefore).toBe("pg1");
    expect(m.scalars.timeToNewLeaderSeconds.value).toBe(6);
    expect(m.patroniLeaderChanges).toEqual([{ at: T0 + 6000, from: "pg1", to: "pg2", epoch: 2 }]);
    expect(m.scalars.timelineChanges.value).toBe(1);
    expect(m.timelines.map((t) => [t.timeline, t.firstSeenAt - T0])).toEqual([[1, -10000], [2, 6000]]);
  });

  it("reports no leader change as null with a reason, not NaN", () => {
    const j = syntheticJournal();
    j.cluster = j.cluster.filter((s) => s.at < T0);
    const none = computeMetrics(j);
    expect(none.scalars.timeToNewLeaderSeconds).toMatchObject({ value: null, reason: expect.stringContaining("stayed pg1") });
    noNaN(none);
  });

  it("measures the lag peak and the catch-up after recovery", () => {
    expect(m.lagPeak).toEqual({ bytes: 1048576, member: "pg1", at: T0 + 11500 });
    expect(m.scalars.catchUpSeconds.value).toBe(3); // recover ended T0+11 s, pg1 at lag 0 and streaming at T0+14 s
    const lenient = computeMetrics(syntheticJournal(), { caughtUpLagBytes: 65536 });
    expect(lenient.scalars.catchUpSeconds.value).toBe(1.5); // streaming at 64 KiB from T0+12.5 s
  });

  it("times alert firing and delivery from the injection", () => {
    expect(m.scalars.firstAlertFiredSeconds.value).toBe(7);
    expect(m.scalars.firstAlertDeliveredSeconds.value).toBe(9.5);
    expect(m.alerts[0].deliveryDelaySeconds).toBe(2.5);
  });

  it("counts etcd leader changes by raft term, ignoring a member that lags behind", () => {
    expect(m.scalars.etcdLeaderChanges.value).toBe(0);
    const j = syntheticJournal();
    j.etcd.push({ at: T0 + 6000, member: "etcd2", ok: true, leader: "etcd2", raftTerm: 3 }, { at: T0 + 6500, member: "etcd3", ok: true, leader: "etcd1", raftTerm: 2 });
    expect(computeMetrics(j).etcdLeaderChanges).toEqual([{ at: T0 + 6000, from: "etcd1", to: "etcd2", epoch: 3 }]);
  });

  it("lists HAProxy server state changes, not its initial states", () => {
    expect(m.haproxyTransitions).toEqual([
      { at: T0 + 1500, server: "primary/pg1", from: "UP", to: "DOWN" },
      { at: T0 + 7500, server: "primary/pg2", from: "DOWN", to: "UP" },
    ]);
  });

  it("counts a real change back to an old leader on a new epoch", () => {
    const obs = [{ at: 1, leader: "a", epoch: 1 }, { at: 2, leader: "b", epoch: 2 }, { at: 3, leader: "a", epoch: 1 }, { at: 4, leader: "a", epoch: 3 }];
    expect(leaderChanges(obs).changes.map((c) => `${c.from}->${c.to}`)).toEqual(["a->b", "b->a"]);
  });

  it("counts the same leader on a newer epoch as a re-election (etcd-slow: 50 failed elections, etcd1 term 2 → 52)", () => {
    const etcd = [{ at: 1, leader: "etcd1", epoch: 2 }, { at: 2, leader: "etcd1", epoch: 2 }, { at: 80, leader: "etcd1", epoch: 52 }];
    expect(leaderChanges(etcd).changes).toEqual([{ at: 80, from: "etcd1", to: "etcd1", epoch: 52 }]);
    // Patroni: pg3 demoted (DCS unreachable) and promoted again on a new timeline: a false failover onto itself.
    const patroni = [{ at: 1, leader: "pg3", epoch: 2 }, { at: 75, leader: "pg3", epoch: 2 }, { at: 79, leader: "pg3", epoch: 3 }];
    expect(leaderChanges(patroni).changes.map((c) => `${c.from}->${c.to}@${c.epoch}`)).toEqual(["pg3->pg3@3"]);
  });

  it("does not count a takeover twice when the new leader shows first on the old timeline", () => {
    // split-brain-minority: /cluster listed pg3 as leader on timeline 1, its promotion finished on 2 a second later.
    const obs = [{ at: 1, leader: "pg2", epoch: 1 }, { at: 2, leader: "pg3", epoch: 1 }, { at: 3, leader: "pg3", epoch: 2 }, { at: 4, leader: "pg2", epoch: 1 }];
    expect(leaderChanges(obs).changes.map((c) => `${c.from}->${c.to}@${c.epoch}`)).toEqual(["pg2->pg3@1"]);
    // ... but a later demotion and re-promotion of that leader counts.
    expect(leaderChanges([...obs, { at: 60, leader: "pg3", epoch: 3 }]).changes.map((c) => `${c.from}->${c.to}@${c.epoch}`)).toEqual(["pg2->pg3@1", "pg3->pg3@3"]);
  });
});

describe("errors, throughput and latency", () => {
  const m = computeMetrics(syntheticJournal());

  it("counts errors by class for writes and reads", () => {
    expect(m.errorsByClass).toEqual({ connection_reset: { writes: 5, reads: 9 }, connect_refused: { writes: 74, reads: 0 } });
    expect(m.scalars.failedWrites.value).toBe(79);
    expect(m.scalars.failedReads.value).toBe(9);
  });

  it("takes nearest-rank percentiles", () => {
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
    expect([50, 95, 99, 100].map((p) => percentile(hundred, p))).toEqual([50, 95, 99, 100]);
    expect([50, 99].map((p) => percentile([10, 20, 30], p))).toEqual([20, 30]);
    expect(percentile([], 50)).toBeNull();
  });

  it("gives throughput and percentiles per phase, by send time", () => {
    const before = m.phases.find((p) => p.phase === "steady-before")!;
    // 90 writes over 9 s, latencies 5..14 ms nine times each.
    expect(before.writes).toEqual({ sent: 90, ok: 90, failed: 0, okPerSecond: 10, p50Ms: 9, p95Ms: 14, p99Ms: 14 });
    const fault = m.phases.find((p) => p.phase === "fault")!;
    expect(fault.writes).toMatchObject({ sent: 110, ok: 31, failed: 79 });
    expect(m.scalars.faultWriteOpsPerSecond.value).toBeCloseTo(31 / 11, 9);
    expect(fault.reads).toMatchObject({ ok: 46, failed: 9, p99Ms: 2 });
  });
});

describe("edge cases", () => {
  it("a run without failures or faults gives nulls with reasons", () => {
    const j = syntheticJournal();
    j.writes = j.writes.filter((w) => !w.error);
    j.reads = j.reads.filter((r) => r.ok);
    j.faults = [];
    j.alerts = [];
    const m = computeMetrics(j);
    expect(m.scalars.timeToDetectSeconds).toMatchObject({ value: null, reason: "no fault was injected in this run" });
    expect(m.scalars.writeUnavailabilitySeconds).toMatchObject({ value: null, reason: "no write failed after the injection" });
    expect(m.scalars.failedWrites.value).toBe(0);
    noNaN(m);
  });

  it("an empty journal computes without throwing", () => {
    const empty: Journal = {
      experiment: { id: "x", title: "x", description: "" }, startedAt: 0, endedAt: 0, phases: [], writes: [], reads: [], cluster: [], etcd: [],
      haproxy: [], faults: [], logs: [], alerts: [], finalRowIds: [], finalReadFrom: "", hypothesis: { before: [], after: [] }, notes: [],
    };
    noNaN(computeMetrics(empty));
  });

  it("writes that never came back after the failures leave unavailability unmeasured, with the reason", () => {
    const j = syntheticJournal();
    j.writes = j.writes.filter((w) => w.sentAt < T0 + 8000);
    expect(computeMetrics(j).scalars.writeUnavailabilitySeconds.reason).toMatch(/no write was acknowledged after the last failure/);
  });
});

describe("expectations", () => {
  const m = computeMetrics(syntheticJournal({ plantLostWrite: true }));

  it("validates declared expectations with zod", () => {
    expect(ExpectationSchema.parse({ metric: "lostAckedWrites", op: "==", value: 0 })).toEqual({ metric: "lostAckedWrites", op: "==", value: 0 });
    expect(ExpectationSchema.safeParse({ metric: "noSuchMetric", op: "==", value: 0 }).success).toBe(false);
    expect(ExpectationSchema.safeParse({ metric: "lostAckedWrites", op: "=~", value: 0 }).success).toBe(false);
    expect(ExpectationSchema.safeParse({ metric: "lostAckedWrites", op: "==", value: 0, extra: 1 }).success).toBe(false);
    expect(ExpectationSchema.safeParse({ metric: "lostAckedWrites", op: "==", value: Infinity }).success).toBe(false);
  });

  it("says held or violated, and by how much", () => {
    const e = (x: Expectation) => evaluateExpectation(m, x);
    expect(e({ metric: "lostAckedWrites", op: "==", value: 0 })).toMatchObject({ status: "violated", held: false, difference: 1, text: "off by 1" });
    expect(e({ metric: "timeToNewLeaderSeconds", op: "<=", value: 15 })).toMatchObject({ status: "held", difference: -9, text: "9 s (60 %) under the bound" });
    expect(e({ metric: "writeUnavailabilitySeconds", op: "<=", value: 5 })).toMatchObject({ status: "violated", text: "3 s (60 %) over the bound" });
    expect(e({ metric: "timeToNewLeaderSeconds", op: "<", value: 6 })).toMatchObject({ status: "violated", text: "at the bound (strict comparison)" });
    expect(e({ metric: "catchUpSeconds", op: ">=", value: 5 })).toMatchObject({ status: "violated", text: "2 s (40 %) under the bound" });
  });

  it("treats an unmeasured metric as violated unless the expectation accepts it", () => {
    const j = syntheticJournal();
    j.cluster = j.cluster.filter((s) => s.at < T0);
    const none = computeMetrics(j);
    expect(evaluateExpectation(none, { metric: "timeToNewLeaderSeconds", op: "<=", value: 15 })).toMatchObject({ status: "not measured", held: false, text: expect.stringContaining("stayed pg1") });
    expect(evaluateExpectation(none, { metric: "timeToNewLeaderSeconds", op: "<=", value: 15, ifNotMeasured: "held" })).toMatchObject({ status: "not measured", held: true });
  });

  it("summarizes verdicts", () => {
    const verdicts = evaluateExpectations(m, syntheticJournal().experiment.expected!.assertions);
    expect(summarizeVerdicts(verdicts)).toMatchObject({ held: 2, violated: 2, notMeasured: 0, pass: false, text: "FAIL: 2/4 held, 2 violated" });
    expect(summarizeVerdicts([]).text).toBe("no expectations");
  });
});
