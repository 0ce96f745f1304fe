import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { spawn } from "child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engineEnv, must, processTable, PROJECT_DIR, requireEngineAndDocker, TestStack } from "../helpers/engine";
import { processAlive } from "../../chaos/experiments/stale-locks";
import { ProgramHost } from "../../chaos/experiments/inline-program";

/** The CLI run asynchronously: an inline program is served by this process while the CLI runs. */
function pulumiAsync(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("pulumi", [...args, "--non-interactive"], { cwd: PROJECT_DIR, env: { ...engineEnv(), ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, out }));
  });
}

/** The pid of the faults' provider host (chaos/experiments/provider-host.cjs) a program host started. */
const providerHostPid = (programHost: number): number | undefined =>
  processTable().find((p) => p.ppid === programHost && p.args.split(" ").some((a) => a.endsWith("provider-host.cjs")))?.pid;

/** Waits up to 5 s for a process to end; true when it did. */
async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 50 && processAlive(pid); i++) await new Promise((r) => setTimeout(r, 100));
  return !processAlive(pid);
}

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

  it("a program served by a host process (as experiments toggle faults) leaves the state the CLI's run leaves", async () => {
    const inlineFile = path.join(path.dirname(file), "inline.txt");
    const inline = TestStack.create("e2e-inline", { "pgchaos:kind": "smoke", "pgchaos:file": inlineFile });
    try {
      const host = await ProgramHost.start(engineEnv());
      let providerHost: number | undefined;
      try {
        const run = await host.serve();
        expect(run.env.PULUMI_DEBUG_PROVIDERS).toMatch(/^pulumi-nodejs:\d+$/);
        providerHost = providerHostPid(host.pid!);
        expect(providerHost, "the faults' provider host runs beside the program host").toBeTruthy();
        const up = await pulumiAsync(["up", "--yes", "--skip-preview", "--color", "never", ...run.args, "--stack", inline.name], run.env);
        await host.finished(up.code !== 0);
        expect(up.code, up.out).toBe(0);
      } finally {
        host.stop();
      }
      // The provider host's lifetime is the program host's (its stdin is that process's pipe).
      expect(await gone(providerHost!), "the provider host outlived the program host").toBe(true);
      expect(fs.readFileSync(inlineFile, "utf8")).toBe("created-by-pgchaos\n");
      // The update ran inline (not through the language host), and the CLI's own program sees nothing to change.
      const [last] = JSON.parse(inline.pulumi(["stack", "history", "--json", "--page-size", "1"])) as Array<{ environment: Record<string, string> }>;
      expect(last.environment["exec.kind"]).toBe("auto.inline");
      expect(inline.pulumi(["preview", "--diff", "--expect-no-changes", "--color", "never"])).toMatch(/2 unchanged/);
      inline.pulumi(["destroy", "--yes", "--skip-preview", "--color", "never"]);
      expect(fs.existsSync(inlineFile)).toBe(false);
    } finally {
      inline.dispose();
    }
  }, 300_000);

  it("a program host whose faults' provider host died exits too (the runner then starts both anew)", async () => {
    const host = await ProgramHost.start(engineEnv());
    try {
      const provider = providerHostPid(host.pid!);
      expect(provider).toBeTruthy();
      process.kill(provider!, "SIGKILL");
      expect(await gone(host.pid!), "the program host outlived its provider host").toBe(true);
    } finally {
      host.stop();
    }
  }, 60_000);

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
