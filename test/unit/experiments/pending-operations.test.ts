import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { gzipSync } from "zlib";
import { describe, expect, it } from "vitest";
import { describePending, pendingOperations } from "../../../chaos/experiments/pending-operations";

// A file backend with one stack's checkpoint, as Pulumi writes it after a `pulumi` killed mid-create.
function backend(checkpoint: object, gz = false): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "pgc-pending-"));
  const dir = path.join(root, ".pulumi", "stacks", "pgchaos");
  fs.mkdirSync(dir, { recursive: true });
  const text = JSON.stringify(checkpoint);
  if (gz) fs.writeFileSync(path.join(dir, "lab-chaos.json.gz"), gzipSync(text));
  else fs.writeFileSync(path.join(dir, "lab-chaos.json"), text);
  return `file://${root}?metadata=skip`;
}
const urn = "urn:pulumi:lab-chaos::pgchaos::pulumi-nodejs:dynamic/pgchaos:Fault::d10-fault";
const killedMidCreate = { version: 3, checkpoint: { stack: "lab-chaos", latest: { resources: [], pending_operations: [{ resource: { urn, type: "pulumi-nodejs:dynamic/pgchaos:Fault" }, type: "creating" }] } } };

describe("pending operations a killed pulumi left", () => {
  it("reads them from the stack's checkpoint (plain or gzipped), with the query of the backend URL dropped", () => {
    for (const gz of [false, true]) {
      const ops = pendingOperations("pgchaos", "lab-chaos", backend(killedMidCreate, gz));
      expect(ops).toEqual([{ type: "creating", urn }]);
      expect(describePending(ops)).toBe("creating d10-fault (pulumi-nodejs:dynamic/pgchaos:Fault)");
    }
  });

  it("finds none in a clean checkpoint, a stack not created yet, or another backend", () => {
    const clean = backend({ version: 3, checkpoint: { stack: "lab-chaos", latest: { resources: [] } } });
    expect(pendingOperations("pgchaos", "lab-chaos", clean)).toEqual([]);
    expect(pendingOperations("pgchaos", "other-chaos", clean)).toEqual([]);
    expect(pendingOperations("pgchaos", "lab-chaos", "s3://bucket")).toEqual([]);
  });
});
