import { describe, expect, it } from "vitest";
import { explainUnscanned } from "../../../chaos/targets/doctor";

describe("leftover scan: members it could not scan", () => {
  it("names this stack's fault that stopped or paused the member; other gaps stay unexplained", () => {
    const faults = [
      { name: "stop-pg1", conflictKeys: ["lifecycle:pg1"] },
      { name: "d10", conflictKeys: ["delay:pg2"] },
    ];
    expect(explainUnscanned(["pg1: container is not running", "pg2: no answer within 30 s (killed by SIGTERM)", "pg10: gone"], faults)).toEqual([
      "pg1: container is not running (held by this stack's fault stop-pg1: expected while it acts)",
      "pg2: no answer within 30 s (killed by SIGTERM)",
      "pg10: gone",
    ]);
  });
});
