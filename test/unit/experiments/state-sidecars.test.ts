import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterEach, describe, expect, it } from "vitest";
import { backendRoot, brokenSidecars, removeBrokenSidecars, sidecarBroken } from "../../../chaos/experiments/state-sidecars";

const roots: string[] = [];
afterEach(() => roots.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

const GOOD = JSON.stringify({ "user.content_type": "text/plain; charset=utf-8", md5: "0c9gvFfYQktZw2oTasbpsA==" });

/** A file backend's stacks folder holding these files. */
function stacksWith(files: Record<string, string>): { url: string; dir: string } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "pgchaos-state-"));
  roots.push(root);
  const dir = path.join(root, ".pulumi", "stacks", "pgchaos");
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return { url: `file://${root}?metadata=skip`, dir };
}

describe("checkpoint sidecars cut short by a killed pulumi", () => {
  it("reads the backend root of a file URL, its query dropped; other backends have none", () => {
    expect(backendRoot("file:///work/x/.pulumi-state?metadata=skip")).toBe("/work/x/.pulumi-state");
    expect(backendRoot("file:///work/x/.pulumi-state")).toBe("/work/x/.pulumi-state");
    expect(backendRoot("s3://bucket")).toBeUndefined();
  });

  it("an empty or cut JSON sidecar is broken; a whole one is not", () => {
    expect(sidecarBroken("")).toBe(true);
    expect(sidecarBroken(GOOD.slice(0, 40))).toBe(true);
    expect(sidecarBroken("null")).toBe(true);
    expect(sidecarBroken(GOOD)).toBe(false);
  });

  it("removes only the stack's broken sidecars, never a checkpoint, another stack's or a whole one", () => {
    const { url, dir } = stacksWith({
      "lab-chaos.json": "{}", "lab-chaos.json.attrs": "", "lab-chaos.json.bak": "{}", "lab-chaos.json.bak.attrs": GOOD,
      "lab.json.attrs": "", "lab-chaos-2.json.attrs": "", "lab-chaos.json.1a2b.tmp": "{",
    });
    expect(brokenSidecars("pgchaos", "lab-chaos", url)).toEqual([path.join(dir, "lab-chaos.json.attrs")]);
    expect(removeBrokenSidecars("pgchaos", "lab-chaos", url)).toEqual([path.join(dir, "lab-chaos.json.attrs")]);
    expect(fs.readdirSync(dir).sort()).toEqual(["lab-chaos-2.json.attrs", "lab-chaos.json", "lab-chaos.json.1a2b.tmp", "lab-chaos.json.bak", "lab-chaos.json.bak.attrs", "lab.json.attrs"]);
    expect(removeBrokenSidecars("pgchaos", "lab-chaos", url)).toEqual([]);
  });

  it("a stack name is matched literally, not as a pattern", () => {
    const { url } = stacksWith({ "labXchaos.json.attrs": "" });
    expect(brokenSidecars("pgchaos", "lab.chaos", url)).toEqual([]);
  });
});
