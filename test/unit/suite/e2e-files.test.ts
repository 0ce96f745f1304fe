import * as fs from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { E2E_ALONE, E2E_LONGEST_FIRST, e2eRank } from "../../suite/e2e-files";

const E2E_DIR = path.resolve(__dirname, "..", "..", "e2e");

describe("end-to-end file order", () => {
  it("lists every end-to-end file on disk exactly once (a new file must be placed by its measured time)", () => {
    const onDisk = fs.readdirSync(E2E_DIR).filter((f) => f.endsWith(".test.ts")).map((f) => `test/e2e/${f}`).sort();
    expect([...E2E_LONGEST_FIRST].sort()).toEqual(onDisk);
    expect(new Set(E2E_LONGEST_FIRST).size).toBe(E2E_LONGEST_FIRST.length);
  });

  it("runs alone only files that exist", () => {
    for (const f of E2E_ALONE) expect(E2E_LONGEST_FIRST, f).toContain(f);
  });

  it("ranks by the list, and files not in it last", () => {
    expect(e2eRank(`/x/${E2E_LONGEST_FIRST[0]}`)).toBe(0);
    expect(e2eRank(`/x/${E2E_LONGEST_FIRST[3]}`)).toBe(3);
    expect(e2eRank("/x/test/unit/faults/flap.test.ts")).toBe(E2E_LONGEST_FIRST.length);
  });
});
