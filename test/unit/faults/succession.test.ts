import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as zlib from "zlib";
import { describe, expect, it } from "vitest";
import { readOwnDeployment, stateFaultsOf, successions } from "../../../chaos/faults/succession";

describe("one fault at a time per link, across an update", () => {
  const d10 = { name: "d10", conflictKeys: ["delay:pg1"] };
  it("a renamed conflicting fault takes over the one leaving the state; unrelated and same-name faults do not", () => {
    expect(successions([d10], [{ name: "d100", conflictKeys: ["delay:pg1"] }])).toEqual({ predecessors: ["d10"], conflicts: [] });
    expect(successions([d10], [{ name: "d100", conflictKeys: ["delay:pg2"] }]).predecessors).toEqual([undefined]);
    expect(successions([d10], [{ name: "d10", conflictKeys: ["delay:pg1"] }]).predecessors).toEqual([undefined]);
    // d10 stays in config: no take-over (the config's own conflict check rejects the pair).
    expect(successions([d10], [d10, { name: "d100", conflictKeys: ["delay:pg1"] }]).predecessors).toEqual([undefined, undefined]);
  });

  it("conflicts that cannot be ordered in one update are named", () => {
    const two = successions([d10], [{ name: "a", conflictKeys: ["delay:pg1"] }, { name: "b", conflictKeys: ["delay:pg1", "delay:pg2"] }]);
    expect(two.conflicts).toEqual(["faults a and b both conflict with d10, still in state: add one of them in a later `pulumi up`"]);
    const both = successions([d10, { name: "d2", conflictKeys: ["delay:pg2"] }], [{ name: "x", conflictKeys: ["delay:pg1", "delay:pg2"] }]);
    expect(both.conflicts[0]).toMatch(/fault x conflicts with d10 and d2, still in state/);
  });

  it("reads names and conflict keys of the Fault resources in a stack export", () => {
    expect(stateFaultsOf({ resources: [{ type: "pulumi:pulumi:Stack" }, { type: "pulumi-nodejs:dynamic/pgchaos:Fault", outputs: { name: "d10", conflictKeys: ["delay:pg1"] } }, { type: "pulumi-nodejs:dynamic/pgchaos:Fault", outputs: { name: "old" } }] }))
      .toEqual([d10, { name: "old", conflictKeys: [] }]);
  });
});

describe("the stack's own state, read from a local file backend's checkpoint", () => {
  const fault = { type: "pulumi-nodejs:dynamic/pgchaos:Fault", outputs: { name: "d10", conflictKeys: ["delay:pg1"] } };
  const checkpoint = JSON.stringify({ version: 3, checkpoint: { stack: "organization/pgchaos/c", latest: { resources: [fault] } } });

  it("reads the last deployment from the plain and the gzipped checkpoint alike", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pgchaos-state-"));
    try {
      const stacks = path.join(dir, ".pulumi", "stacks", "pgchaos");
      fs.mkdirSync(stacks, { recursive: true });
      fs.writeFileSync(path.join(stacks, "c.json"), checkpoint);
      fs.writeFileSync(path.join(stacks, "g.json.gz"), zlib.gzipSync(checkpoint));
      for (const stack of ["c", "g"]) expect(stateFaultsOf(await readOwnDeployment(stack, "pgchaos", `file://${dir}?metadata=skip`))).toEqual([{ name: "d10", conflictKeys: ["delay:pg1"] }]);
      expect(await readOwnDeployment("c", "pgchaos", `file://${dir}`)).toEqual({ resources: [fault] });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
