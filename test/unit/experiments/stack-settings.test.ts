import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { Stack } from "@pulumi/pulumi/automation";
import { describe, expect, it } from "vitest";
import { setStackConfig } from "../../../chaos/experiments/stacks";

describe("stack settings edited in place", () => {
  it("sets and removes keys in Pulumi.<stack>.yaml and keeps the user's comments and quoting", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pgchaos-settings-"));
    const file = path.join(dir, "Pulumi.dev.yaml");
    const before = '# The lab\'s defaults (see docs/configuration.md).\nconfig:\n  pgchaos:kind: lab\n  pgchaos:etcdMembers: "3"\n  # how fast HAProxy follows a new leader\n  pgchaos:haproxy:\n    checkIntervalMs: 1000\nencryptionsalt: v1:abc\n';
    fs.writeFileSync(file, before);
    const stack = { name: "dev", workspace: { workDir: dir } } as unknown as Stack;
    await setStackConfig(stack, { "pgchaos:faults": '[{"name":"x"}]' });
    const after = fs.readFileSync(file, "utf8");
    expect(after).toContain("# The lab's defaults (see docs/configuration.md).");
    expect(after).toContain('pgchaos:etcdMembers: "3"');
    expect(after).toContain("# how fast HAProxy follows a new leader");
    expect(after).toMatch(/pgchaos:faults: '\[\{"name":"x"\}\]'/);
    await setStackConfig(stack, { "pgchaos:faults": undefined });
    expect(fs.readFileSync(file, "utf8")).toBe(before);
  });
});
