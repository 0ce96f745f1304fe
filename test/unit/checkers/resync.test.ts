import { describe, expect, it } from "vitest";
import { evaluateExpectations, ExpectationSchema } from "../../../chaos/checkers/expectations";
import type { Journal, LogLine } from "../../../chaos/checkers/journal";
import { computeMetrics } from "../../../chaos/checkers/metrics";
import { renderExperimentReport } from "../../../chaos/report/experiment";
import { renderComparison } from "../../../chaos/report/compare";
import {
  classifyResync, decideStuck, segmentStartBytes, slotNameOf, walGoneReason,
  type ReinitRecord, type ResyncInput, type ResyncSample,
} from "../../../chaos/checkers/resync";
import { parseResyncRow } from "../../../chaos/experiments/resync-sampler";
import { syntheticJournal, T0 } from "../../helpers/synthetic-journal";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadCatalog, type Experiment } from "../../../chaos/experiments/definition";
import type { ExperimentTarget } from "../../../chaos/experiments/target";
import { runGameDay } from "../../../chaos/gameday/gameday";

const MiB = 1048576;
const SEG = 16 * MiB;
/** Segment file name of an LSN (timeline 1, 16 MiB segments). */
const segName = (lsn: number) => {
  const segno = Math.floor(lsn / SEG);
  return `00000001${Math.floor(segno / 256).toString(16).toUpperCase().padStart(8, "0")}${(segno % 256).toString(16).toUpperCase().padStart(8, "0")}`;
};

/**
 * A primary pg1 and a replica pg2, sampled every second from T0−10 s to T0+120 s. The primary writes
 * 100 kB/s, plus a 200 MiB burst at T0+30 s. pg2 is isolated at T0 (its row stays 'streaming' until the
 * walsender times out at T0+20 s), the heal begins at T0+60 s. Options shape what happens to its slot,
 * the oldest WAL file and its return.
 */
interface Scenario {
  /** Slot pg2 on the primary: kept all along, dropped at the walsender timeout (recreated at the return), or never there. */
  slot: "kept" | "dropped" | "none";
  /** The oldest WAL file stays behind pg2's position (WAL kept), or moves past it after the burst's checkpoint. */
  walKept: boolean;
  /** When pg2 streams again (relative ms), with what replay lag; undefined: never. */
  returnsAt?: number;
  returnLagBytes?: number;
  slotLostAfterBurst?: boolean;
}

const ISOLATED = T0;
const HEAL = T0 + 60_000;
const POSITION = 5 * SEG + 123_456; // pg2's flush/replay position when isolated

function scenario(s: Scenario): ResyncSample[] {
  const out: ResyncSample[] = [];
  for (let t = -10_000; t <= 120_000; t += 1000) {
    const at = T0 + t;
    const current = POSITION + Math.max(0, t) * 100 + (t >= 30_000 ? 200 * MiB : 0);
    const replication: ResyncSample["replication"] = [{ name: "pg3", state: "streaming", sentLagBytes: 0, replayLagBytes: 0, flushLsnBytes: current }];
    if (t < 0) replication.push({ name: "pg2", state: "streaming", sentLagBytes: 0, replayLagBytes: 0, flushLsnBytes: current });
    else if (t < 20_000) replication.push({ name: "pg2", state: "streaming", sentLagBytes: current - POSITION, replayLagBytes: current - POSITION, flushLsnBytes: POSITION });
    else if (s.returnsAt !== undefined && t >= s.returnsAt) replication.push({ name: "pg2", state: "streaming", sentLagBytes: 0, replayLagBytes: s.returnLagBytes ?? 1000, flushLsnBytes: current - (s.returnLagBytes ?? 1000) });
    else if (s.returnsAt !== undefined && t >= s.returnsAt - 3000 && t >= 60_000) replication.push({ name: "pg2", state: "catchup", sentLagBytes: 50 * MiB, replayLagBytes: 60 * MiB, flushLsnBytes: current - 60 * MiB });
    const slots: ResyncSample["slots"] = [{ name: "pg3", type: "physical", active: true, walStatus: "reserved", restartLsnBytes: current, retainedBytes: 0 }];
    const slotThere = s.slot === "kept" || (s.slot === "dropped" && (t < 21_000 || (s.returnsAt !== undefined && t >= s.returnsAt - 3000)));
    if (slotThere) {
      const restart = s.slot === "dropped" && t >= 21_000 ? current : Math.min(POSITION, current);
      slots.push({ name: "pg2", type: "physical", active: t < 20_000, walStatus: s.slotLostAfterBurst && t >= 31_000 ? "lost" : current - restart > 64 * MiB ? "extended" : "reserved", restartLsnBytes: restart, retainedBytes: current - restart });
    }
    const oldest = s.walKept || t < 31_000 ? Math.min(POSITION, current) - (POSITION % SEG) : current - 20 * MiB;
    out.push({
      at, leader: "pg1", ok: true, currentLsnBytes: current, walSegmentBytes: SEG, oldestSegment: segName(oldest),
      walDirBytes: Math.max(32 * MiB, current - oldest + 16 * MiB), replication, slots,
    });
  }
  return out;
}

