import { describe, expect, it } from "vitest";
import type { WriteEvent } from "../../../chaos/checkers/journal";
import { computeMetrics } from "../../../chaos/checkers/metrics";
import { accountDivergence, checkSinglePrimary, type PrimaryProbeSample } from "../../../chaos/checkers/single-primary";
import { syntheticJournal, T0 } from "../../helpers/synthetic-journal";

/** Probes of one node every 250 ms over [from, to): `primaryWhile(t)` says whether it is a writable primary then. */
function probes(node: string, from: number, to: number, primaryWhile: (t: number) => boolean | "down", offset = 0): PrimaryProbeSample[] {
  const out: PrimaryProbeSample[] = [];
  for (let t = from + offset; t < to; t += 250) {
    const state = primaryWhile(t);
    out.push(state === "down" ? { at: t, node, inRecovery: undefined, writeOk: false } : { at: t, node, inRecovery: !state, writeOk: state });
  }
  return out;
}

describe("single-primary invariant", () => {
  it("reports no overlap on a clean failover (old primary demoted before the new one accepts writes)", () => {
    const samples = [
      ...probes("pg1", 0, 10000, (t) => t < 4000),
      ...probes("pg2", 0, 10000, (t) => t >= 4000),
      ...probes("pg3", 0, 10000, () => false),
    ];
    const check = checkSinglePrimary(samples);
    expect(check).toMatchObject({ holds: true, writableOverlaps: [], notInRecoveryOverlaps: [], nodes: ["pg1", "pg2", "pg3"], probes: 120 });
  });

  it("reports a planted double-primary interval with its nodes, upper bound and confirmed part", () => {
    // pg1 keeps accepting writes until 6000 (its probe at 6000 fails); pg2 accepts from 4000.
    const samples = [...probes("pg1", 0, 10000, (t) => t < 6000), ...probes("pg2", 0, 10000, (t) => t >= 4000)];
    const check = checkSinglePrimary(samples);
    expect(check.holds).toBe(false);
    expect(check.writableOverlaps).toEqual([{ start: 4000, end: 6000, nodes: ["pg1", "pg2"], confirmedMs: 1750 }]);
    expect(check.notInRecoveryOverlaps).toEqual(check.writableOverlaps);
  });

  it("counts the unknown time between probes of unsynchronised nodes, but nothing once a probe disproves it", () => {
    // pg1's last accepted write at 3900, its next probe (refused) at 4150; pg2 first accepts at 4000.
    const samples = [...probes("pg1", 0, 8000, (t) => t < 4000, 150), ...probes("pg2", 0, 8000, (t) => t >= 4000)];
    expect(checkSinglePrimary(samples).writableOverlaps).toEqual([{ start: 4000, end: 4150, nodes: ["pg1", "pg2"], confirmedMs: 0 }]);
    // Same instant hand-over (pg1 refuses at 4000, pg2 accepts at 4000): no overlap.
    const exact = [...probes("pg1", 0, 8000, (t) => t < 4000), ...probes("pg2", 0, 8000, (t) => t >= 4000)];
    expect(checkSinglePrimary(exact).holds).toBe(true);
  });

  it("tells a primary that refuses writes (isolated, not in recovery) from a writable one", () => {
    const samples: PrimaryProbeSample[] = [
      ...probes("pg2", 0, 4000, () => true),
      // pg1 still answers pg_is_in_recovery() = false but its writes hang and fail (no sync standby, no DCS).
      ...[0, 250, 500, 750].map((at) => ({ at, node: "pg1", inRecovery: false, writeOk: false })),
      { at: 1000, node: "pg1", inRecovery: true, writeOk: false },
    ];
    const check = checkSinglePrimary(samples);
    expect(check.writableOverlaps).toEqual([]);
    expect(check.notInRecoveryOverlaps).toEqual([{ start: 0, end: 1000, nodes: ["pg1", "pg2"], confirmedMs: 750 }]);
  });

  it("feeds the double-writable metrics when the journal has probes", () => {
    const j = syntheticJournal();
    expect(computeMetrics(j).scalars.doubleWritableIntervals.value).toBeNull();
    j.primaryProbes = [...probes("pg1", T0, T0 + 10000, (t) => t < T0 + 6000), ...probes("pg2", T0, T0 + 10000, (t) => t >= T0 + 4000)];
    const m = computeMetrics(j);
    expect(m.scalars.doubleWritableIntervals.value).toBe(1);
    expect(m.scalars.doubleWritableSeconds.value).toBe(2);
  });
});

describe("divergence accounting", () => {
  const write = (id: string, server?: string): WriteEvent => ({ id, writer: 0, sentAt: 0, ...(server ? { ackAt: 1, server } : { error: "connection_reset" }) });

  it("says which write ids landed where, and which acknowledged ones the final primary lacks", () => {
    const writes = [write("a", "pg1"), write("b", "pg1"), write("c", "pg1"), write("d", "pg2"), write("e", "pg2"), write("f")];
    const nodeRowIds = { pg1: ["a", "b", "c"], pg2: ["a", "b", "d", "e", "f"], pg3: ["a", "b", "d"] };
    const dv = accountDivergence(nodeRowIds, writes, "pg2");
    expect(dv.rowsPerNode).toEqual({ pg1: 3, pg2: 5, pg3: 3 });
    expect(dv.onEveryNode).toBe(2);
    expect(dv.groups).toEqual([
      { on: ["pg1"], ids: ["c"], acked: 1 },
      { on: ["pg2"], ids: ["e", "f"], acked: 1 },
      { on: ["pg2", "pg3"], ids: ["d"], acked: 1 },
    ]);
    expect(dv.ackedNotOnPrimary).toEqual([{ id: "c", ackedBy: "pg1", on: ["pg1"] }]);
  });

  it("finds nothing diverged when every node has every row", () => {
    const dv = accountDivergence({ pg1: ["a", "b"], pg2: ["b", "a"] }, [write("a", "pg1"), write("b", "pg1")], "pg1");
    expect(dv).toMatchObject({ onEveryNode: 2, groups: [], ackedNotOnPrimary: [] });
  });
});
