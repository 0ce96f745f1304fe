import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { loadCatalog, type Experiment } from "../../../chaos/experiments/definition";
import type { Journal } from "../../../chaos/checkers/journal";
import type { ExperimentTarget } from "../../../chaos/experiments/target";
import { candidatesFor, sides, type PatroniSettings } from "../../../chaos/gameday/candidates";
import { runGameDay } from "../../../chaos/gameday/gameday";
import { estimateSeconds, FULL_PROGRAMME, remainingSeconds, resolveProgramme, type GameDayMode } from "../../../chaos/gameday/programme";
import { haproxyChecksFrom, patroniSettingsFrom } from "../../../chaos/gameday/settings";
import { fmt, judgeAb, needsAnotherPair } from "../../../chaos/gameday/verdict";
import { syntheticJournal } from "../../helpers/synthetic-journal";

const IN_EFFECT: PatroniSettings = { ttl: 10, loop_wait: 2, retry_timeout: 4, maximum_lag_on_failover: 1048576, failsafe_mode: false, synchronous_mode: false, synchronous_mode_strict: false };

describe("A/B judgement", () => {
  it("prints numbers so that a fraction never looks whole", () => {
    expect([fmt(99.9634), fmt(99.996), fmt(44.8312), fmt(3), fmt(0.0004)]).toEqual(["99.96", "99.996", "44.83", "3", "0.0004"]);
  });

  const goal = { measure: "lostAckedWrites" as const, better: "lower" as const, floor: 1 };
  it("one run per side separates only a large effect; a small one asks for another pair", () => {
    expect(judgeAb(goal, { values: [1234] }, { values: [0] }).decision).toBe("better");
    expect(judgeAb(goal, { values: [0] }, { values: [40] }).decision).toBe("worse");
    const small = judgeAb({ measure: "writeUnavailabilitySeconds", better: "lower", floor: 1 }, { values: [10.2] }, { values: [8.1] });
    expect(small.decision).toBe("inconclusive");
    expect(needsAnotherPair(small, 1, 2)).toBe(true);
    expect(needsAnotherPair(small, 2, 2)).toBe(false);
  });

  it("with several runs the ranges must not overlap; below the floor is no difference; a missing value is not measured", () => {
    const g = { measure: "writeUnavailabilitySeconds" as const, better: "lower" as const, floor: 1 };
    expect(judgeAb(g, { values: [10.2, 11.0] }, { values: [7.9, 8.4] }).decision).toBe("better");
    expect(judgeAb(g, { values: [12.0, 7.0] }, { values: [7.9, 8.4] }).decision).toBe("inconclusive");
    expect(judgeAb(g, { values: [10.2] }, { values: [9.9] }).decision).toBe("no difference");
    expect(judgeAb(g, { values: [null] }, { values: [3] }).decision).toBe("not measured");
    // Side A did not reproduce the finding: nothing is learnt about the fix, so the pair is run again.
    const neither = judgeAb({ measure: "patroniLeaderChanges", better: "lower", floor: 1 }, { values: [0] }, { values: [0] });
    expect(neither.decision).toBe("inconclusive");
    expect(needsAnotherPair(neither, 1, 2)).toBe(true);
  });
});