const input = (samples: ResyncSample[], extra: Partial<ResyncInput> = {}): ResyncInput => ({
  member: "pg2", isolatedAt: ISOLATED, healStartAt: HEAL - 20_000, healedAt: HEAL, samples, reinits: [], logs: [], caughtUpLagBytes: MiB, ...extra,
});
const reinitAt = (ms: number): ReinitRecord => ({ member: "pg2", requestedAt: T0 + ms, reason: "its WAL is gone", status: 200, response: "reinitialize started", streamingAt: T0 + ms + 5000 });
const goneLog: LogLine = { member: "pg2", at: HEAL + 2000, text: "FATAL:  could not receive data from WAL stream: ERROR:  requested WAL segment 000000010000000000000005 has already been removed" };

describe("WAL arithmetic", () => {
  it("maps segment file names to their start LSN and member names to Patroni's slot names", () => {
    expect(segmentStartBytes("000000010000000000000008", SEG)).toBe(0x8000000);
    expect(segmentStartBytes("0000000100000001000000FF", SEG)).toBe(0x1ff000000);
    expect(segmentStartBytes("00000002000000000000000A", 64 * MiB)).toBe(10 * 64 * MiB);
    expect(segmentStartBytes("00000001.history", SEG)).toBeUndefined();
    expect(slotNameOf("pg2")).toBe("pg2");
    expect(slotNameOf("db-1.example")).toBe("db_1_example");
    expect(slotNameOf("Pg#1")).toBe("pgu00351");
  });

  it("says the WAL is gone only when the slot is lost or the position is older than the oldest file", () => {
    const s = scenario({ slot: "none", walKept: false });
    const late = s.find((x) => x.at === T0 + 40_000)!;
    const early = s.find((x) => x.at === T0 + 10_000)!;
    expect(walGoneReason("pg2", late, POSITION)).toMatch(/needs WAL from 0\/50(1E240) but the oldest segment left on pg1 is/);
    expect(walGoneReason("pg2", early, POSITION)).toBeNull();
    expect(walGoneReason("pg2", late, undefined)).toBeNull();
    const lost = scenario({ slot: "kept", walKept: true, slotLostAfterBurst: true }).find((x) => x.at === T0 + 40_000)!;
    expect(walGoneReason("pg2", lost, POSITION)).toBe("its slot pg2 on pg1 has wal_status lost");
  });

  it("parses the sampler's row (numeric LSN differences arrive as numbers or strings)", () => {
    const s = parseResyncRow(1, "pg1", {
      current_lsn: 100, wal_dir_bytes: "33554432", oldest_segment: "000000010000000000000001", wal_segment_bytes: 16777216,
      replication: [{ name: "pg2", state: "streaming", sent: 0, replay: "12", flush: 88 }],
      slots: [{ name: "pg2", type: "physical", active: false, walStatus: "extended", restart: 10, retained: 90 }, { name: "x", type: "physical", active: false, walStatus: null, restart: null, retained: null }],
    });
    expect(s.walDirBytes).toBe(33554432);
    expect(s.replication[0]).toEqual({ name: "pg2", state: "streaming", sentLagBytes: 0, replayLagBytes: 12, flushLsnBytes: 88 });
    expect(s.slots[1]).toEqual({ name: "x", type: "physical", active: false, walStatus: null, restartLsnBytes: null, retainedBytes: null });
  });
});

