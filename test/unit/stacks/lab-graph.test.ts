import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { derivedBlockStart } from "../../../stacks/ports";

interface Created {
  type: string;
  name: string;
  inputs: Record<string, any>;
}
const created: Created[] = [];

// The lab's resource graph under Pulumi's mocks: what `pulumi up` would create, without Docker.
describe("lab component graph (Pulumi mocks)", () => {
  let outputs: Record<string, any>;

  beforeAll(async () => {
    process.env.PULUMI_CONFIG = JSON.stringify({ "pgchaos:patroniNodes": "3", "pgchaos:etcdMembers": "3" });
    pulumi.runtime.setMocks(
      {
        newResource(args) {
          created.push({ type: args.type, name: args.name, inputs: args.inputs });
          const extra: Record<string, unknown> = {};
          if (args.name === "network-subnet") extra.stdout = "10.213.7.0/24";
          if (args.type === "docker:index/container:Container") extra.networkDatas = [{ networkName: args.inputs.networksAdvanced[0].name, ipAddress: `10.213.7.${created.length}` }];
          if (args.type === "docker:index/remoteImage:RemoteImage") extra.imageId = `sha256:${args.name}`;
          if (args.name === "readiness") extra.stdout = JSON.stringify({ leader: "pg1", leaderAddress: "10.213.7.21", replicas: ["pg2", "pg3"], secondsToHealthy: 1 });
          if (args.type === "random:index/randomPassword:RandomPassword") extra.result = `pw-${args.name}`;
          return { id: `${args.name}-id`, state: { ...args.inputs, ...extra } };
        },
        call: (args) => args.inputs,
      },
      "pgchaos",
      "unit",
      true,
    );
    const program = await import("../../../stacks/index");
    outputs = await program.selectProgram();
    // Registration is asynchronous: the inventory depends on every member, so once it resolves all are in.
    await new Promise((r) => (outputs.inventory as pulumi.Output<unknown>).apply(r));
    await new Promise((r) => (outputs.readWriteConnection as pulumi.Output<unknown>).apply(r));
  }, 60_000);

  const names = () => created.map((c) => c.name);
  const container = (n: string) => created.find((c) => c.name === n && c.type === "docker:index/container:Container")!;
  const typeOf = (n: string) => created.find((c) => c.name === n && !c.type.startsWith("pgchaos:"))?.type;
  const resolve = <T>(o: pulumi.Output<T>) => new Promise<T>((r) => o.apply((v) => r(v)));

  it("creates images, network, volumes, members, passwords and the readiness wait", () => {
    expect(names()).toEqual(expect.arrayContaining([
      "image-base", "image-etcd", "image-patroni", "image-haproxy", "network",
      "etcd1", "etcd2", "etcd3", "etcd1-data", "pg1", "pg2", "pg3", "pg1-data", "haproxy",
      "password-superuser", "password-replication", "password-rewind", "readiness",
    ]));
    expect(created.filter((c) => c.type === "pgchaos:lab:PatroniCluster")).toHaveLength(1);
    expect(created.filter((c) => c.type === "pgchaos:lab:EtcdCluster")).toHaveLength(1);
    // Through the SDKs' resource types (served by the real plugins or the stand-ins, docs/toolchain.md).
    expect(["image-base", "network", "etcd1-data", "pg1", "password-superuser", "readiness", "network-subnet"].map(typeOf)).toEqual([
      "docker:index/remoteImage:RemoteImage", "docker:index/network:Network", "docker:index/volume:Volume", "docker:index/container:Container",
      "random:index/randomPassword:RandomPassword", "command:local:Command", "command:local:Command",
    ]);
    expect(created.find((c) => c.name === "network")!.inputs.ipamConfigs).toEqual([{ subnet: "10.213.7.0/24", ipRange: "10.213.7.128/25" }]);
  });

  it("members are containers on the lab network, published on 127.0.0.1 only", () => {
    for (const [n, ip] of [["etcd1", "10.213.7.11"], ["pg2", "10.213.7.22"], ["haproxy", "10.213.7.30"]]) {
      const c = container(n).inputs;
      expect(c.name).toBe(`pgchaos-unit-${n}`);
      expect(c.networksAdvanced).toEqual([{ name: "pgchaos-unit-net", aliases: [n], ipv4Address: ip }]);
      expect(c.ports.length).toBeGreaterThan(0);
      expect(c.ports.every((p: { ip: string }) => p.ip === "127.0.0.1")).toBe(true);
      expect(c.restart).toBe("no");
    }
  });

  it("passes passwords only through the secret environment", () => {
    const pg1 = container("pg1").inputs;
    const { envs, ...rest } = pg1;
    expect(JSON.stringify(rest)).not.toContain("pw-password");
    // Pulumi's secret signature: envs reach the engine as a secret value, holding the three passwords.
    expect(envs["4dabf18193072939515e22adb298388d"]).toBe("1b47061264138c4ac30d75fd1eb44270");
    expect((envs.value as string[]).filter((e) => e.includes("=pw-password-")).map((e) => e.split("=")[0]).sort())
      .toEqual(["PATRONI_REPLICATION_PASSWORD", "PATRONI_REWIND_PASSWORD", "PATRONI_SUPERUSER_PASSWORD"]);
    // The readiness command gets the superuser password through its (secret) environment only.
    const readiness = created.find((c) => c.name === "readiness")!.inputs;
    expect(readiness.create).not.toContain("pw-");
    expect(readiness.environment["4dabf18193072939515e22adb298388d"]).toBe("1b47061264138c4ac30d75fd1eb44270");
  });

  it("adds monitoring: image, Prometheus/Alertmanager/receiver containers with volumes, exporters on members", async () => {
    // Monitoring waits for the readiness resource: its registrations land a few ticks after the rest.
    for (let i = 0; i < 100 && !names().includes("prometheus"); i++) await new Promise((r) => setTimeout(r, 50));
    expect(names()).toEqual(expect.arrayContaining(["image-monitoring", "prometheus", "alertmanager", "alert-receiver", "prometheus-data", "alert-receiver-data"]));
    expect(created.filter((c) => c.type === "pgchaos:lab:Monitoring")).toHaveLength(1);
    for (const n of ["prometheus", "alertmanager", "alert-receiver"]) {
      const c = container(n).inputs;
      // Stack `unit` is not dev: its ports come from its name's block (stacks/ports.ts).
      expect(c.ports).toEqual([{ internal: expect.any(Number), external: derivedBlockStart("unit") + { prometheus: 3, alertmanager: 4, "alert-receiver": 5 }[n]!, ip: "127.0.0.1", protocol: "tcp" }]);
      expect(c.memory).toBeGreaterThan(0);
      expect(c.restart).toBe("on-failure");
      expect(c.networksAdvanced[0].ipv4Address).toBeUndefined();
    }
    for (const n of ["etcd1", "pg1", "haproxy"]) expect(container(n).inputs.command[0]).toBe("pgchaos-with-node-exporter");
    expect(container("pg1").inputs.command.join(" ")).toContain("prometheus-postgres-exporter");
    const b = derivedBlockStart("unit");
    expect(outputs.monitoring).toEqual({ prometheus: `http://127.0.0.1:${b + 3}`, alertmanager: `http://127.0.0.1:${b + 4}`, receiver: `http://127.0.0.1:${b + 5}` });
  });

  it("exports the inventory, connection strings and the network", async () => {
    const inventory = await resolve(outputs.inventory as pulumi.Output<Array<{ name: string; kind: string; roleAtCreation: string; hostPorts: Record<string, number> }>>);
    expect(inventory.map((m) => `${m.name}:${m.kind}:${m.roleAtCreation}`)).toEqual([
      "etcd1:etcd:member", "etcd2:etcd:member", "etcd3:etcd:member",
      "pg1:patroni:leader", "pg2:patroni:replica", "pg3:patroni:replica", "haproxy:haproxy:proxy",
      // Monitoring containers are node-stop targets (monitoring down during a failure).
      "prometheus:monitoring:monitoring", "alertmanager:monitoring:monitoring",
    ]);
    const b = derivedBlockStart("unit");
    expect(inventory.find((m) => m.name === "alertmanager")!.hostPorts).toEqual({ http: b + 4 });
    expect(inventory.find((m) => m.name === "pg3")!.hostPorts).toEqual({ postgres: b + 16 + 2, rest: b + 24 + 2 });
    expect(await resolve(outputs.readWriteConnection)).toBe(`postgresql://postgres:pw-password-superuser@127.0.0.1:${b}/postgres`);
    expect(outputs.network).toBe("pgchaos-unit-net");
  });
});
