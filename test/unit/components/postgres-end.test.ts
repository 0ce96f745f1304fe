import type { Client } from "pg";
import { describe, expect, it, vi } from "vitest";
import { endPostgres } from "../../../components/lab/postgres";

describe("ending a pg client", () => {
  it("returns within its bound and destroys the socket when end() never settles (node-postgres#2923)", async () => {
    const destroy = vi.fn();
    const stuck = { end: () => new Promise<void>(() => undefined), connection: { stream: { destroy } } } as unknown as Client;
    const t0 = Date.now();
    await endPostgres(stuck, 100);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(95);
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(destroy).toHaveBeenCalledOnce();
  });

  it("leaves a client that ends normally alone, and swallows end()'s own rejection", async () => {
    const destroy = vi.fn();
    await endPostgres({ end: async () => undefined, connection: { stream: { destroy } } } as unknown as Client, 100);
    await endPostgres({ end: async () => { throw new Error("already closed"); }, connection: { stream: { destroy } } } as unknown as Client, 100);
    expect(destroy).not.toHaveBeenCalled();
  });
});
