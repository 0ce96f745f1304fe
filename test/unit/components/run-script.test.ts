import { describe, expect, it } from "vitest";
import { runScript } from "../../../components/command/shell-command";

describe("runScript (the fault resource's script runner)", () => {
  it("runs bash with the given environment and resolves to trimmed stdout", async () => {
    await expect(runScript(`echo "$MSG"`, { MSG: "hello" })).resolves.toBe("hello");
  });

  it("fails with the exit code and last output lines; set -e holds", async () => {
    await expect(runScript("echo boom >&2; exit 7")).rejects.toThrow(/exit 7[\s\S]*boom/);
    await expect(runScript("false; echo never")).rejects.toThrow(/exit 1/);
  });
});