describe("classifying how an isolated replica resynced", () => {
  it("slot: its slot stayed through the isolation, held the WAL, and it streamed again", () => {
    const v = classifyResync(input(scenario({ slot: "kept", walKept: true, returnsAt: 66_000 })));
    expect(v.method).toBe("slot");
    expect(v.caughtUpSeconds).toBe(6);
    expect(v.slotHeld).toBe(true);
    expect(v.peakRetained!.bytes).toBeGreaterThan(200 * MiB);
    expect(v.peakRetained!.walStatus).toBe("extended");
    expect(v.peakLag!.bytes).toBeGreaterThan(200 * MiB);
    expect(v.lag.some((p) => p.how === "carried")).toBe(true);
    expect(v.evidence.join(" ")).toMatch(/stayed on the primary through all 40 samples/);
  });

  it("streaming: its slot was dropped during the isolation and recreated on return — not slot", () => {
    const v = classifyResync(input(scenario({ slot: "dropped", walKept: true, returnsAt: 64_000 })));
    expect(v.method).toBe("streaming");
    expect(v.slotHeld).toBe(false);
    expect(v.evidence.join(" ")).toMatch(/was gone from the primary from .*wal_keep_size/);
  });

  it("streaming: never had a slot, the WAL was still there", () => {
    expect(classifyResync(input(scenario({ slot: "none", walKept: true, returnsAt: 63_000 }))).method).toBe("streaming");
  });

  it("reinit: the WAL was gone and it came back only after a reinitialize — never slot or streaming", () => {
    const v = classifyResync(input(scenario({ slot: "none", walKept: false, returnsAt: 100_000 }), { reinits: [reinitAt(92_000)], logs: [goneLog] }));
    expect(v.method).toBe("reinit");
    expect(v.caughtUpSeconds).toBe(40);
    expect(v.walGone.length).toBeGreaterThanOrEqual(2);
    expect(v.walGone.join(" ")).toMatch(/oldest segment left on the primary/);
    expect(v.walGone.join(" ")).toMatch(/requested WAL segment/);
    expect(v.reinit?.requestedAt).toBe(T0 + 92_000);
  });

  it("reinit: a lost slot is no slot resync", () => {
    const v = classifyResync(input(scenario({ slot: "kept", walKept: false, slotLostAfterBurst: true, returnsAt: 100_000 }), { reinits: [reinitAt(90_000)] }));
    expect(v.method).toBe("reinit");
    expect(v.slotHeld).toBe(false);
    expect(v.walGone[0]).toMatch(/wal_status lost/);
  });

  it("not-caught-up: WAL gone and nobody reinitialized it", () => {
    const v = classifyResync(input(scenario({ slot: "none", walKept: false }), { logs: [goneLog] }));
    expect(v.method).toBe("not-caught-up");
    expect(v.caughtUpAt).toBeNull();
    expect(v.evidence.join(" ")).toMatch(/WAL it needed was gone/);
  });

  it("not-caught-up: streaming again but never within the lag bound", () => {
    const v = classifyResync(input(scenario({ slot: "kept", walKept: true, returnsAt: 65_000, returnLagBytes: 5 * MiB })));
    expect(v.method).toBe("not-caught-up");
  });

  it("the rows still 'streaming' before the walsender timed out are not a catch-up", () => {
    // Heal declared right at the isolation: pg2's stale row (lag growing) must not count.
    const v = classifyResync(input(scenario({ slot: "kept", walKept: true }), { healStartAt: T0 + 5000, healedAt: T0 + 6000 }));
    expect(v.caughtUpAt).toBeNull();
  });

  it("inconclusive: caught up although its own log said the WAL was gone and no reinitialize was seen", () => {
    const v = classifyResync(input(scenario({ slot: "none", walKept: true, returnsAt: 70_000 }), { logs: [goneLog] }));
    expect(v.method).toBe("inconclusive");
  });

  it("a refused reinitialize (HTTP 503) is no reinit", () => {
    const refused = { ...reinitAt(92_000), status: 503, response: "Cluster has no leader, can not reinitialize" };
    const v = classifyResync(input(scenario({ slot: "none", walKept: false }), { reinits: [refused] }));
    expect(v.method).toBe("not-caught-up");
    expect(v.reinit).toBeNull();
  });
});

