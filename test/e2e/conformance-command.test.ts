import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requireEngineAndDocker } from "../helpers/engine";
import { ConformanceStack, inClear, PLUGIN_MODE, pluginOnPath } from "../helpers/conformance";

// command.local.Command through the plugin on PATH (the stand-in, or the real one: docs/toolchain.md).
describe(`command.local.Command conformance (${PLUGIN_MODE} plugin)`, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "h15-cmd-conf-"));
  const log = path.join(dir, "log");
  const secretValue = `s3cret-${Date.now().toString(36)}`;
  const p = { message: "one", trigger: 1, replaceFirst: false, withSecret: false };
  let stack: ConformanceStack;
  const lines = () => (fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n") : []);

  beforeAll(async () => {
    requireEngineAndDocker();
    if (PLUGIN_MODE === "standin") expect(pluginOnPath("command")).toMatch(/providers\/bin\/command\/pulumi-resource-command$/);
    else expect(pluginOnPath("command")).not.toMatch(/providers\/bin\//);
    stack = await ConformanceStack.create("h15-conf-command", async () => {
      const env: Record<string, pulumi.Input<string>> = { MESSAGE: p.message, LOG: log };
      if (p.withSecret) env.SECRET = pulumi.secret(secretValue);
      const run = new command.local.Command("run", {
        create: `echo "create $MESSAGE" >> "$LOG"; echo "out $MESSAGE"`,
        update: `echo "update $MESSAGE was=$PULUMI_COMMAND_STDOUT" >> "$LOG"; echo "out $MESSAGE"`,
        delete: `echo "delete $MESSAGE" >> "$LOG"`,
        environment: env,
      });
      const replaced = new command.local.Command("replaced", {
        create: `echo "create-replaced $TRIGGER" >> "$LOG"`,
        delete: `echo "delete-replaced $TRIGGER" >> "$LOG"`,
        environment: { LOG: log, TRIGGER: String(p.trigger) },
        triggers: [p.trigger],
      }, { deleteBeforeReplace: p.replaceFirst });
      return { stdout: run.stdout, replacedId: replaced.id };
    });
  }, 120_000);
  afterAll(async () => {
    await stack?.dispose();
  }, 120_000);

  it("create runs `create` once; its stdout is an output", async () => {
    const r = await stack.up();
    expect(r.ops.run).toEqual(["create"]);
    expect(lines()).toEqual(expect.arrayContaining(["create one", "create-replaced 1"]));
    expect((await stack.stack.outputs()).stdout.value).toBe("out one");
  }, 120_000);

  it("a second `up` with the same inputs runs nothing", async () => {
    const before = lines().length;
    const r = await stack.up();
    expect(r.changes).toEqual({ same: 3 });
    expect(lines()).toHaveLength(before);
  }, 120_000);

  it("a changed input updates in place: `update` runs with the previous stdout, the id stays", async () => {
    const { id } = stack.resourceState("run");
    p.message = "two";
    const r = await stack.up();
    expect(r.ops.run).toEqual(["update"]);
    expect(lines().at(-1)).toBe("update two was=out one");
    expect((stack.resourceState("run")).id).toBe(id);
  }, 120_000);

  it("a changed trigger replaces: create before delete by default, delete first with deleteBeforeReplace", async () => {
    p.trigger = 2;
    let r = await stack.up();
    expect(r.ops.replaced).toEqual(["create-replacement", "replace", "delete-replaced"]);
    expect(lines().slice(-2)).toEqual(["create-replaced 2", "delete-replaced 1"]);
    p.trigger = 3;
    p.replaceFirst = true;
    r = await stack.up();
    expect(r.ops.replaced).toEqual(["delete-replaced", "replace", "create-replacement"]);
    expect(lines().slice(-2)).toEqual(["delete-replaced 2", "create-replaced 3"]);
  }, 120_000);

  it("refresh reads nothing back (an out-of-band change is not seen): state is kept", async () => {
    fs.rmSync(log);
    const r = await stack.refresh();
    expect(r.changes).toEqual({ same: 3 });
  }, 120_000);

  it("a secret in the environment keeps the environment and stdout out of the plain state", async () => {
    p.withSecret = true;
    await stack.up();
    const state = stack.plainState();
    expect(inClear(state, secretValue)).toBe(false);
    const run = stack.resourceState("run");
    for (const k of ["stdout", "stderr"]) expect(run.outputs[k]).toHaveProperty("ciphertext");
    // The secret value itself is encrypted wherever it is stored (the whole map, or its one entry).
    for (const env of [run.inputs.environment, run.outputs.environment]) expect(env.SECRET ?? env).toHaveProperty("ciphertext");
  }, 120_000);

  it("delete runs the stored `delete` command", async () => {
    await stack.stack.destroy({ color: "never" });
    expect(lines()).toEqual(expect.arrayContaining(["delete two", "delete-replaced 3"]));
  }, 120_000);
});
