import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { must, requireEngineAndDocker, run } from "../helpers/engine";

// The Docker engine can build from the local base image and run containers on a private network.
describe("docker engine", () => {
  const id = `pgchaos-e2e-docker-${Date.now().toString(36)}`;
  const ctx = fs.mkdtempSync(path.join(os.tmpdir(), "pgchaos-docker-"));

  beforeAll(() => requireEngineAndDocker());
  afterAll(() => {
    run("docker", ["rm", "-f", `${id}-a`, `${id}-b`]);
    run("docker", ["network", "rm", id]);
    run("docker", ["image", "rm", "-f", `${id}:test`]);
  });

  it("builds an image from the base image and runs two containers that reach each other", () => {
    const base = process.env.PGCHAOS_BASE_IMAGE ?? "debian:bookworm-slim";
    fs.writeFileSync(path.join(ctx, "Dockerfile"), `FROM ${base}\nRUN echo built > /built.txt\n`);
    must("docker", ["build", "-q", "-t", `${id}:test`, ctx], { timeoutMs: 300_000 });
    must("docker", ["network", "create", id]);
    // a finds b by name through the network's DNS: both are on the private network.
    must("docker", ["run", "-d", "--name", `${id}-b`, "--network", id, `${id}:test`, "sleep", "60"]);
    const out = must("docker", ["run", "--rm", "--name", `${id}-a`, "--network", id, `${id}:test`,
      "bash", "-c", `cat /built.txt && getent hosts ${id}-b | awk '{print "resolved " $2}'`]);
    expect(out).toContain("built");
    expect(out).toContain(`resolved ${id}-b`);
    const inspect = JSON.parse(must("docker", ["network", "inspect", id]))[0];
    expect(inspect.Driver).toBe("bridge");
    expect(Object.keys(inspect.Containers ?? {})).toHaveLength(1);
  }, 300_000);
});
