import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { ExperimentFileError, loadCatalog, parseExperiment } from "../../../chaos/experiments/definition";

describe("experiment files", () => {
  it("the whole catalog validates, with the default set the main command runs", () => {
    const catalog = loadCatalog();
    expect(catalog.length).toBeGreaterThanOrEqual(11);
    expect(catalog.filter((e) => e.default).map((e) => e.id)).toEqual(["primary-stop", "replica-stop", "etcd-leader-stop", "loss-primary", "delay-haproxy-primary"]);
    for (const e of catalog) expect(e.method.some((s) => s.action === "inject")).toBe(true);
  });

  it("every catalog experiment says which alerts it should raise (an empty list is a stated choice, never an omission)", () => {
    const dir = path.join(__dirname, "..", "..", "..", "chaos", "experiments", "catalog");
    const silent = fs.readdirSync(dir).filter((f) => f.endsWith(".yaml") && !/^expectedAlerts:/m.test(fs.readFileSync(path.join(dir, f), "utf8")));
    expect(silent).toEqual([]);
  });

  it("names the file and the field of an invalid experiment", () => {
    const bad = `id: Bad Id\ntitle: x\ndescription: y\nmethod: []\nexpected: { prose: p, assertions: [{ metric: noSuchMetric, op: "==", value: 0 }] }\n`;
    expect(() => parseExperiment(bad, "bad.yaml")).toThrow(ExperimentFileError);
    try {
      parseExperiment(bad, "bad.yaml");
    } catch (e) {
      const msg = (e as Error).message;
      expect(msg).toContain("bad.yaml: invalid experiment");
      expect(msg).toMatch(/id: must be a-z/);
      expect(msg).toMatch(/method: /);
      expect(msg).toMatch(/expected\.assertions\.0\.metric/);
    }
  });

  it("names the line of every error, for YAML and for fields, and applies command-line overrides before validating", () => {
    const text = `id: x\ntitle: xyz\ndescription: ddd\nmethod:\n  - action: wait\n    seconds: -3\nexpected: { prose: ppp }\n`;
    expect(() => parseExperiment(text, "x.yaml")).toThrow(/x\.yaml:6: method\.0\.seconds: /);
    expect(() => parseExperiment("id: x\n  title: : y\n", "y.yaml")).toThrow(/y\.yaml:2: /);
    expect(parseExperiment(text, "x.yaml", [{ path: ["method", 0, "seconds"], value: 30 }]).method[0]).toEqual({ action: "wait", seconds: 30 });
    expect(() => parseExperiment(text, "x.yaml", [{ path: ["workload", "writeRate"], value: 9999 }])).toThrow(/x\.yaml:\(--set\): workload\.writeRate/);
  });

  it("rejects hostile fault parameters inside an experiment's method", () => {
    const text = `id: x\ntitle: xyz\ndescription: ddd\nmethod:\n  - action: inject\n    faults: [{ name: "a;rm", kind: node-stop, target: primary }]\nexpected: { prose: ppp }\n`;
    expect(() => parseExperiment(text, "x.yaml")).toThrow(/faults\.0\.name/);
  });

  it("rejects expected alerts the rules do not define, and duplicate ids", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pgchaos-catalog-"));
    const exp = (id: string, alerts: string) => `id: ${id}\ntitle: xyz\ndescription: ddd\nmethod:\n  - action: wait\n    seconds: 1\nexpected: { prose: ppp }\nexpectedAlerts: [${alerts}]\n`;
    fs.writeFileSync(path.join(dir, "a.yaml"), exp("a", "NoSuchAlert"));
    expect(() => loadCatalog(dir)).toThrow(/a: expectedAlerts NoSuchAlert not defined/);
    fs.writeFileSync(path.join(dir, "a.yaml"), exp("a", "PostgresDown"));
    fs.writeFileSync(path.join(dir, "b.yaml"), exp("a", "PostgresDown"));
    expect(() => loadCatalog(dir)).toThrow(/duplicate experiment id a/);
  });
});
