import { describe, expect, it } from "vitest";
import { experimentSchema, loadCatalog, mergeConfig, patroniConfigSchema, sizeMegabytes, withVariant } from "../../../chaos/experiments/definition";
import { configDelta, configIncludes, configProjection } from "../../../chaos/experiments/primary-probes";

const issues = (v: unknown) => {
  const r = patroniConfigSchema.safeParse(v);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
};

describe("Patroni runtime configuration for WAL retention", () => {
  it("accepts use_slots, bounded WAL sizes and permanent physical slots", () => {
    expect(issues({ postgresql: { use_slots: false, parameters: { wal_keep_size: "16MB", max_wal_size: "32MB", min_wal_size: "32MB" } } })).toEqual([]);
    expect(issues({ slots: { pg1: { type: "physical" }, db_2: { type: "physical" } } })).toEqual([]);
    expect(sizeMegabytes("1GB")).toBe(1024);
    expect(sizeMegabytes("1 GB")).toBeUndefined();
  });

  it("rejects values Patroni or PostgreSQL would ignore or refuse, naming the key and the range", () => {
    expect(issues({ postgresql: { parameters: { wal_keep_size: "0" } } })).toEqual(['postgresql.parameters.wal_keep_size: postgresql.parameters.wal_keep_size: a size such as "16MB" or "1GB"']);
    expect(issues({ postgresql: { parameters: { wal_keep_size: "8MB" } } })[0]).toMatch(/wal_keep_size: must be 16MB–65536MB \(Patroni ignores values under 16MB\)/);
    expect(issues({ postgresql: { parameters: { max_wal_size: "16MB" } } })[0]).toMatch(/max_wal_size: must be 32MB–65536MB \(at least two WAL segments\)/);
    expect(issues({ postgresql: { parameters: { min_wal_size: "64MB", max_wal_size: "32MB" } } })[0]).toMatch(/min_wal_size \(64MB\) must not exceed max_wal_size \(32MB\)/);
    expect(issues({ postgresql: { parameters: { shared_buffers: "1GB" } } })[0]).toMatch(/postgresql\.parameters.*shared_buffers/);
    expect(issues({ postgresql: { use_slots: "no" } })[0]).toMatch(/^postgresql\.use_slots/);
    expect(issues({ slots: { PG1: { type: "physical" } } })[0]).toMatch(/slots.*not a slot name \(lower case letters, digits and '_'/);
    expect(issues({ slots: { pg1: { type: "logical" } } })[0]).toMatch(/^slots\.pg1\.type/);
  });

  it("reinit-if-stuck needs the resync sampler", () => {
    const base = { id: "x", title: "xyz", description: "ddd", expected: { prose: "ppp" } };
    const r = experimentSchema.safeParse({ ...base, method: [{ action: "reinit-if-stuck" }] });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]).toMatchObject({ path: ["method", 0, "action"], message: "reinit-if-stuck needs probes.resync: true" });
    expect(experimentSchema.safeParse({ ...base, probes: { resync: true }, method: [{ action: "reinit-if-stuck", graceSeconds: 0 }] }).error!.issues[0].message).toBe("reinit-if-stuck.graceSeconds: at least 1");
    expect(experimentSchema.safeParse({ ...base, method: [{ action: "generate-wal", megabytes: 4096 }] }).error!.issues[0].message).toMatch(/generate-wal\.megabytes: at most 2048/);
  });

  it("patches nested keys leaf by leaf and restores what was there (null: absent)", () => {
    const current = { ttl: 10, postgresql: { use_pg_rewind: true, use_slots: true, parameters: { wal_keep_size: "128MB", max_connections: 100 } } };
    const wanted = { postgresql: { use_slots: false, parameters: { wal_keep_size: "16MB", max_wal_size: "32MB" } } };
    expect(configDelta(current, wanted)).toEqual({
      patch: { postgresql: { use_slots: false, parameters: { wal_keep_size: "16MB", max_wal_size: "32MB" } } },
      restore: { postgresql: { use_slots: true, parameters: { wal_keep_size: "128MB", max_wal_size: null } } },
    });
    expect(configDelta(current, { slots: { pg1: { type: "physical" } } })).toEqual({ patch: { slots: { pg1: { type: "physical" } } }, restore: { slots: null } });
    expect(configDelta({ slots: { a: { type: "physical" } } }, { slots: { a: { type: "physical" }, pg1: { type: "physical" } } })).toEqual({ patch: { slots: { pg1: { type: "physical" } } }, restore: { slots: { pg1: null } } });
    expect(configDelta(current, { postgresql: { use_slots: true } })).toEqual({ patch: {}, restore: {} });
    expect(configProjection(current, wanted)).toEqual({ postgresql: { use_slots: true, parameters: { wal_keep_size: "128MB", max_wal_size: null } } });
    expect(configIncludes(current, wanted)).toBe(false);
    expect(configIncludes({ ...current, postgresql: { ...current.postgresql, use_slots: false, parameters: { wal_keep_size: "16MB", max_wal_size: "32MB", max_connections: 100 } } }, wanted)).toBe(true);
  });

  it("merges a variant's nested settings over the experiment's", () => {
    expect(mergeConfig({ postgresql: { use_slots: true, parameters: { wal_keep_size: "16MB" } } }, { postgresql: { parameters: { max_wal_size: "32MB" } } }))
      .toEqual({ postgresql: { use_slots: true, parameters: { wal_keep_size: "16MB", max_wal_size: "32MB" } } });
  });

  it("replica-long-isolation declares a WAL-retained and a WAL-too-small variant with their expected resync", () => {
    const e = loadCatalog().find((x) => x.id === "replica-long-isolation")!;
    expect(e.probes.resync).toBe(true);
    expect(e.method.map((s) => s.action)).toEqual(["inject", "wait", "generate-wal", "wait", "recover", "reinit-if-stuck", "wait-healthy"]);
    const retained = withVariant(e, "wal-retained");
    const small = withVariant(e, "wal-too-small");
    expect(retained.patroniConfig).toEqual({ postgresql: { use_slots: true }, slots: { pg1: { type: "physical" }, pg2: { type: "physical" }, pg3: { type: "physical" } } });
    expect(small.patroniConfig).toEqual({ postgresql: { use_slots: false, parameters: { wal_keep_size: "16MB", max_wal_size: "32MB", min_wal_size: "32MB" } } });
    expect(retained.expected.assertions).toContainEqual(expect.objectContaining({ metric: "resyncMethod", op: "==", value: "slot" }));
    expect(small.expected.assertions).toContainEqual(expect.objectContaining({ metric: "resyncMethod", op: "==", value: "reinit" }));
  });
});
