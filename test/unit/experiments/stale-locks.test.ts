import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterEach, describe, expect, it } from "vitest";
import { isStale, lockDir, processAlive, projectName, readLocks, removeStaleLocks, staleLocks } from "../../../chaos/experiments/stale-locks";

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** A file backend with the lock files Pulumi writes, in its own layout. */
function backendWith(locks: Record<string, unknown>): { url: string; dir: string } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "pgchaos-locks-"));
  dirs.push(root);
  const dir = path.join(root, ".pulumi", "locks", "organization", "pgchaos", "lab-chaos");
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, content] of Object.entries(locks)) fs.writeFileSync(path.join(dir, name), typeof content === "string" ? content : JSON.stringify(content));
  return { url: `file://${root}`, dir };
}

/** A pid that existed and is gone: a process that already exited. */
const deadPid = () => spawnSync("true").pid!;
const lock = (pid: number, hostname = os.hostname()) => ({ pid, username: "root", hostname, timestamp: "2026-12-01T21:21:51.250439873Z" });

describe("stale stack locks (left by a killed pulumi)", () => {
  it("finds the lock folder of a file backend only", () => {
    expect(lockDir("file:///work/x/.pulumi-state", "pgchaos", "lab-chaos")).toBe("/work/x/.pulumi-state/.pulumi/locks/organization/pgchaos/lab-chaos");
    expect(lockDir("https://api.pulumi.com", "pgchaos", "lab-chaos")).toBeUndefined();
    expect(lockDir(undefined, "pgchaos", "lab-chaos")).toBeUndefined();
    expect(projectName(path.resolve(__dirname, "../../.."))).toBe("pgchaos");
  });

  it("tells a live process from a gone one", () => {
    expect(processAlive(process.pid)).toBe(true);
    expect(processAlive(deadPid())).toBe(false);
    const l = { file: "f", pid: 7, hostname: "a", timestamp: "t" };
    expect(isStale(l, { hostname: "a", alive: () => false })).toBe(true);
    expect(isStale(l, { hostname: "a", alive: () => true })).toBe(false);
    // Another host's lock (a shared backend): its process cannot be probed from here, so never stale.
    expect(isStale(l, { hostname: "b", alive: () => false })).toBe(false);
  });

  it("removes exactly the stale locks, and leaves live, foreign and unreadable ones", () => {
    const gone = deadPid();
    const { url, dir } = backendWith({
      "a.json": lock(gone), "a.json.attrs": "{}", "b.json": lock(process.pid), "b.json.attrs": "{}", "c.json": lock(gone, "another-host"), "d.json": "not json", "e.txt": lock(gone),
    });
    expect(readLocks(dir).map((l) => path.basename(l.file)).sort()).toEqual(["a.json", "b.json", "c.json"]);
    expect(staleLocks("pgchaos", "lab-chaos", url).map((l) => path.basename(l.file))).toEqual(["a.json"]);
    expect(removeStaleLocks("pgchaos", "lab-chaos", url).map((l) => l.pid)).toEqual([gone]);
    expect(fs.readdirSync(dir).sort()).toEqual(["b.json", "b.json.attrs", "c.json", "d.json", "e.txt"]);
    // Idempotent: nothing stale is left to remove.
    expect(removeStaleLocks("pgchaos", "lab-chaos", url)).toEqual([]);
  });

  it("a stack with no lock folder has no stale lock", () => {
    const { url } = backendWith({});
    expect(staleLocks("pgchaos", "other-stack", url)).toEqual([]);
  });
});
