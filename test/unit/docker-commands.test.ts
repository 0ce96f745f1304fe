import { spawnSync } from "child_process";
import { memberHostNumber } from "../../components/lab/naming";
import { describe, expect, it } from "vitest";
import {
  containerCreateScript,
  containerDeleteScript,
  dockerRunArgs,
  imageBuildScript,
  networkCreateScript,
  sh,
  type ContainerSpec,
} from "../../components/docker/commands";

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

describe("docker command builders", () => {
  it("docker run publishes on 127.0.0.1 only and names secrets without values", () => {
    const args = dockerRunArgs(spec);
    expect(args).toContain("127.0.0.1:15441:5432");
    const i = args.indexOf("PATRONI_SUPERUSER_PASSWORD");
    expect(args[i - 1]).toBe("-e");
    expect(args.join(" ")).not.toMatch(/PATRONI_SUPERUSER_PASSWORD=/);
    expect(args).toMatchSnapshot();
  });

  it("create script refuses foreign containers and prints the IP; matches snapshot", () => {
    const script = containerCreateScript(spec, { key: "pgchaos.stack", value: "pgchaos/dev" });
    expect(script).toContain("is not ours");
    expect(script).toMatchSnapshot();
  });

  it("delete, network and image scripts are idempotent by construction", () => {
    expect(containerDeleteScript("pgchaos-dev-pg1")).toBe("docker rm -f -v pgchaos-dev-pg1 >/dev/null 2>&1 || true");
    expect(networkCreateScript("n", { a: "b" })).toContain("if ! docker network inspect n");
    expect(imageBuildScript("pgchaos/base:1", "/x/images/base", { BASE_IMAGE: "debian:bookworm-slim" })).toMatchSnapshot();
  });

  it.each(["x; rm -rf /", "a'b\"c", "line1\nline2", "$(touch /tmp/pwned)", "`id`", "--privileged"])(
    "quotes hostile value %j into exactly one word",
    (hostile) => {
      expect(bashWords(sh(["echo", hostile]))).toEqual(["echo", hostile]);
      const args = dockerRunArgs({ ...spec, command: ["bash", "-c", hostile] });
      expect(bashWords(sh(args)).at(-1)).toBe(hostile);
    },
  );
});

describe("fixed member addresses (they must survive restarts in any order)", () => {
  const spec = { name: "pgchaos-dev-etcd2", image: "img", hostname: "etcd2", network: "pgchaos-dev-net", labels: {}, command: ["etcd"] };

  it("members have fixed host numbers; other containers take Docker's range above .128", () => {
    expect(["etcd1", "etcd3", "pg1", "pg7", "haproxy"].map(memberHostNumber)).toEqual([11, 13, 21, 27, 30]);
    expect(() => memberHostNumber("prometheus")).toThrow(/no fixed address for lab member prometheus/);
    const net = networkCreateScript("pgchaos-dev-net", { "pgchaos.stack": "pgchaos/dev" });
    expect(net).toMatch(/--subnet "10\.213\.\$x\.0\/24" --ip-range "10\.213\.\$x\.128\/25"/);
    expect(spawnSync("bash", ["-n", "-c", net]).status).toBe(0);
  });

  it("the create script runs `docker run --ip` with the network's /24 and the member's number, and refuses an older network", () => {
    const script = containerCreateScript({ ...spec, ipHost: 12 }, { key: "pgchaos.stack", value: "pgchaos/dev" });
    expect(script).toContain(`ip="\${subnet%.*}.12"`);
    expect(script).toContain('docker run -d --ip "$ip" --name pgchaos-dev-etcd2 --hostname etcd2');
    expect(script).toMatch(/not the \/24 pgchaos creates: it predates fixed member addresses; run pulumi destroy, then up/);
    // The address arithmetic itself, as bash does it.
    expect(spawnSync("bash", ["-c", `subnet=10.213.57.0/24; echo "\${subnet%.*}.12"`], { encoding: "utf8" }).stdout.trim()).toBe("10.213.57.12");
    expect(containerCreateScript(spec, { key: "pgchaos.stack", value: "pgchaos/dev" })).not.toContain("--ip");
  });
});