describe("candidates and settings", () => {
  it("picks the fix for each finding class that appeared, and none when side A already has it", () => {
    const lost = { class: "lost-writes" as const, severity: "critical" as const, experiment: "split-brain", summary: "x", numbers: {} };
    const dcs = { class: "database-down-with-dcs" as const, severity: "major" as const, experiment: "etcd-quorum-loss", summary: "y", numbers: {} };
    const chosen = candidatesFor([lost, dcs], 5);
    expect(chosen.map((c) => c.candidate.id)).toEqual(["synchronous-mode", "failsafe-mode"]);
    expect(sides(chosen[1].candidate, { patroni: IN_EFFECT })).toEqual({ a: { failsafe_mode: false }, b: { failsafe_mode: true } });
    expect(sides(chosen[1].candidate, { patroni: { ...IN_EFFECT, failsafe_mode: true } })).toBeUndefined();
    expect(sides(chosen[1].candidate, {})).toBeUndefined();
    expect(candidatesFor([{ ...dcs, experiment: "etcd-slow" }], 5).map((c) => c.candidate.id)).toEqual(["longer-dcs-timing"]);
    expect(candidatesFor([lost, dcs], 1)).toHaveLength(1);
  });

  it("answers write unavailability after a crash with shorter DCS timing and faster HAProxy checks, each from its own settings", () => {
    const slow = { class: "write-unavailability" as const, severity: "major" as const, experiment: "primary-crash", summary: "z", numbers: {} };
    const chosen = candidatesFor([slow], 5);
    expect(chosen.map((c) => c.candidate.id)).toEqual(["shorter-dcs-timing", "faster-haproxy-checks"]);
    const haproxy = chosen[1].candidate;
    expect(sides(haproxy, { patroni: IN_EFFECT, haproxy: { interMs: 2000, fall: 3, rise: 2 } })).toEqual({ a: { interMs: 2000, fall: 3, rise: 2 }, b: { interMs: 500, fall: 2, rise: 1 } });
    expect(sides(haproxy, { patroni: IN_EFFECT, haproxy: { interMs: 400, fall: 2, rise: 1 } })).toBeUndefined();
    expect(sides(haproxy, { patroni: IN_EFFECT })).toBeUndefined();
    // A hang is Patroni's to detect (ttl), not HAProxy's: no HAProxy A/B for it.
    expect(candidatesFor([{ ...slow, experiment: "primary-hang" }], 5).map((c) => c.candidate.id)).toEqual(["shorter-dcs-timing"]);
  });

  it("reads Patroni's settings with its defaults for keys it leaves out, and HAProxy's checks from its config", () => {
    expect(patroniSettingsFrom({ ttl: 10, loop_wait: 2, failsafe_mode: true, postgresql: {} })).toEqual({ ...IN_EFFECT, retry_timeout: 10, failsafe_mode: true });
    const cfg = "listen primary\n    bind *:5000\n    default-server inter 1000ms fastinter 500ms fall 2 rise 1 on-marked-down shutdown-sessions\n\nlisten replicas\n    default-server inter 3s fall 5 rise 4\n";
    expect(haproxyChecksFrom(cfg)).toEqual({ interMs: 1000, fall: 2, rise: 1 });
    expect(haproxyChecksFrom("listen primary\n  bind *:5000\n")).toBeUndefined();
  });

  it("the full programme covers the homework from the catalog, and the estimate scales by what was measured", () => {
    const catalog = loadCatalog();
    const present = FULL_PROGRAMME.filter((p) => catalog.some((e) => e.id === p.id));
    expect(resolveProgramme(present, catalog).map((p) => p.entry.question)).toEqual(expect.arrayContaining(["failover", "network", "load", "split-brain", "long-isolation", "dcs"]));
    expect(() => resolveProgramme([{ id: "no-such", question: "dcs" }], catalog)).toThrow(/no experiment no-such/);
    const crash = catalog.find((e) => e.id === "primary-crash")!;
    expect(estimateSeconds(crash)).toBeGreaterThan(crash.steadySeconds.before + crash.steadySeconds.after + 5);
    expect(remainingSeconds([{ estimated: 100, actual: 150 }], [100, 100])).toBe(300);
  });
});

/** A fake runner: split-brain loses one acknowledged write unless synchronous_mode is on (or `bHelps` is false). */
function fakeRunner(bHelps: boolean) {
  const ran: string[] = [];
  const run = async (exp: Experiment): Promise<Journal> => {
    ran.push(`${exp.id}${exp.variant ? `--${exp.variant}` : ""}`);
    const sync = (exp.patroniConfig as { synchronous_mode?: boolean }).synchronous_mode === true;
    const j = syntheticJournal({ plantLostWrite: exp.id === "split-brain" && (!sync || !bHelps) });
    j.experiment = { ...j.experiment, id: exp.id, variant: exp.variant, title: exp.title, failoverExpected: true, expectedAlerts: [] };
    j.experiment.expected!.assertions = [{ metric: "lostAckedWrites", op: "==", value: 0 }];
    if (Object.keys(exp.patroniConfig).length) j.patroniConfig = { requested: exp.patroniConfig, before: {}, effective: exp.patroniConfig };
    return j;
  };
  return { ran, run };
}

