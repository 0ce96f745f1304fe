import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { etcdFlags } from "../../../components/etcd/config";
import { renderHaproxyCfg } from "../../../components/haproxy/config";
import { haproxyChecksFrom } from "../../../chaos/gameday/settings";
import { patroniConfig, renderPatroniYaml } from "../../../components/patroni/config";
import { labConfigSchema } from "../../../stacks/config";

const dcs = labConfigSchema.parse({}).dcs;
const node = { scope: "pgchaos", name: "pg2", etcdHosts: ["etcd1", "etcd2", "etcd3"], subnet: "172.20.0.0/16", dcs, postgresParameters: { wal_keep_size: "64MB" } };

describe("generated patroni.yml", () => {
  it("round-trips through YAML and matches the snapshot", () => {
    const text = renderPatroniYaml(node);
    expect(parse(text)).toEqual(patroniConfig(node));
    expect(text).toMatchSnapshot();
  });

  it("carries the DCS timings, failsafe/synchronous mode, pg_rewind and user parameters", () => {
    const c = patroniConfig({ ...node, dcs: { ...dcs, ttl: 20, loopWait: 5, retryTimeout: 6, failsafeMode: true, synchronousMode: true } }) as any;
    expect(c.bootstrap.dcs).toMatchObject({ ttl: 20, loop_wait: 5, retry_timeout: 6, failsafe_mode: true, synchronous_mode: true });
    expect(c.bootstrap.dcs.postgresql.use_pg_rewind).toBe(true);
    expect(c.bootstrap.dcs.postgresql.parameters.wal_keep_size).toBe("64MB");
    expect(c.etcd3.hosts).toEqual(["etcd1:2379", "etcd2:2379", "etcd3:2379"]);
    expect(c.restapi.connect_address).toBe("pg2:8008");
  });

  it("contains no password (they come from the environment)", () => {
    const c = patroniConfig(node) as any;
    for (const user of Object.values(c.postgresql.authentication) as Array<Record<string, unknown>>) expect(user).not.toHaveProperty("password");
  });
});

describe("generated haproxy.cfg", () => {
  const cfg = renderHaproxyCfg({ nodes: ["pg1", "pg2", "pg3"].map((name) => ({ name, postgresPort: 5432, restPort: 8008 })) });

  it("takes the check interval, fall and rise from the lab's configuration, and the game day reads them back", () => {
    const tuned = renderHaproxyCfg({ nodes: [{ name: "pg1", postgresPort: 5432, restPort: 8008 }], checks: { checkIntervalMs: 300, fall: 1, rise: 2 } });
    expect(tuned).toMatch(/default-server inter 300ms fastinter 200ms fall 1 rise 2 /);
    expect(haproxyChecksFrom(tuned)).toEqual({ interMs: 300, fall: 1, rise: 2 });
    expect(haproxyChecksFrom(cfg)).toEqual({ interMs: 1000, fall: 2, rise: 1 });
  });

  it("routes rw by /primary and ro by /replica with fast checks and session shutdown", () => {
    const rw = cfg.slice(cfg.indexOf("listen primary"), cfg.indexOf("listen replicas"));
    const ro = cfg.slice(cfg.indexOf("listen replicas"));
    expect(rw).toContain("option httpchk GET /primary");
    expect(ro).toContain("option httpchk GET /replica");
    for (const block of [rw, ro]) {
      expect(block).toContain("on-marked-down shutdown-sessions");
      expect(block).toMatch(/inter 1000ms/);
      expect(block.match(/^\s+server pg\d /gm)).toHaveLength(3);
    }
    expect(cfg).toContain("prometheus-exporter");
  });

  it("matches the snapshot", () => expect(cfg).toMatchSnapshot());
});

describe("etcd flags", () => {
  it("form a static cluster addressed by container name", () => {
    const flags = etcdFlags({ name: "etcd2", members: ["etcd1", "etcd2", "etcd3"], clusterToken: "pgchaos-dev" });
    expect(flags).toContain("--initial-cluster=etcd1=http://etcd1:2380,etcd2=http://etcd2:2380,etcd3=http://etcd3:2380");
    expect(flags).toContain("--advertise-client-urls=http://etcd2:2379");
    expect(flags).toMatchSnapshot();
  });
});
