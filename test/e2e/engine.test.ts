import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { must, requireEngineAndDocker, TestStack } from "../helpers/engine";

// The smallest proof that our engine build runs this project's TypeScript and honours create/delete
// through a provider plugin (command.local.Command: the real plugin or the stand-in, docs/toolchain.md).
describe("pulumi engine (real CLI, language host, command plugin)", () => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "pgchaos-smoke-")), "created.txt");
  let stack: TestStack;

  beforeAll(() => {
    requireEngineAndDocker();
    stack = TestStack.create("e2e-smoke", { "pgchaos:kind": "smoke", "pgchaos:file": file });
  });
  afterAll(() => stack?.dispose());

  it("up creates, preview shows no change, destroy deletes, stack is removed", () => {
    stack.up();
    expect(fs.readFileSync(file, "utf8")).toBe("created-by-pgchaos\n");
    expect(stack.outputs().content).toBe("created-by-pgchaos");

    const preview = stack.pulumi(["preview", "--diff", "--expect-no-changes", "--color", "never"]);
    expect(preview).toMatch(/2 unchanged/); // the stack and its one command

    stack.pulumi(["destroy", "--yes", "--skip-preview", "--color", "never"]);
    expect(fs.existsSync(file)).toBe(false);

    stack.pulumi(["stack", "rm", "--yes"]);
    expect(must("pulumi", ["stack", "ls", "--json"])).not.toContain(stack.name);
  }, 300_000);

  it("a bad config value fails preview naming the key, the value and the range", () => {
    const bad = TestStack.create("e2e-badcfg", { "pgchaos:patroniNodes": "9", "pgchaos:dcs.ttl": "2" });
    try {
      const r = bad.tryPulumi(["preview", "--color", "never"]);
      expect(r.status).not.toBe(0);
      const out = r.stdout + r.stderr;
      expect(out).toContain("pgchaos:patroniNodes = 9");
      expect(out).toMatch(/<=\s*7/);
      expect(out).toContain("pgchaos:dcs.ttl = 2");
    } finally {
      bad.dispose();
    }
  }, 120_000);
});
