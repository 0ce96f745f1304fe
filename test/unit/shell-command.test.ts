import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { shellCommandProvider as p } from "../../components/command/shell-command";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pgchaos-shellcmd-"));
const f = path.join(dir, "f");

describe("ShellCommand provider (local.Command semantics)", () => {
  it("create runs the script with its environment and returns stdout", async () => {
    const r = await p.create!({ create: `echo "$MSG" > ${f}; cat ${f}`, delete: `rm -f ${f}`, environment: { MSG: "hello" } });
    expect(r.outs.stdout).toBe("hello");
    expect(fs.readFileSync(f, "utf8")).toBe("hello\n");
  });

  it("delete runs the stored delete script, and is fine when run twice", async () => {
    const props = { create: "true", delete: `rm -f ${f}` };
    await p.delete!("id", props);
    await p.delete!("id", props);
    expect(fs.existsSync(f)).toBe(false);
  });

  it("a failing script fails with its exit code and last output lines", async () => {
    await expect(p.create!({ create: "echo boom >&2; exit 7" })).rejects.toThrow(/exit 7[\s\S]*boom/);
    await expect(p.create!({ create: "false; echo never" })).rejects.toThrow(/exit 1/); // set -e holds
  });

  it("diff: triggers replace (delete first); other changes update", async () => {
    const olds = { create: "a", triggers: [1] };
    expect(await p.diff!("id", olds, { create: "a", triggers: [2] })).toMatchObject({ changes: true, replaces: ["triggers"], deleteBeforeReplace: true });
    expect(await p.diff!("id", olds, { create: "b", triggers: [1] })).toMatchObject({ changes: true, replaces: [] });
    expect(await p.diff!("id", olds, { create: "b", triggers: [1], replaceOnChange: true })).toMatchObject({ replaces: ["create"] });
    expect(await p.diff!("id", olds, { create: "a", triggers: [1] })).toMatchObject({ changes: false });
  });

  it("update re-runs only when the script or environment changed", async () => {
    const counter = path.join(dir, "count");
    const create = `echo x >> ${counter}; wc -l < ${counter}`;
    const first = await p.create!({ create });
    const same = await p.update!("id", { ...first.outs }, { create, delete: "true" });
    expect(same.outs!.stdout).toBe(first.outs.stdout);
    const changed = await p.update!("id", { ...first.outs }, { create, environment: { A: "1" } });
    expect(changed.outs!.stdout).toBe("2");
  });

  it("refresh drops the resource when the check script exits 3 (gone), keeps it on 0", async () => {
    expect(await p.read!("id", { create: "true", check: "exit 0" })).toMatchObject({ id: "id" });
    expect(await p.read!("id", { create: "true", check: "exit 3" })).toMatchObject({ id: "" });
    await expect(p.read!("id", { create: "true", check: "exit 1" })).rejects.toThrow(/exit 1/);
  });
});
