import { describe, expect, it } from "vitest";
import { labConfigSchema } from "../../../stacks/config";
import { BLOCK_OFFSETS, DERIVED_BLOCK_SIZE, DERIVED_FIRST_PORT, derivedBlockStart, labHostPorts, listeningPorts, overlappingPorts, portClashes, publishedPorts, withDerivedPorts } from "../../../stacks/ports";

const parse = (raw: Record<string, unknown>) => labConfigSchema.parse(raw);
// Names as users pick them, and a few hundred generated ones.
const STACKS = ["staging", "test", "h16", "h16b", "e2e-lab", "prod-like", ...Array.from({ length: 300 }, (_, i) => `lab-${i.toString(36)}`)];

describe("derived host ports", () => {
  it("dev keeps the documented defaults", () => {
    const { raw, derived } = withDerivedPorts({}, "dev");
    expect(derived).toEqual([]);
    const c = parse(raw);
    expect(c.ports).toEqual({ readWrite: 15432, readOnly: 15433, haproxyStats: 18404, postgresBase: 15441, patroniRestBase: 18009, etcdClientBase: 12380 });
    expect(c.monitoring.ports).toEqual({ prometheus: 19090, alertmanager: 19093, receiver: 19094 });
  });

  it("another stack gets a block from its name, the same every time, inside 20000–32767 and off dev's ports", () => {
    for (const stack of STACKS) {
      const start = derivedBlockStart(stack);
      expect(derivedBlockStart(stack)).toBe(start);
      expect((start - DERIVED_FIRST_PORT) % DERIVED_BLOCK_SIZE).toBe(0);
      const c = parse({ ...withDerivedPorts({ ssh: { enabled: true } }, stack).raw, etcdMembers: 5, patroniNodes: 7 });
      const ports = labHostPorts(c).map((p) => p.port);
      for (const p of ports) {
        expect(p).toBeGreaterThanOrEqual(start);
        expect(p).toBeLessThan(Math.min(start + DERIVED_BLOCK_SIZE, 32768));
      }
      // The largest lab the schema allows (5 etcd, 7 Patroni, SSH on) never reuses a port of its own.
      expect(overlappingPorts(labHostPorts(c))).toEqual([]);
      const dev = labHostPorts(parse({ ssh: { enabled: true }, etcdMembers: 5, patroniNodes: 7 })).map((p) => p.port);
      expect(ports.filter((p) => dev.includes(p))).toEqual([]);
    }
  });

  it("keys the stack sets win; only unset ones are derived and listed", () => {
    const { raw, derived } = withDerivedPorts({ ports: { readWrite: 33001 }, monitoring: { enabled: true, ports: { prometheus: 33090 } } }, "h16");
    const c = parse(raw);
    const start = derivedBlockStart("h16");
    expect(c.ports.readWrite).toBe(33001);
    expect(c.ports.readOnly).toBe(start + BLOCK_OFFSETS.ports.readOnly);
    expect(c.monitoring.ports).toEqual({ prometheus: 33090, alertmanager: start + 4, receiver: start + 5 });
    expect(c.monitoring.enabled).toBe(true);
    expect(derived).not.toContain("ports.readWrite");
    expect(derived).not.toContain("monitoring.ports.prometheus");
    expect(derived).toContain("ports.postgresBase");
  });

  it("two different names usually get different blocks (and a shared block is caught as a clash, below)", () => {
    expect(derivedBlockStart("h16")).not.toBe(derivedBlockStart("h16b"));
  });
});

describe("port clashes", () => {
  // /proc/net/tcp: 127.0.0.1:15432 and 0.0.0.0:22 listening, 127.0.0.1:40000 an established connection,
  // 10.0.0.5:9100 listening on another address (no clash with 127.0.0.1).
  const tcp = [
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
    "   0: 0100007F:3C48 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1",
    "   1: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2 1",
    "   2: 0100007F:9C40 0100007F:3C48 01 00000000:00000000 00:00000000 00000000     0        0 3 1",
    "   3: 0500000A:238C 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4 1",
  ].join("\n");
  const tcp6 = [
    "  sl  local_address                         remote_address                        st",
    "   0: 00000000000000000000000001000000:4A38 00000000000000000000000000000000:0000 0A",
    "   1: 0000000000000000FFFF00000100007F:4A39 00000000000000000000000000000000:0000 0A",
  ].join("\n");

  it("reads LISTEN sockets on loopback or any address only", () => {
    expect([...listeningPorts(`${tcp}\n${tcp6}`)].sort((a, b) => a - b)).toEqual([22, 15432, 19000, 19001]);
  });

  it("names the container and lab that publish a port", () => {
    const ps = "pgchaos-dev-haproxy\tpgchaos/dev\t127.0.0.1:15432->5000/tcp, 127.0.0.1:15433->5001/tcp\nother\t\t0.0.0.0:8080-8081->80/tcp, :::8080-8081->80/tcp\n";
    const m = publishedPorts(ps);
    expect(m.get(15433)).toEqual({ container: "pgchaos-dev-haproxy", owner: "pgchaos/dev" });
    expect(m.get(8081)).toEqual({ container: "other", owner: "" });
    expect(m.has(5000)).toBe(false);
  });

  it("a taken port names the key to change, the port, what it is for and who holds it; the lab's own ports are no clash", () => {
    const c = parse(withDerivedPorts({ ports: { readWrite: 15432 } }, "h16").raw);
    const ports = labHostPorts(c);
    const published = publishedPorts("pgchaos-dev-haproxy\tpgchaos/dev\t127.0.0.1:15432->5000/tcp\n");
    const [message, ...rest] = portClashes(ports, new Set([15432]), published, "pgchaos/h16");
    expect(rest).toEqual([]);
    expect(message).toBe("pgchaos:ports.readWrite: port 15432 (HAProxy's read-write port) is already in use by container pgchaos-dev-haproxy (lab pgchaos/dev) on this machine; set pgchaos:ports.readWrite to a free port (pulumi config set --path pgchaos:ports.readWrite <port>)");
    expect(portClashes(ports, new Set([15432]), published, "pgchaos/dev")).toEqual([]);
    const pg2 = c.ports.postgresBase + 1;
    expect(portClashes(ports, new Set([pg2]), new Map(), "pgchaos/h16")).toEqual([
      `pgchaos:ports.postgresBase: port ${pg2} (pg2's PostgreSQL) is already in use by another process on this machine; set pgchaos:ports.postgresBase to a free port (pulumi config set --path pgchaos:ports.postgresBase <port>)`,
    ]);
  });

  it("a set key landing on another key's port is reported with both keys", () => {
    const c = parse(withDerivedPorts({}, "h16").raw);
    const clash = parse({ ...withDerivedPorts({}, "h16").raw, ports: { ...c.ports, readOnly: c.ports.postgresBase + 2 } });
    expect(overlappingPorts(labHostPorts(clash))).toEqual([
      `pgchaos:ports.postgresBase = port ${c.ports.postgresBase + 2} (pg3's PostgreSQL) is also pgchaos:ports.readOnly's (HAProxy's read-only port): set one of them to another port`,
    ]);
  });
});
