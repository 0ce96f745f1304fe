import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { faultProvider } from "../../../chaos/faults/resource";
import { KEEP_TEXTS, providerTextKey, serializedProvider, type KeyInput } from "../../../chaos/faults/provider-text";

// The fault provider's text is served from a cache keyed by the code it is made from: these show the key
// follows every input, a cached text is served and a changed key is not, and that the text depends on the
// code alone (not on HOME, the cache directory or other environment), which is what makes the key enough.
const input: KeyInput = { modules: [{ file: "a.ts", content: "x" }, { file: "b.ts", content: "y" }], context: ["v20", "3.270.0"] };
const PROJECT = path.resolve(__dirname, "../../..");

describe("fault provider text cache", () => {
  it("the key ignores module order and changes with any file, content or context", () => {
    const k = providerTextKey(input);
    expect(providerTextKey({ ...input, modules: [...input.modules].reverse() })).toBe(k);
    const changed: KeyInput[] = [
      { ...input, modules: [{ file: "a.ts", content: "x " }, input.modules[1]] },
      { ...input, modules: [{ file: "c.ts", content: "x" }, input.modules[1]] },
      { ...input, modules: [input.modules[0]] },
      { ...input, context: ["v22", "3.270.0"] },
      // Boundaries are length-prefixed: moving a byte between two inputs is a change too.
      { ...input, modules: [{ file: "a.ts", content: "xy" }, { file: "b.ts", content: "" }] },
    ];
    for (const c of changed) expect(providerTextKey(c), JSON.stringify(c)).not.toBe(k);
  });

  it("serves the stored text for the same key, serializes afresh for another, and keeps the newest texts only", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pgchaos-ptext-"));
    const fresh = await serializedProvider(faultProvider, { dir, keyInput: input });
    const provider = faultProvider; // the same closure as the SDK's and provider-text's: `() => provider`
    const direct = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
    expect(fresh).toEqual({ text: direct.text, containsSecrets: false });
    const [file] = fs.readdirSync(dir);
    // A planted text under the same key is what comes back: the cache is read, not bypassed.
    fs.writeFileSync(path.join(dir, file), JSON.stringify({ text: "planted", containsSecrets: false }));
    expect((await serializedProvider(faultProvider, { dir, keyInput: input })).text).toBe("planted");
    expect((await serializedProvider(faultProvider, { dir, keyInput: { ...input, context: ["other"] } })).text).toBe(direct.text);
    // A damaged entry is not served.
    fs.writeFileSync(path.join(dir, file), "{not json");
    expect((await serializedProvider(faultProvider, { dir, keyInput: input })).text).toBe(direct.text);
    for (let i = 0; i < KEEP_TEXTS + 3; i++) fs.writeFileSync(path.join(dir, `old${i}.json`), "{}");
    await serializedProvider(faultProvider, { dir, keyInput: { ...input, context: ["newest"] } });
    expect(fs.readdirSync(dir).filter((f) => f.endsWith(".json"))).toHaveLength(KEEP_TEXTS);
  }, 30_000);

  it("the serialized text is the same under another HOME, cache directory and environment", () => {
    const run = (env: NodeJS.ProcessEnv) => {
      const r = spawnSync(path.join(PROJECT, "node_modules", ".bin", "tsx"), ["test/helpers/fault-provider-text.ts"], { cwd: PROJECT, env: { ...process.env, ...env }, encoding: "utf8" });
      expect(r.status, r.stderr).toBe(0);
      return JSON.parse(r.stdout.trim().split("\n").pop()!) as { sha256: string; length: number };
    };
    const a = run({});
    const b = run({ HOME: os.tmpdir(), PGCHAOS_CACHE: "/nonexistent/a", XDG_CACHE_HOME: "/nonexistent/b", PGCHAOS_ROOT: "/elsewhere", PGCHAOS_TEST_EXTRA: "1" });
    expect(a.length).toBeGreaterThan(10_000); // the whole provider, not a stub
    expect(b).toEqual(a);
  }, 60_000);
});
