import { spawnSync } from "child_process";
import { memberHostNumber } from "../../../components/lab/naming";
import { describe, expect, it } from "vitest";
import { imageBuildScript, memberAddress, sh, subnetPickAwk, subnetPickScript, type ContainerSpec } from "../../../components/docker/commands";
import { labContainerArgs, labContainerEnvs } from "../../../components/docker/container-args";

const spec: ContainerSpec = {
  name: "pgchaos-dev-pg1",
  image: "pgchaos/patroni:abc",
  hostname: "pg1",
  network: "pgchaos-dev-net",
  labels: { "pgchaos.stack": "pgchaos/dev" },
  env: { PATRONI_YML_B64: "c2NvcGU6IHg=" },
  secretEnv: ["PATRONI_SUPERUSER_PASSWORD"],
  ports: [{ host: 15441, container: 5432 }],
  volumes: [{ name: "pgchaos-dev-pg1-data", path: "/var/lib/postgresql/data" }],
  user: "postgres",
  memoryMiB: 512,
  capAdd: ["NET_ADMIN"],
  init: true,
  command: ["bash", "-c", "echo $HOME && exec patroni"],
};

/** Splits a script line the way bash would (no execution): proves quoting keeps words intact. */
const bashWords = (line: string): string[] => {
  const r = spawnSync("bash", ["-c", `for w in ${line}; do printf '%s\\0' "$w"; done`], { encoding: "utf8" });
  return r.stdout.split("\0").slice(0, -1);
};

describe("lab container inputs (docker.Container)", () => {
  it("publishes on 127.0.0.1 only, memory without swap, and keeps secret values out of the plain inputs", () => {
    const args = labContainerArgs(spec, "10.213.7.0/24");
    expect(args.ports).toEqual([{ internal: 5432, external: 15441, ip: "127.0.0.1", protocol: "tcp" }]);
    expect(args).toMatchObject({ memory: 512, memorySwap: 512, restart: "no", init: true, user: "postgres", capabilities: { adds: ["NET_ADMIN"] } });
    expect(args.networksAdvanced).toEqual([{ name: "pgchaos-dev-net", aliases: ["pg1"] }]);
    expect(JSON.stringify(args)).not.toContain("PATRONI_SUPERUSER_PASSWORD");
    expect(labContainerEnvs(spec, { PATRONI_SUPERUSER_PASSWORD: "pw" })).toEqual(["PATRONI_YML_B64=c2NvcGU6IHg=", "PATRONI_SUPERUSER_PASSWORD=pw"]);
    expect(() => labContainerEnvs(spec, {})).toThrow(/no value for PATRONI_SUPERUSER_PASSWORD/);
  });

  it("image build script matches snapshot", () => {
    expect(imageBuildScript("pgchaos/base:1", "/x/images/base", { BASE_IMAGE: "debian:bookworm-slim" })).toMatchSnapshot();
  });

  it.each(["x; rm -rf /", "a'b\"c", "line1\nline2", "$(touch /tmp/pwned)", "`id`", "--privileged"])(
    "quotes hostile value %j into exactly one word",
    (hostile) => {
      expect(bashWords(sh(["echo", hostile]))).toEqual(["echo", hostile]);
    },
  );
});

describe("fixed member addresses (they must survive restarts in any order)", () => {
  const member = { name: "pgchaos-dev-etcd2", image: "img", hostname: "etcd2", network: "pgchaos-dev-net", labels: {}, command: ["etcd"] };

  it("members have fixed host numbers on the lab's /24; other containers take Docker's range above .128", () => {
    expect(["etcd1", "etcd3", "pg1", "pg7", "haproxy"].map(memberHostNumber)).toEqual([11, 13, 21, 27, 30]);
    expect(() => memberHostNumber("prometheus")).toThrow(/no fixed address for lab member prometheus/);
    expect(labContainerArgs({ ...member, ipHost: 12 }, "10.213.57.0/24").networksAdvanced[0].ipv4Address).toBe("10.213.57.12");
    expect(labContainerArgs(member, "10.213.57.0/24").networksAdvanced[0].ipv4Address).toBeUndefined();
    expect(() => memberAddress("172.18.0.0/16", 12)).toThrow(/not the \/24 pgchaos creates/);
  });

  it("the subnet picker skips every /24 another network overlaps, and fails when none is free", () => {
    const script = subnetPickScript("pgchaos-dev-net");
    expect(spawnSync("sh", ["-n", "-c", script]).status).toBe(0);
    // Its awk part on given subnets instead of Docker's.
    const awk = (input: string) => spawnSync("awk", [subnetPickAwk("pgchaos-dev-net")], { input, encoding: "utf8" });
    const first = awk("").stdout.trim();
    expect(first).toMatch(/^10\.213\.\d+\.0\/24$/);
    const x = Number(first.split(".")[2]);
    expect(awk(`172.17.0.0/16 ${first} 10.213.${(x + 1) % 256}.128/25\n`).stdout.trim()).toBe(`10.213.${(x + 2) % 256}.0/24`);
    const none = awk("10.213.0.0/16\n");
    expect(none.status).toBe(1);
    expect(none.stderr).toMatch(/no free 10\.213\.x\.0\/24/);
  });
});
