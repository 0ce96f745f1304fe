import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { must, requireEngineAndDocker, run } from "../helpers/engine";
import { ConformanceStack, inClear, PLUGIN_MODE, pluginOnPath } from "../helpers/conformance";

const inspect = (kind: string, ref: string) => {
  const r = run("docker", [kind, "inspect", ref]);
  return r.status === 0 ? JSON.parse(r.stdout)[0] : undefined;
};

// docker.Container/Network/Volume/RemoteImage through the plugin on PATH (stand-in or real: docs/toolchain.md).
describe(`docker conformance (${PLUGIN_MODE} plugin)`, () => {
  const id = `h15-conf-${Date.now().toString(36)}`;
  const ctx = fs.mkdtempSync(path.join(os.tmpdir(), "h15-docker-conf-"));
  const secretValue = `s3cret-${Date.now().toString(36)}`;
  const base = process.env.PGCHAOS_BASE_IMAGE ?? "debian:bookworm-slim";
  const p = { memory: 64, sleep: "3600", imageTrigger: "1" };
  let stack: ConformanceStack;
  const containerName = `${id}-c`;

  beforeAll(async () => {
    requireEngineAndDocker();
    if (PLUGIN_MODE === "standin") expect(pluginOnPath("docker")).toMatch(/providers\/bin\/docker\/pulumi-resource-docker$/);
    else expect(pluginOnPath("docker")).not.toMatch(/providers\/bin\//);
    fs.writeFileSync(path.join(ctx, "Dockerfile"), `FROM ${base}\nARG MARK\nRUN echo "$MARK" > /mark\n`);
    stack = await ConformanceStack.create("h15-conf-docker", async () => {
      const labels = [{ label: "pgchaos.conformance", value: id }];
      const network = new docker.Network("net", { name: `${id}-net`, driver: "bridge", labels, ipamConfigs: [{ subnet: "10.214.15.0/24", ipRange: "10.214.15.128/25" }] });
      const volume = new docker.Volume("vol", { name: `${id}-vol`, labels });
      const image = new docker.RemoteImage("img", { name: `${id}:1`, build: { context: ctx, buildArgs: { MARK: id } }, keepLocally: true, triggers: { t: p.imageTrigger } });
      const container = new docker.Container("c", {
        name: containerName, image: image.imageId, hostname: "c1", command: ["sleep", p.sleep], restart: "no", labels,
        networksAdvanced: [{ name: network.name, aliases: ["c1"], ipv4Address: "10.214.15.11" }],
        ports: [{ internal: 8080, external: 32001, ip: "127.0.0.1", protocol: "tcp" }],
        volumes: [{ volumeName: volume.name, containerPath: "/data" }],
        envs: pulumi.secret([`PLAIN=1`, `SECRET=${secretValue}`]),
        memory: p.memory, memorySwap: p.memory, capabilities: { adds: ["NET_ADMIN"] }, init: true,
      });
      return { ip: container.networkDatas.apply((d) => d[0]?.ipAddress), imageId: image.imageId };
    });
  }, 120_000);
  afterAll(async () => {
    await stack?.dispose();
    run("docker", ["rm", "-f", containerName]);
    run("docker", ["network", "rm", `${id}-net`]);
    run("docker", ["volume", "rm", "-f", `${id}-vol`]);
    run("docker", ["image", "rm", "-f", `${id}:1`]);
  }, 180_000);

  it("create: image built, network with its IPAM, volume, container running as declared", async () => {
    const r = await stack.up();
    expect(r.changes.create).toBe(5);
    const c = inspect("container", containerName);
    expect(c.State.Running).toBe(true);
    expect(c.NetworkSettings.Networks[`${id}-net`].IPAddress).toBe("10.214.15.11");
    expect(c.HostConfig.PortBindings["8080/tcp"]).toEqual([{ HostIp: "127.0.0.1", HostPort: "32001" }]);
    expect(c.HostConfig.Memory).toBe(64 * 1024 * 1024);
    expect(c.HostConfig.CapAdd.join(" ")).toMatch(/NET_ADMIN/);
    expect(c.Config.Env).toContain(`SECRET=${secretValue}`);
    expect(c.Mounts.map((m: { Name: string }) => m.Name)).toContain(`${id}-vol`);
    expect(inspect("network", `${id}-net`).IPAM.Config[0]).toMatchObject({ Subnet: "10.214.15.0/24", IPRange: "10.214.15.128/25" });
    expect(must("docker", ["exec", containerName, "cat", "/mark"]).trim()).toBe(id);
    expect((await stack.stack.outputs()).ip.value).toBe("10.214.15.11");
  }, 300_000);

  it("a second `up` with the same inputs changes nothing", async () => {
    const before = inspect("container", containerName).Id;
    expect((await stack.up()).changes).toEqual({ same: 5 });
    expect(inspect("container", containerName).Id).toBe(before);
  }, 120_000);

  it("memory updates in place (docker update): same container", async () => {
    const before = inspect("container", containerName).Id;
    p.memory = 96;
    const r = await stack.up();
    expect(r.ops.c).toEqual(["update"]);
    const c = inspect("container", containerName);
    expect(c.Id).toBe(before);
    expect(c.HostConfig.Memory).toBe(96 * 1024 * 1024);
  }, 120_000);

  it("a replacing property (command) replaces the container, deleting it first (same name)", async () => {
    const before = inspect("container", containerName).Id;
    p.sleep = "3601";
    const r = await stack.up();
    expect(r.ops.c).toEqual(["delete-replaced", "replace", "create-replacement"]);
    const c = inspect("container", containerName);
    expect(c.Id).not.toBe(before);
    expect(c.Config.Cmd).toEqual(["sleep", "3601"]);
  }, 120_000);

  it("triggers replace the image (create first); the same build keeps the container", async () => {
    p.imageTrigger = "2";
    const r = await stack.up();
    expect(r.ops.img).toEqual(["create-replacement", "replace", "delete-replaced"]);
    expect(r.ops.c ?? ["same"]).toEqual(["same"]);
    expect(inspect("image", `${id}:1`)).toBeDefined(); // keepLocally: the replaced image's delete keeps it
  }, 300_000);

  it("refresh: a stopped container becomes mustRun false and the next up starts it", async () => {
    must("docker", ["stop", "-t", "0", containerName]);
    await stack.refresh();
    expect(stack.resourceState("c").outputs.mustRun).toBe(false);
    const r = await stack.up();
    expect(r.ops.c).toEqual(["update"]);
    expect(inspect("container", containerName).State.Running).toBe(true);
  }, 180_000);

  it("refresh: a container removed by hand and a network gone leave the state; up recreates them", async () => {
    must("docker", ["rm", "-f", containerName]);
    must("docker", ["network", "rm", `${id}-net`]);
    const r = await stack.refresh();
    expect(r.changes.delete).toBe(2);
    const names = (JSON.parse(stack.plainState()).deployment.resources as Array<{ urn: string }>).map((x) => x.urn.split("::").pop());
    expect(names).not.toContain("c");
    expect(names).not.toContain("net");
    expect((await stack.up()).changes.create).toBe(2);
    expect(inspect("container", containerName).State.Running).toBe(true);
  }, 180_000);

  it("secret envs stay out of the plain state", () => {
    const state = stack.plainState();
    expect(inClear(state, secretValue)).toBe(false);
    const c = stack.resourceState("c");
    expect(c.inputs.envs).toHaveProperty("ciphertext");
    expect(c.outputs.envs).toHaveProperty("ciphertext");
  }, 60_000);

  it("delete removes container, network and volume; keepLocally keeps the image", async () => {
    await stack.stack.destroy({ color: "never" });
    expect(inspect("container", containerName)).toBeUndefined();
    expect(inspect("network", `${id}-net`)).toBeUndefined();
    expect(inspect("volume", `${id}-vol`)).toBeUndefined();
    expect(inspect("image", `${id}:1`)).toBeDefined();
  }, 180_000);
});
