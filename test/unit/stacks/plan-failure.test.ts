import * as pulumi from "@pulumi/pulumi";
import * as util from "util";
import { describe, expect, it } from "vitest";
import { failingPlainly } from "../../../stacks/chaos";
import { inspectPlainly } from "../../../stacks";

describe("a chaos program's failure as the SDK reports it", () => {
  const failure = (e: unknown) => failingPlainly(Promise.reject(e)).then(() => { throw new Error("resolved"); }, (f: Error) => f);

  it("a planning failure is a RunError (reported without a stack): the plan's own message kept", async () => {
    const f = await failure(new pulumi.RunError("conflicting faults:\n  faults d1 and d2 conflict on delay of pg1"));
    expect(pulumi.RunError.isInstance(f)).toBe(true);
    expect(f.message).toBe("conflicting faults:\n  faults d1 and d2 conflict on delay of pg1");
  });

  it("an unexpected error keeps its stack in the message; a non-error its text", async () => {
    const f = await failure(new TypeError("x is undefined"));
    expect(pulumi.RunError.isInstance(f)).toBe(true);
    expect(f.message).toMatch(/^TypeError: x is undefined\n\s+at /);
    expect((await failure("plain")).message).toBe("plain");
  });

  it("passes a plan through untouched", async () => {
    await expect(failingPlainly(Promise.resolve({ plans: [1] }))).resolves.toEqual({ plans: [1] });
  });

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
