import { describe, expect, it } from "vitest";
import { fetchBounded, getJson } from "../../../components/lab/http";

/** A fetch whose headers arrive and whose body never does (what an abort mid-body can leave: nodejs/node#56917). */
const headersOnly: typeof fetch = async () => ({ ok: true, status: 200, json: () => new Promise(() => undefined), text: () => new Promise(() => undefined) }) as unknown as Response;

describe("bounded HTTP reads", () => {
  it("reject within the bound when the body never comes, instead of leaving a promise pending forever", async () => {
    const t0 = Date.now();
    await expect(getJson("http://127.0.0.1:9/cluster", {}, 150, headersOnly)).rejects.toThrow("GET http://127.0.0.1:9/cluster: no complete answer within 150 ms");
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  it("keep node alive while they wait: a child process awaiting a stuck body exits 1 with the error, not 0 with nothing", async () => {
    const { spawnSync } = await import("child_process");
    const path = await import("path");
    const script = `const { fetchBounded } = require(${JSON.stringify(path.resolve(__dirname, "../../../components/lab/http.ts"))});
      fetchBounded("http://x/", {}, 300, (r) => r.json(), async () => ({ json: () => new Promise(() => {}) }))
        .then(() => process.exit(0), (e) => { console.error(e.message); process.exit(1); });`;
    const r = spawnSync(process.execPath, ["--require", "tsx/cjs", "-e", script], { encoding: "utf8", timeout: 20_000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/no complete answer within 300 ms/);
  }, 30_000);

  it("return the answer and name the status of an HTTP error", async () => {
    const ok: typeof fetch = async () => new Response(JSON.stringify({ members: [] }), { status: 200 });
    expect(await getJson("http://x/cluster", {}, 500, ok)).toEqual({ members: [] });
    const bad: typeof fetch = async () => new Response("nope", { status: 503 });
    await expect(getJson("http://x/cluster", { method: "POST" }, 500, bad)).rejects.toThrow("POST http://x/cluster: HTTP 503 nope");
    expect(await fetchBounded("http://x/", {}, 500, (r) => r.text(), async () => new Response("a,b"))).toBe("a,b");
  });
});
