import * as pulumi from "@pulumi/pulumi";
import * as util from "util";
import { describe, expect, it } from "vitest";
import { failingPlainly } from "../../../stacks/chaos";

describe("a planning failure as the chaos program reports it", () => {
  const failure = (e: unknown) => failingPlainly(Promise.reject(e)).then(() => { throw new Error("resolved"); }, (f: Error) => f);

  it("inspects as its message alone, whatever the SDK attaches to it (a rejected promise graph)", async () => {
    const f = await failure(new pulumi.RunError("conflicting faults:\n  faults d1 and d2 conflict on delay of pg1"));
    // The SDK's debuggablePromise sets err.promise; a deep graph there made one inspection take 26 s.
    (f as Error & { promise?: unknown }).promise = { graph: Array.from({ length: 1000 }, (_, i) => ({ i, next: { deeper: [i] } })) };
    expect(util.inspect(f)).toBe("conflicting faults:\n  faults d1 and d2 conflict on delay of pg1");
    expect(pulumi.RunError.isInstance(f)).toBe(true); // reported without a stack, the update fails
  });

  it("keeps an unexpected error's stack in the message, and a non-error's text", async () => {
    const f = await failure(new TypeError("x is undefined"));
    expect(f.message).toMatch(/^TypeError: x is undefined\n\s+at /);
    expect((await failure("plain")).message).toBe("plain");
  });

  it("passes a plan through untouched", async () => {
    await expect(failingPlainly(Promise.resolve({ plans: [1] }))).resolves.toEqual({ plans: [1] });
  });
});
