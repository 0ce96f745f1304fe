import { describe, expect, it } from "vitest";
import { ConfigError, labConfigSchema, parseConfig } from "../../../stacks/config";

const parse = (raw: Record<string, unknown>) => parseConfig(labConfigSchema, "pgchaos", raw);
const errorOf = (raw: Record<string, unknown>) => {
  try {
    parse(raw);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error("expected a config error");
};

describe("lab config", () => {
  it("fills every default from an empty config", () => {
    const c = parse({});
    expect(c).toMatchObject({ scope: "pgchaos", etcdMembers: 3, patroniNodes: 3, readinessTimeoutSeconds: 240 });
    expect(c.dcs).toEqual({ ttl: 10, loopWait: 2, retryTimeout: 4, maximumLagOnFailover: 1048576, failsafeMode: false, synchronousMode: false });
    expect(c.ports.readWrite).toBe(15432);
  });

  it("accepts the documented ranges", () => {
    for (const etcdMembers of [1, 3, 5]) expect(parse({ etcdMembers }).etcdMembers).toBe(etcdMembers);
    for (const patroniNodes of [2, 7]) expect(parse({ patroniNodes }).patroniNodes).toBe(patroniNodes);
    expect(parse({ dcs: { ttl: 30, loopWait: 10, retryTimeout: 10, failsafeMode: true } }).dcs.failsafeMode).toBe(true);
    expect(parse({ postgresParameters: { wal_keep_size: "64MB", max_connections: 50, hot_standby_feedback: true } }).postgresParameters.max_connections).toBe(50);
  });

  it("names the key, the value and the allowed range of each bad value", () => {
    expect(errorOf({ patroniNodes: 9 })).toMatch(/pgchaos:patroniNodes = 9: .*<=\s*7/);
    expect(errorOf({ patroniNodes: 1 })).toMatch(/pgchaos:patroniNodes = 1: .*>=\s*2/);
    expect(errorOf({ etcdMembers: 2 })).toMatch(/pgchaos:etcdMembers = 2: must be 1, 3 or 5/);
    expect(errorOf({ dcs: { ttl: 2 } })).toMatch(/pgchaos:dcs\.ttl = 2: .*>=\s*5/);
    expect(errorOf({ ports: { readWrite: 80 } })).toMatch(/pgchaos:ports\.readWrite = 80: .*>=\s*1024/);
  });

  it("enforces Patroni's loop_wait + 2 * retry_timeout <= ttl", () => {
    expect(errorOf({ dcs: { ttl: 10, loopWait: 5, retryTimeout: 5 } })).toMatch(/loopWait \+ 2 \* retryTimeout must be <= ttl/);
  });

  it("rejects unknown keys (typos) instead of ignoring them", () => {
    expect(errorOf({ patroniNode: 3 })).toMatch(/patroniNode/);
    expect(errorOf({ dcs: { tll: 10 } })).toMatch(/tll/);
  });

  it.each([
    ["scope", { scope: "x; rm -rf /" }],
    ["scope with quote", { scope: "pg'chaos" }],
    ["scope with newline", { scope: "pg\nchaos" }],
    ["parameter value", { postgresParameters: { work_mem: "4MB'; drop table x; --" } }],
    ["parameter value with newline", { postgresParameters: { work_mem: "4MB\nlisten_addresses='*'" } }],
    ["parameter name", { postgresParameters: { "work_mem;rm": "4MB" } }],
  ])("rejects hostile strings: %s", (_label, raw) => {
    expect(() => parse(raw)).toThrow(ConfigError);
  });
});
