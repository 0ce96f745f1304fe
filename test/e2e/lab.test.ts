import { Client } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { must, requireEngineAndDocker, run, TestStack } from "../helpers/engine";

interface InventoryMember {
  name: string;
  kind: string;
  roleAtCreation: string;
  container: string;
  ip: string;
  hostPorts: Record<string, number>;
}

// Ports away from the dev stack's defaults and below Linux's ephemeral range (32768+), where Pulumi's
// own gRPC servers bind, so neither a running dev lab nor the engine collides with this test.
const PORTS = { readWrite: 25432, readOnly: 25433, haproxyStats: 25404, postgresBase: 25441, patroniRestBase: 25009, etcdClientBase: 25380 };
const MONITORING = { "monitoring.ports.prometheus": 25090, "monitoring.ports.alertmanager": 25093, "monitoring.ports.receiver": 25094 };

const query = async (port: number, password: string, sql: string) => {
  const c = new Client({ host: "127.0.0.1", port, user: "postgres", password, database: "postgres", connectionTimeoutMillis: 5000 });
  await c.connect();
  try {
    return (await c.query(sql)).rows;
  } finally {
    await c.end();
  }
};

describe("lab: pulumi up brings a healthy Patroni cluster, destroy removes it", () => {
  let stack: TestStack;
  let outputs: Record<string, unknown>;
  let inventory: InventoryMember[];
  let password: string;

  beforeAll(() => {
    requireEngineAndDocker();
    stack = TestStack.create("e2e-lab", Object.fromEntries([...Object.entries(PORTS).map(([k, v]) => [`pgchaos:ports.${k}`, String(v)]), ...Object.entries(MONITORING).map(([k, v]) => [`pgchaos:${k}`, String(v)])]));
    const t0 = Date.now();
    stack.up();
    console.log(`[lab e2e] pulumi up to healthy: ${((Date.now() - t0) / 1000).toFixed(1)}s`);
    outputs = stack.outputs();
    inventory = outputs.inventory as InventoryMember[];
    password = outputs.superuserPassword as string;
  }, 900_000);

  afterAll(() => stack?.dispose(), 600_000);

  it("has one leader and every replica streaming", async () => {
    const rest = inventory.find((m) => m.kind === "patroni")!.hostPorts.rest;
    const cluster = (await (await fetch(`http://127.0.0.1:${rest}/cluster`)).json()) as { members: Array<{ name: string; role: string; state: string }> };
    const leaders = cluster.members.filter((m) => m.role === "leader");
    expect(leaders).toHaveLength(1);
    expect(leaders[0].name).toBe(outputs.leader);
    const repl = await query(PORTS.readWrite, password, "select application_name, state from pg_stat_replication order by 1");
    const replicas = inventory.filter((m) => m.kind === "patroni" && m.name !== outputs.leader).map((m) => m.name).sort();
    expect(repl).toEqual(replicas.map((name) => ({ application_name: name, state: "streaming" })));
  });

  it("routes the read-write port to the real leader and the read-only port to a replica", async () => {
    const leader = inventory.find((m) => m.name === outputs.leader)!;
    const rw = await query(PORTS.readWrite, password, "select host(inet_server_addr()) as addr, pg_is_in_recovery() as ro");
    expect(rw[0]).toEqual({ addr: leader.ip, ro: false });
    await query(PORTS.readWrite, password, "create table if not exists e2e_t(id int primary key); insert into e2e_t values (1) on conflict do nothing");
    let rows: Array<{ ro: boolean; n: number }> = [];
    for (let i = 0; i < 20; i++) {
      rows = await query(PORTS.readOnly, password, "select pg_is_in_recovery() as ro, count(*)::int as n from e2e_t");
      if (rows[0].n === 1) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(rows[0]).toEqual({ ro: true, n: 1 });
  });

  it("publishes ports on 127.0.0.1 only and labels every container with the stack", () => {
    const ids = must("docker", ["ps", "-q", "--filter", `label=pgchaos.stack=pgchaos/${stack.name}`]).trim().split("\n");
    // Every member of the inventory (Prometheus and Alertmanager are in it: node-stop targets), plus the alert receiver.
    const names = must("docker", ["ps", "--format", "{{.Names}}", "--filter", `label=pgchaos.stack=pgchaos/${stack.name}`]).trim().split("\n");
    for (const m of inventory) expect(names).toContain(m.container);
    expect(names.filter((n) => !inventory.some((m) => m.container === n))).toEqual([expect.stringMatching(/-alert-receiver$/)]);
    expect(ids).toHaveLength(inventory.length + 1);
    for (const id of ids) {
      const ports = JSON.parse(must("docker", ["inspect", "-f", "{{json .NetworkSettings.Ports}}", id])) as Record<string, Array<{ HostIp: string }> | null>;
      for (const bindings of Object.values(ports)) for (const b of bindings ?? []) expect(b.HostIp).toBe("127.0.0.1");
    }
  });

  it("keeps passwords out of state in plain text and out of command lines", () => {
    const state = must("pulumi", ["stack", "export", "--stack", stack.name]);
    expect(state).not.toContain(password);
    const pg1 = inventory.find((m) => m.kind === "patroni")!;
    const args = must("docker", ["inspect", "-f", "{{json .Args}}", pg1.container]);
    expect(args).not.toContain(password);
  });

  it("a second up is a no-op; destroy leaves no container, network or volume; a second destroy is a no-op", () => {
    expect(stack.pulumi(["preview", "--expect-no-changes", "--color", "never"])).toMatch(/unchanged/);
    stack.pulumi(["destroy", "--yes", "--skip-preview", "--color", "never"], 600_000);
    const label = `label=pgchaos.stack=pgchaos/${stack.name}`;
    expect(must("docker", ["ps", "-aq", "--filter", label]).trim()).toBe("");
    expect(must("docker", ["network", "ls", "-q", "--filter", label]).trim()).toBe("");
    expect(must("docker", ["volume", "ls", "-q", "--filter", label]).trim()).toBe("");
    const again = stack.tryPulumi(["destroy", "--yes", "--skip-preview", "--color", "never"]);
    expect(again.status).toBe(0);
    expect(run("pulumi", ["stack", "output", "--stack", stack.name, "--json"]).stdout.trim()).toBe("{}");
  }, 600_000);
});
