import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runScript } from "../../../components/command/shell-command";
import { runControllerScript } from "../../../chaos/targets/live";

/**
 * bash runs ~/.bashrc for a non-interactive shell whose stdin is a socket (Node's piped stdio) when SHLVL is 0,
 * as under npx, cron or CI. A user's startup file must never run in the controller's scripts: here one
 * waited 60 s on a pyenv lock, so every leftover scan timed out; one that prints would corrupt their output.
 */
describe("controller scripts ignore the user's ~/.bashrc", () => {
  const saved = { HOME: process.env.HOME, SHLVL: process.env.SHLVL };
  let home: string;
  beforeEach(() => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), "pgchaos-home-"));
    fs.writeFileSync(path.join(home, ".bashrc"), "echo FROM-BASHRC\n");
    process.env.HOME = home;
    process.env.SHLVL = "0";
  });
  afterEach(() => {
    Object.assign(process.env, saved);
    fs.rmSync(home, { recursive: true, force: true });
  });

  it("the bashrc is a real trap: plain bash -c with a piped stdin runs it", async () => {
    const { execFileSync } = await import("child_process");
    expect(execFileSync("bash", ["-c", "echo ok"], { encoding: "utf8", stdio: ["pipe", "pipe", "pipe"] })).toContain("FROM-BASHRC");
  });

  it("runControllerScript (doctor's and the runner's scans) prints only the script's output", async () => {
    await expect(runControllerScript("echo ok")).resolves.toBe("ok");
  });

  it("runScript (the fault resource's scripts) prints only the script's output", async () => {
    await expect(runScript("echo ok")).resolves.toBe("ok");
  });
});