describe("reinit-if-stuck decisions", () => {
  const s = scenario({ slot: "none", walKept: false });
  const at = (ms: number) => s.find((x) => x.at === T0 + ms)!;
  it("waits out the grace period, then reinitializes only a replica whose WAL is gone", () => {
    const grace = HEAL + 30_000;
    expect(decideStuck(["pg2", "pg3"], at(70_000), { pg2: POSITION }, T0 + 70_000, grace, new Set())).toEqual([
      { member: "pg2", action: "wait", reason: "not streaming yet, 20 s of grace left" },
      { member: "pg3", action: "streaming", reason: "streaming" },
    ]);
    const [d] = decideStuck(["pg2"], at(95_000), { pg2: POSITION }, T0 + 95_000, grace, new Set());
    expect(d.action).toBe("reinit");
    expect(d.reason).toMatch(/oldest segment left on pg1/);
    expect(decideStuck(["pg2"], at(95_000), { pg2: POSITION }, T0 + 95_000, grace, new Set(["pg2"]))[0].action).toBe("wait");
  });

  it("leaves a slow replica alone when its WAL is still there", () => {
    const kept = scenario({ slot: "none", walKept: true }).find((x) => x.at === T0 + 95_000)!;
    expect(decideStuck(["pg2"], kept, { pg2: POSITION }, T0 + 95_000, HEAL + 30_000, new Set())[0].action).toBe("not-gone");
  });
});

/** The synthetic journal of a planned stop, turned into a replica isolation with resync samples. */
function resyncJournal(kind: "slot" | "reinit"): Journal {
  const j = syntheticJournal();
  j.faults = [
    { startedAt: T0 - 1000, endedAt: T0 + 500, action: "inject", fault: "isolate-replica", kind: "partition", targets: ["pg2"], injectedAt: [T0] },
    { startedAt: HEAL - 20_000, endedAt: HEAL, action: "recover", fault: "isolate-replica", kind: "partition", targets: ["pg2"] },
  ];
  const samples = kind === "slot" ? scenario({ slot: "kept", walKept: true, returnsAt: 66_000 }) : scenario({ slot: "none", walKept: false, returnsAt: 100_000 });
  j.resync = { intervalMs: 1000, samples, reinits: kind === "reinit" ? [reinitAt(92_000)] : [], bursts: [] };
  j.experiment.variant = kind === "slot" ? "wal-retained" : "wal-too-small";
  j.experiment.expected = { prose: "p", assertions: [ExpectationSchema.parse({ metric: "resyncMethod", op: "==", value: kind })] };
  return j;
}

describe("resync metrics, expectations and report", () => {
  it("computes the method, catch-up and the primary's WAL peaks, and checks category expectations", () => {
    const m = computeMetrics(resyncJournal("slot"), { caughtUpLagBytes: MiB });
    expect(m.categories.resyncMethod.value).toBe("slot");
    expect(m.scalars.resyncCatchUpSeconds.value).toBe(6);
    expect(m.scalars.primaryPeakRetainedWalBytes.value).toBeGreaterThan(200 * MiB);
    expect(m.scalars.primaryPeakWalDirBytes.value).toBeGreaterThan(m.resync!.walDirBefore!.bytes);
    expect(evaluateExpectations(m, [ExpectationSchema.parse({ metric: "resyncMethod", op: "==", value: "slot" })])[0]).toMatchObject({ status: "held", text: "is slot" });
    expect(evaluateExpectations(m, [ExpectationSchema.parse({ metric: "resyncMethod", op: "==", value: "reinit" })])[0]).toMatchObject({ status: "violated", text: "is slot, not reinit" });
    const none = computeMetrics(syntheticJournal());
    expect(none.categories.resyncMethod.value).toBeNull();
    expect(none.scalars.resyncCatchUpSeconds.reason).toMatch(/probes\.resync/);
  });

  it("validates category expectations with messages naming the metric and the allowed words", () => {
    const bad = ExpectationSchema.safeParse({ metric: "resyncMethod", op: "==", value: "magic" });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues[0]).toMatchObject({ path: ["value"], message: expect.stringContaining("resyncMethod: value must be one of streaming, slot, reinit, not-caught-up") });
    expect(ExpectationSchema.safeParse({ metric: "resyncMethod", op: "<", value: "slot" }).error!.issues[0].message).toMatch(/== or != only/);
    expect(ExpectationSchema.safeParse({ metric: "lostAckedWrites", op: "==", value: "0" }).error!.issues[0].message).toMatch(/lostAckedWrites: value must be a number/);
  });

  it("reports the resync per replica with its evidence, and both variants side by side", () => {
    const slot = resyncJournal("slot");
    const reinit = resyncJournal("reinit");
    const text = renderExperimentReport(reinit, { metrics: computeMetrics(reinit, { caughtUpLagBytes: MiB }) });
    expect(text).toContain("### Replica resync (from the primary's side)");
    expect(text).toMatch(/\| pg2 \| \*\*reinit\*\* \| 40\.000 s \|/);
    expect(text).toContain("**Reinitializations requested by the runner**");
    expect(text).toContain("reinitialize requested (POST /reinitialize)");
    expect(text).toMatch(/Resync method = reinit .*\| reinit \| held \|/s);
    const cmp = renderComparison({ experimentId: "replica-long-isolation", title: "t", entries: [{ label: "wal-retained", journal: slot }, { label: "wal-too-small", journal: reinit }], metricsOptions: { caughtUpLagBytes: MiB } });
    expect(cmp).toContain("## Replica resync");
    expect(cmp).toMatch(/\| wal-retained \| slot \| 6\.000 s \|/);
    expect(cmp).toMatch(/\| wal-too-small \| reinit \| 40\.000 s \|/);
    // A run without resync samples keeps its report as before: no resync rows of n/a.
    expect(renderExperimentReport(syntheticJournal())).not.toMatch(/Resync/);
  });
});

