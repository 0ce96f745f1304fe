import { describe, expect, it } from "vitest";
import { killMoment, phaseAtKill, RECOVER_LINE, seededRandom } from "../../../bench/controller-death-phase";

describe("controller-death kill moments and phases", () => {
  it("draws the same moments again from the same seed, and others from another", () => {
    const a = seededRandom(42), b = seededRandom(42), c = seededRandom(43);
    const xs = Array.from({ length: 5 }, () => killMoment(a, 60));
    expect(Array.from({ length: 5 }, () => killMoment(b, 60))).toEqual(xs);
    expect(Array.from({ length: 5 }, () => killMoment(c, 60))).not.toEqual(xs);
  });

  it("spreads moments over the whole run, not only its start", () => {
    const r = seededRandom(7);
    const xs = Array.from({ length: 4000 }, () => killMoment(r, 100));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(100);
    // Each quarter of the run gets about a quarter of the kills.
    for (let q = 0; q < 4; q++) {
      const share = xs.filter((x) => x >= q * 25 && x < (q + 1) * 25).length / xs.length;
      expect(share).toBeGreaterThan(0.22);
      expect(share).toBeLessThan(0.28);
    }
  });

  it("tells the phase a kill landed in", () => {
    expect(phaseAtKill({ killAt: 10 })).toBe("before arming");
    expect(phaseAtKill({ killAt: 10, armedAt: 11 })).toBe("before arming");
    expect(phaseAtKill({ killAt: 10, armedAt: 9 })).toBe("while armed");
    expect(phaseAtKill({ killAt: 10, armedAt: 5, recoverStartedAt: 9 })).toBe("during recover");
    expect(phaseAtKill({ killAt: 10, armedAt: 5, recoverStartedAt: 11 })).toBe("while armed");
    expect(phaseAtKill({ killAt: 10, armedAt: 5, recoverStartedAt: 6, exitedAt: 8 })).toBe("after the end");
    expect(phaseAtKill({ armedAt: 5, exitedAt: 8 })).toBe("after the end");
  });

  it("knows the runner's and destroy's first recover lines, and nothing else", () => {
    expect(RECOVER_LINE.test("21:03:04 [cd0-1] recover cd0-1 via pulumi up -s hacd-chaos")).toBe(true);
    expect(RECOVER_LINE.test("21:03:04 [cd0-1] rollback: recovering cd0-1")).toBe(true);
    expect(RECOVER_LINE.test(" -  pulumi-nodejs:dynamic/pgchaos:Fault cd2-52385-fault deleting (0s)")).toBe(true);
    expect(RECOVER_LINE.test("21:03:00 [cd0-1] chaos stack hacd-chaos: recovering any fault left from earlier runs")).toBe(false);
    expect(RECOVER_LINE.test(" +  pulumi-nodejs:dynamic/pgchaos:Fault cd2-52385-fault creating (0s)")).toBe(false);
  });
});
