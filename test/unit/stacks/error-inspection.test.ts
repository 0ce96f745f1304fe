import * as util from "util";
import { describe, expect, it } from "vitest";
import { inspectPlainly } from "../../../stacks";

describe("a program error as the SDK reports it", () => {
  it("an unhandled rejection's error inspects as its stack text, whatever the SDK attached (its promise)", () => {
    const err = Object.assign(new Error("Required output 'inventory' does not exist on stack 'organization/pgchaos/qt-lab'."), {
      promise: { graph: Array.from({ length: 100 }, (_, i) => ({ i })) },
    });
    expect(util.inspect(err)).toContain("graph"); // Node's own inspection walks what is attached
    inspectPlainly(err);
    expect(util.inspect(err)).toBe(err.stack);
    expect(util.inspect(err, { colors: true })).toBe(err.stack);
    inspectPlainly("not an error"); // ignored
  });
});