describe("game day: WAL retention judged from the programme's own two variants", () => {
  it("recommends permanent slots from wal-too-small (reinit) against wal-retained (slot), with the pg_wal it costs, and no extra run", async () => {
    const ran: string[] = [];
    const run = async (exp: Experiment): Promise<Journal> => {
      ran.push(`${exp.id}--${exp.variant}`);
      const j = resyncJournal(exp.variant === "wal-retained" ? "slot" : "reinit");
      j.experiment = { ...j.experiment, id: exp.id, variant: exp.variant, title: exp.title, failoverExpected: false, expectedAlerts: [] };
      j.patroniConfig = { requested: exp.patroniConfig, before: {}, effective: exp.patroniConfig };
      return j;
    };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pgchaos-gameday-slots-"));
    const results = await runGameDay({
      selector: { labStack: "test" }, reportsDir: dir, catalog: loadCatalog(), log: () => undefined,
      mode: { name: "quick", programme: [{ id: "replica-long-isolation", question: "long-isolation", variant: "wal-retained" }, { id: "replica-long-isolation", question: "long-isolation", variant: "wal-too-small" }], maxCandidates: 3, maxRunsPerSide: 2 },
      deps: { resolveTarget: async () => ({ describe: "fake lab" }) as ExperimentTarget, readSettings: async () => ({ notes: [] }), restoreHealth: async () => [], runExperiment: run, haproxyChanger: () => undefined },
    });
    expect(ran).toEqual(["replica-long-isolation--wal-retained", "replica-long-isolation--wal-too-small"]);
    expect(results.findings.map((f) => `${f.variant}:${f.class}`)).toContain("wal-too-small:replica-reinit");
    const rec = results.recommendations.find((r) => r.candidate === "permanent-slots")!;
    expect(rec).toMatchObject({ status: "recommended", goal: { a: [1], b: [0], decision: "better" }, sideA: { variant: "wal-too-small" }, sideB: { variant: "wal-retained", slots: { pg1: { type: "physical" } } } });
    expect(rec.claim).toMatch(/^Replicas reinitialized \(full copy\) 1 → 0 with permanent physical slots .*replica-long-isolation, 1 run\(s\) per side\): improved\. Cost: Primary's pg_wal growth \(peak − before the isolation\) \d+ → \d+ MiB/);
    expect(rec.costs![0].b[0]).toBeGreaterThan(rec.costs![0].a[0]); // the slot held the 200 MiB burst on the primary; without it the WAL was recycled
    expect(fs.existsSync(path.join(dir, results.runId, rec.comparisons![0]))).toBe(true);
  });
});
