import * as random from "@pulumi/random";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requireEngineAndDocker } from "../helpers/engine";
import { ConformanceStack, inClear, PLUGIN_MODE, pluginOnPath } from "../helpers/conformance";

// random.RandomPassword through the plugin on PATH (stand-in or real: docs/toolchain.md).
describe(`random.RandomPassword conformance (${PLUGIN_MODE} plugin)`, () => {
  const p = { length: 20, keeper: "a", replaceFirst: false };
  let stack: ConformanceStack;
  let result = "";
  const outputs = async () => (await stack.stack.outputs()).result.value as string;

  beforeAll(async () => {
    requireEngineAndDocker();
    if (PLUGIN_MODE === "standin") expect(pluginOnPath("random")).toMatch(/providers\/bin\/random\/pulumi-resource-random$/);
    else expect(pluginOnPath("random")).not.toMatch(/providers\/bin\//);
    stack = await ConformanceStack.create("h15-conf-random", async () => {
      const pw = new random.RandomPassword("pw", { length: p.length, special: false, minNumeric: 2, keepers: { k: p.keeper } }, { deleteBeforeReplace: p.replaceFirst });
      return { result: pw.result };
    });
  }, 120_000);
  afterAll(async () => {
    await stack?.dispose();
  }, 120_000);

  it("create: a result of the requested length and sets, a secret output", async () => {
    expect((await stack.up()).ops.pw).toEqual(["create"]);
    result = await outputs();
    expect(result).toMatch(/^[A-Za-z0-9]{20}$/);
    expect(result.replace(/\D/g, "").length).toBeGreaterThanOrEqual(2);
  }, 120_000);

  it("a second `up` keeps the result", async () => {
    expect((await stack.up()).changes).toEqual({ same: 2 });
    expect(await outputs()).toBe(result);
  }, 120_000);

  it("result and bcryptHash are secrets: never in clear in the state", () => {
    expect(inClear(stack.plainState(), result)).toBe(false);
    const pw = stack.resourceState("pw");
    expect(pw.outputs.result).toHaveProperty("ciphertext");
    expect(pw.outputs.bcryptHash).toHaveProperty("ciphertext");
    expect(pw.id).toBe("none");
  }, 60_000);

  it("no property updates in place: a new length replaces (create first), a new keeper too (delete first when asked)", async () => {
    p.length = 24;
    let r = await stack.up();
    expect(r.ops.pw).toEqual(["create-replacement", "replace", "delete-replaced"]);
    const second = await outputs();
    expect(second).toHaveLength(24);
    expect(second).not.toBe(result);
    p.keeper = "b";
    p.replaceFirst = true;
    r = await stack.up();
    expect(r.ops.pw).toEqual(["delete-replaced", "replace", "create-replacement"]);
    expect(await outputs()).not.toBe(second);
  }, 180_000);

  it("refresh keeps the stored result (nothing outside the state); delete forgets it", async () => {
    const before = await outputs();
    expect((await stack.refresh()).changes).toEqual({ same: 2 });
    expect(await outputs()).toBe(before);
    await stack.stack.destroy({ color: "never" });
    expect(JSON.parse(stack.plainState()).deployment.resources ?? []).toEqual([]);
  }, 120_000);
});