async function gameDay(bHelps: boolean, maxCandidates = 1) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pgchaos-gameday-"));
  const mode: GameDayMode = { name: "quick", programme: [{ id: "primary-stop", question: "failover" }, { id: "split-brain", question: "split-brain" }], maxCandidates, maxRunsPerSide: 2 };
  const fake = fakeRunner(bHelps);
  const results = await runGameDay({
    selector: { labStack: "test" }, mode, reportsDir: dir, catalog: loadCatalog(), log: () => undefined,
    deps: {
      resolveTarget: async () => ({ describe: "fake lab" }) as ExperimentTarget,
      readSettings: async () => ({ patroni: IN_EFFECT, notes: [] }),
      restoreHealth: async () => [],
      runExperiment: fake.run,
    },
  });
  return { dir, results, ran: fake.ran, report: fs.readFileSync(path.join(dir, results.runId, "game-day.md"), "utf8") };
}

describe("game day", () => {
  it("finds the lost write, tests synchronous_mode by A/B, and recommends it with the measured numbers", async () => {
    const { dir, results, ran, report } = await gameDay(true);
    expect(ran).toEqual(["primary-stop", "split-brain", "split-brain--ab-synchronous-mode-a", "split-brain--ab-synchronous-mode-b"]);
    expect(results.findings.map((f) => `${f.experiment}:${f.class}`)).toEqual(["split-brain:lost-writes"]);
    expect(results.recommendations[0]).toMatchObject({ candidate: "synchronous-mode", status: "recommended", sideA: { synchronous_mode: false }, sideB: { synchronous_mode: true }, goal: { a: [1], b: [0] } });
    expect(report).toMatch(/### synchronous_mode: true — RECOMMENDED/);
    expect(report).toMatch(/Lost acknowledged writes 1 → 0 with synchronous_mode: true \(split-brain, 1 run\(s\) per side\): improved/);
    expect(report.indexOf("## Answers to the homework")).toBeLessThan(report.indexOf("## Findings"));
    expect(fs.readlinkSync(path.join(dir, "latest"))).toBe(results.runId);
    const saved = JSON.parse(fs.readFileSync(path.join(dir, results.runId, "results.json"), "utf8"));
    expect(saved.runs).toHaveLength(4);
    expect(saved.exitCode).toBe(1); // the split-brain run's own hypothesis (no lost writes) failed
    expect(fs.existsSync(path.join(dir, results.runId, "ab-synchronous-mode.svg"))).toBe(true);
  });

  it("labels a finding no A/B tested as untested advice, with the findings it answers", async () => {
    const { results, ran, report } = await gameDay(true, 0);
    expect(ran.some((r) => r.includes("--ab-"))).toBe(false);
    expect(results.recommendations).toEqual([expect.objectContaining({ candidate: "advice-lost-writes", status: "untested", fixes: ["lost-writes"] })]);
    expect(report).toMatch(/— UNTESTED/);
    expect(report).toMatch(/untested: no run of this game day tested it \(1 finding\(s\): split-brain\)/);
  });

  it("says so when side B does not help: not recommended, with both sides' numbers", async () => {
    const { results, ran, report } = await gameDay(false);
    expect(ran.filter((r) => r.includes("--ab-"))).toHaveLength(2);
    expect(results.recommendations[0]).toMatchObject({ status: "not recommended", goal: { a: [1], b: [1], decision: "no difference" } });
    expect(report).toMatch(/NOT RECOMMENDED/);
    expect(report).toMatch(/1 → 1 with synchronous_mode: true .*did not change/);
  });
});

describe("game day: an HAProxy A/B", () => {
  const SLOW = { interMs: 1000, fall: 2, rise: 1 };
  /** A crash whose writes come back 2 s after it under fast checks, 8 s under slow ones (the synthetic journal). */
  function setup(opts: { changer?: boolean; failOnFast?: boolean } = {}) {
    let timing = SLOW;
    const calls: string[] = [];
    const ran: string[] = [];
    const run = async (exp: Experiment): Promise<Journal> => {
      ran.push(`${exp.id}${exp.variant ? `--${exp.variant}` : ""}@${timing.interMs}`);
      const fast = timing.interMs <= 500;
      if (fast && opts.failOnFast) throw new Error("the run broke");
      const j = syntheticJournal();
      j.experiment = { ...j.experiment, id: exp.id, variant: exp.variant, title: exp.title, failoverExpected: true, expectedAlerts: [] };
      if (fast && exp.id === "primary-crash") {
        j.writes = j.writes.map((w) => (w.error && w.sentAt >= j.faults[0].injectedAt![0] + 2000 ? { id: w.id, writer: w.writer, sentAt: w.sentAt, ackAt: w.sentAt + 5, server: "10.0.0.12" } : w));
        j.finalRowIds = [...j.finalRowIds, ...j.writes.filter((w) => w.ackAt !== undefined).map((w) => w.id)];
      }
      return j;
    };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pgchaos-gameday-haproxy-"));
    const mode: GameDayMode = { name: "quick", programme: [{ id: "primary-crash", question: "failover" }], maxCandidates: 2, maxRunsPerSide: 1 };
    const go = () => runGameDay({
      selector: { labStack: "test" }, mode, reportsDir: dir, catalog: loadCatalog(), log: () => undefined,
      deps: {
        resolveTarget: async () => ({ describe: "fake lab", labStack: "test" }) as ExperimentTarget,
        readSettings: async () => ({ patroni: { ...IN_EFFECT, ttl: 6 }, haproxy: SLOW, notes: [] }),
        restoreHealth: async () => [],
        runExperiment: run,
        haproxyChanger: () => (opts.changer === false ? undefined : {
          apply: async (t) => { calls.push(`apply ${t.interMs}/${t.fall}/${t.rise}`); timing = t; },
          restore: async () => { calls.push("restore"); timing = SLOW; },
        }),
      },
    });
    return { go, calls, ran };
  }

  it("changes the checks around each side, measures both, recommends from the numbers and puts the settings back", async () => {
    const { go, calls, ran } = setup();
    const results = await go();
    // ttl is already short: only the HAProxy candidate runs.
    expect(results.recommendations.find((r) => r.candidate === "shorter-dcs-timing")?.status).toBe("already in effect");
    expect(ran).toEqual(["primary-crash@1000", "primary-crash--ab-faster-haproxy-checks-a@1000", "primary-crash--ab-faster-haproxy-checks-b@500", "loss-primary--ab-faster-haproxy-checks-a@1000", "loss-primary--ab-faster-haproxy-checks-b@500"]);
    expect(calls).toEqual(["apply 1000/2/1", "apply 500/2/1", "apply 1000/2/1", "apply 500/2/1", "restore"]);
    const rec = results.recommendations.find((r) => r.candidate === "faster-haproxy-checks")!;
    expect(rec).toMatchObject({ status: "recommended", sideA: SLOW, sideB: { interMs: 500, fall: 2, rise: 1 }, goal: { a: [8], b: [2] } });
    expect(rec.claim).toMatch(/8 s → 2 s with HAProxy checks inter 500 ms, fall 2, rise 1 \(primary-crash, 1 run\(s\) per side\): improved/);
  });

  it("puts the settings back when a run fails, and leaves the candidate untested where the checks cannot be changed", async () => {
    const broken = setup({ failOnFast: true });
    await expect(broken.go()).rejects.toThrow(/the run broke/);
    expect(broken.calls.at(-1)).toBe("restore");
    const { go, ran } = setup({ changer: false });
    const rec = (await go()).recommendations.find((r) => r.candidate === "faster-haproxy-checks")!;
    expect(rec.status).toBe("untested");
    expect(rec.claim).toMatch(/only on a lab stack/);
    expect(ran.some((r) => r.includes("faster-haproxy"))).toBe(false);
  });
});
