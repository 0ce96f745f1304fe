import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { typeOfUrn } from "../../../providers/common/plugin";
import { checkInputs, diffInputs } from "../../../providers/common/resource";
import { isSecret, reveal, secret, UNKNOWN } from "../../../providers/common/values";
import { localCommand } from "../../../providers/command/local-command";
import { containerRunArgs, containerRunEnv } from "../../../providers/docker/container-args";
import { container } from "../../../providers/docker/container";
import { remoteImage } from "../../../providers/docker/remote-image";
import { CHARSETS, generatePassword, randomPassword } from "../../../providers/random/password";

const urn = (type: string, name = "r") => `urn:pulumi:dev::pgchaos::pgchaos:lab:Lab$${type}::${name}`;

describe("stand-in plugins: what every resource shares", () => {
  it("finds the type token in a URN, also under a parent", () => {
    expect(typeOfUrn(urn("docker:index/container:Container"))).toBe("docker:index/container:Container");
    expect(typeOfUrn("urn:pulumi:s::p::command:local:Command::x")).toBe("command:local:Command");
  });

  it("refuses a property it does not implement, naming it (top-level and nested)", () => {
    const top = checkInputs(container, { name: "a", image: "i", privileged: true });
    expect(top.failures?.map((f) => f.property)).toEqual(["privileged"]);
    expect(top.failures?.[0].reason).toMatch(/privileged: the offline stand-in of docker:index\/container:Container does not implement/);
    const nested = checkInputs(container, { name: "a", image: "i", ports: [{ internal: 1, external: 2, ip: "127.0.0.1", protocol: "tcp" }, { internal: 3, hostIp: "x" }] });
    expect(nested.failures?.map((f) => f.property)).toEqual(["ports[1].hostIp"]);
    expect(checkInputs(localCommand, { create: "true", assetPaths: ["*"] }).failures?.[0].property).toBe("assetPaths");
  });

  it("fills the real provider's defaults at check", () => {
    expect(checkInputs(container, { name: "a", image: "i" }).inputs).toMatchObject({ restart: "no", mustRun: true, removeVolumes: true });
    expect(checkInputs(randomPassword, { length: 8 }).inputs).toMatchObject({ special: true, upper: true, minLower: 0 });
  });

  it("diff: replacing properties replace (container: delete first), others update, secrecy alone is no change", () => {
    const olds = { name: "a", image: "i", memory: 64, envs: ["A=1"] };
    expect(diffInputs(container, olds, { ...olds, memory: 128 })).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
    expect(diffInputs(container, olds, { ...olds, image: "j" })).toEqual({ changes: true, replaces: ["image"], deleteBeforeReplace: true });
    expect(diffInputs(container, olds, { ...olds, envs: secret(["A=1"]) }).changes).toBe(false);
    expect(diffInputs(container, olds, { ...olds, image: UNKNOWN }).replaces).toEqual(["image"]);
    expect(diffInputs(localCommand, { create: "a", triggers: [1] }, { create: "a", triggers: [2] })).toMatchObject({ replaces: ["triggers"], deleteBeforeReplace: false });
    expect(diffInputs(localCommand, { create: "a" }, { create: "b" })).toMatchObject({ changes: true, replaces: [] });
    expect(diffInputs(remoteImage, { name: "x:1", keepLocally: true }, { name: "x:1", keepLocally: false }).replaces).toEqual([]);
  });
});

