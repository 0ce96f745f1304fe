import { describe, expect, it } from "vitest";
import { runControllerScript, runControllerScripts } from "../../../chaos/targets/live";

// Several controller-side scripts from one process start (the leftover scan's 7 docker execs): each answer
// reaches its own script whatever bytes it holds, a failure is never an answer, and they run at once.
describe("runControllerScripts", () => {
  it("returns each script's stdout in order, as runControllerScript would", async () => {
    const scripts = ["echo one", "printf 'two\\n0\\n\\n'", "echo \"quotes ' and \\\" and \\$x\"; echo second line", "printf '\\x01\\xff'"];
    const results = await runControllerScripts(scripts);
    const singly = await Promise.all(scripts.map((s) => runControllerScript(s)));
    expect(results).toEqual(singly.map((stdout) => ({ ok: true, stdout })));
  });

  it("a failing script is a failure with its exit code and last error line; the others still answer", async () => {
    const results = await runControllerScripts(["echo fine", "echo first >&2; echo container pg1 is not running >&2; exit 3", "false"]);
    expect(results[0]).toEqual({ ok: true, stdout: "fine" });
    expect(results[1]).toEqual({ ok: false, error: "exit 3: container pg1 is not running" });
    expect(results[2]).toMatchObject({ ok: false, error: expect.stringMatching(/^exit 1/) });
  });

  it("runs them at once, and one over its time is killed and says so", async () => {
    const t0 = Date.now();
    const results = await runControllerScripts(["sleep 1; echo a", "sleep 1; echo b", "sleep 30"], 2000);
    expect(Date.now() - t0).toBeLessThan(8000);
    expect(results.slice(0, 2)).toEqual([{ ok: true, stdout: "a" }, { ok: true, stdout: "b" }]);
    expect(results[2]).toEqual({ ok: false, error: "no answer within 2 s (killed by SIGKILL)" });
  });
});