describe("docker stand-in: docker run words", () => {
  const inputs = {
    name: "h15-c", image: "img", hostname: "pg1", command: ["sleep", "1"], user: "postgres", envs: ["A=1", "SECRET=s3cr=t"],
    labels: [{ label: "k", value: "v" }], networksAdvanced: [{ name: "net", aliases: ["pg1"], ipv4Address: "10.0.0.5" }],
    ports: [{ internal: 5432, external: 15432, ip: "127.0.0.1", protocol: "tcp" }], volumes: [{ volumeName: "vol", containerPath: "/data" }],
    capabilities: { adds: ["NET_ADMIN"] }, memory: 256, memorySwap: 256, init: true, restart: "on-failure",
  };
  it("maps every implemented property, values of envs only by name", () => {
    const args = containerRunArgs(inputs);
    expect(args.join(" ")).toBe("docker run -d --name h15-c --hostname pg1 --network net --network-alias pg1 --ip 10.0.0.5 --restart on-failure " +
      "--label k=v --user postgres --memory 256m --memory-swap 256m --init --cap-add NET_ADMIN -p 127.0.0.1:15432:5432/tcp -v vol:/data -e A -e SECRET img sleep 1");
    expect(containerRunEnv(inputs, {})).toEqual({ A: "1", SECRET: "s3cr=t" });
  });
  it("refuses an env entry without a name", () => {
    expect(() => containerRunArgs({ name: "a", image: "i", envs: ["=x"] })).toThrow(/envs/);
  });
});

describe("command stand-in: local.Command", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "h15-cmd-"));
  const f = path.join(dir, "f");
  it("create runs with /bin/sh and the environment; stdout trimmed of its last newline; id is name + 8 hex", async () => {
    const r = await localCommand.create({ create: `echo "$MSG" | tee ${f}`, environment: { MSG: "hello" } }, urn("command:local:Command", "w"));
    expect(r.outs.stdout).toBe("hello");
    expect(r.id).toMatch(/^w[0-9a-f]{8}$/);
  });
  it("a secret input makes stdout and stderr secret", async () => {
    const r = await localCommand.create({ create: "echo out; echo err >&2", environment: secret({ X: "1" }) }, urn("command:local:Command"));
    expect(isSecret(r.outs.stdout) && isSecret(r.outs.stderr)).toBe(true);
    expect(reveal(r.outs.stdout)).toBe("out");
  });
  it("update runs `update` (else create again) with the previous stdout in PULUMI_COMMAND_STDOUT", async () => {
    const r = await localCommand.update!("id", { create: "x", stdout: "before" }, { create: "echo c", update: 'echo "was $PULUMI_COMMAND_STDOUT"' });
    expect(r.outs?.stdout).toBe("was before");
    expect((await localCommand.update!("id", { create: "x", stdout: "b" }, { create: "echo again" })).outs?.stdout).toBe("again");
  });
  it("delete runs the stored delete command; a failure names the exit status and the output", async () => {
    await localCommand.delete("id", { delete: `rm -f ${f}` });
    expect(fs.existsSync(f)).toBe(false);
    await expect(localCommand.create({ create: "echo boom >&2; exit 7" }, urn("command:local:Command"))).rejects.toThrow(/exit status 7[\s\S]*boom/);
  });
});

describe("random stand-in: RandomPassword", () => {
  it("honours minimums and enabled sets", () => {
    for (let i = 0; i < 50; i++) {
      const p = generatePassword({ length: 12, lower: true, upper: true, numeric: true, special: false, minLower: 2, minUpper: 3, minNumeric: 4, minSpecial: 0 });
      expect(p).toHaveLength(12);
      expect([...p].filter((c) => CHARSETS.upper.includes(c)).length).toBeGreaterThanOrEqual(3);
      expect([...p].filter((c) => CHARSETS.numeric.includes(c)).length).toBeGreaterThanOrEqual(4);
      expect(p).toMatch(/^[A-Za-z0-9]+$/);
    }
  });
  it("result and bcryptHash are secrets; the id is none; length below the minimums is refused", async () => {
    const r = await randomPassword.create(checkInputs(randomPassword, { length: 20, special: false }).inputs, urn("random:index/randomPassword:RandomPassword"));
    expect(r.id).toBe("none");
    expect(isSecret(r.outs.result) && isSecret(r.outs.bcryptHash)).toBe(true);
    expect(reveal<string>(r.outs.result)).toMatch(/^[A-Za-z0-9]{20}$/);
    expect(checkInputs(randomPassword, { length: 3, minUpper: 2, minNumeric: 2 }).failures?.[0].reason).toMatch(/length: 3 is less than/);
  });
});
