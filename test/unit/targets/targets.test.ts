import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterAll, describe, expect, it } from "vitest";
import { draftInventory } from "../../../chaos/targets/discover";
import { inventoryTarget } from "../../../chaos/experiments/target";
import { hostTransport, targetsSchema, withSshKey, type TargetHost } from "../../../chaos/targets/inventory";
import { DockerExecTransport, parseServiceLog, supervisedLifecycle } from "../../../chaos/targets/transport";

// Experiments against an inventory: where the runner connects, how logs come back over SSH, and the
// draft inventory discovered from one Patroni member.

const pg = (name: string, ip: string, extra: Record<string, unknown> = {}) => ({ name, address: ip, user: "admin", runs: "patroni", restUrl: `http://${ip}:8008/`, ...extra });
const workload = { readWrite: { host: "10.0.0.9", port: 5000 }, readOnly: { host: "10.0.0.9", port: 5001 } };

describe("experiment target from an inventory", () => {
  const targets = targetsSchema.parse({
    scope: "main",
    hosts: [pg("pg1", "10.0.0.5"), pg("pg2", "db2.internal", { clusterAddress: "10.0.0.6", postgresHost: "10.0.0.6", postgresPort: 6432 }),
      { name: "etcd1", address: "10.0.0.2", user: "admin", runs: "etcd", clientUrl: "http://10.0.0.2:2379" }],
    workload: { ...workload, haproxyStatsUrl: "http://10.0.0.9:8404/", user: "chaos_test", database: "app" },
  });

  it("the workload goes to the inventory's HAProxy/VIP, probes to each node, APIs to the given URLs", () => {
    const t = inventoryTarget("prod-chaos", targets, { sshPrivateKey: "KEY\n", postgresPassword: "pw" });
    expect(t.describe).toBe("cluster main (inventory of stack prod-chaos, over SSH)");
    expect(t.labStack).toBeUndefined();
    expect(t.readWrite).toEqual({ host: "10.0.0.9", port: 5000 });
    expect(t.credentials).toEqual({ user: "chaos_test", password: "pw", database: "app" });
    expect(t.haproxyStats).toBe("http://10.0.0.9:8404");
    expect(t.patroni).toEqual([
      { name: "pg1", host: "10.0.0.5", port: 5432, rest: "http://10.0.0.5:8008" },
      { name: "pg2", host: "10.0.0.6", port: 6432, rest: "http://db2.internal:8008" },
    ]);
    expect(t.etcd).toEqual([{ name: "etcd1", client: "http://10.0.0.2:2379" }]);
    expect(t.members.map((m) => m.transport.describe)).toEqual(["ssh admin@10.0.0.5:22", "ssh admin@db2.internal:22", "ssh admin@10.0.0.2:22"]);
    expect(t.doctorCommand).toBe("pgchaos doctor --fix --chaos-stack prod-chaos");
    // The key reaches controller scripts through the environment only, without its trailing newline.
    expect(process.env.PGCHAOS_SSH_KEY).toBe("KEY");
  });

  it("refuses to run experiments without workload addresses, saying what to add", () => {
    const { workload: _w, ...noWorkload } = targets;
    expect(() => inventoryTarget("prod-chaos", noWorkload, { sshPrivateKey: "K", postgresPassword: "pw" })).toThrow(/has no `workload` \(readWrite\/readOnly/);
  });

  it.each([
    [{ readWrite: { host: "10.0.0.9; id", port: 5000 }, readOnly: workload.readOnly }, /workload.readWrite.host: must be a hostname/],
    [{ readWrite: workload.readWrite, readOnly: { host: "10.0.0.9", port: 0 } }, /workload.readOnly.port/],
    [{ ...workload, user: "x' or 1=1" }, /workload.user: must be a POSIX user name/],
    [{ ...workload, password: "pw" }, /Unrecognized key/],
  ])("rejects workload %j", (w, message) => {
    const r = targetsSchema.safeParse({ scope: "main", hosts: [pg("pg1", "10.0.0.5")], workload: w });
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("\n")).toMatch(message);
  });
});

describe("service logs through the transport", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pgchaos-fake-logs-"));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  // A fake ssh that runs the remote command locally, a sudo that just runs it, and a journalctl printing short-unix lines.
  fs.writeFileSync(path.join(dir, "ssh"), `#!/bin/bash\nwhile [ $# -gt 0 ]; do case "$1" in --) shift; break ;; -i|-p|-o) shift 2 ;; *) shift ;; esac; done\nexec bash -c "$*"\n`, { mode: 0o755 });
  fs.writeFileSync(path.join(dir, "sudo"), `#!/bin/bash\n[ "$1" = -n ] && shift\nexec "$@"\n`, { mode: 0o755 });
  fs.writeFileSync(path.join(dir, "journalctl"), `#!/bin/bash\necho "$@" > "$FAKE_ARGS"\n` +
    `echo '1795623396.647263 db1 patroni[812]: 2026-11-25 16:13:06,647 INFO: promoted self to leader by acquiring session lock'\n` +
    `echo '1795623397.001000 db1 patroni[812]: a: line: with colons'\n`, { mode: 0o755 });

  it("systemd hosts: journalctl for the unit since the run, host and ident stripped, times kept to the ms", () => {
    const h: TargetHost = { name: "pg1", address: "10.0.0.5", sshPort: 22, user: "admin", sudo: true, runs: "patroni", lifecycle: "systemd", postgresPort: 5432, restUrl: "http://10.0.0.5:8008", serviceUnit: "patroni@main.service" };
    const args = path.join(dir, "args");
    const r = spawnSync("bash", ["-c", withSshKey(hostTransport(h).lifecycle.logs(1795623390_500))], {
      env: { ...process.env, PATH: `${dir}:${process.env.PATH}`, PGCHAOS_SSH_KEY: "K", FAKE_ARGS: args }, encoding: "utf8",
    });
    expect(r.stderr).toBe("");
    expect(fs.readFileSync(args, "utf8").trim()).toBe("-u patroni@main.service --since @1795623389 -o short-unix --no-pager -q");
    expect(parseServiceLog(r.stdout)).toEqual([
      { at: 1795623396647, text: "2026-11-25 16:13:06,647 INFO: promoted self to leader by acquiring session lock" },
      { at: 1795623397001, text: "a: line: with colons" },
    ]);
  });

  it("lab SSH mode: the supervisor's stamped service log, from one second before the run", () => {
    const script = supervisedLifecycle().logs(1795623390_500);
    expect(script).toContain("awk -v s=1795623389.500 '$1 >= s' /run/pgchaos-service/service.log");
    // A missing log (service never started) is an empty excerpt, not a failure.
    expect(spawnSync("bash", ["-c", `set -euo pipefail\n${script.replace("/run/pgchaos-service/service.log", path.join(dir, "absent.log"))}`], { encoding: "utf8" }).status).toBe(0);
    const log = path.join(dir, "service.log");
    fs.writeFileSync(log, "1795623389.000 old line\n1795623396.5 new line\n");
    const r = spawnSync("bash", ["-c", script.replace("/run/pgchaos-service/service.log", log)], { encoding: "utf8" });
    expect(parseServiceLog(r.stdout)).toEqual([{ at: 1795623396500, text: "new line" }]);
  });

  it("lab members: docker logs with receive times; ISO and epoch times both parse, garbage is dropped", () => {
    expect(new DockerExecTransport("pgchaos-dev-pg1").lifecycle.logs(Date.parse("2026-11-25T16:00:01Z")))
      .toBe("docker logs --timestamps --since 2026-11-25T16:00:00.000Z pgchaos-dev-pg1 2>&1 | tail -n 20000");
    expect(parseServiceLog("2026-11-25T16:13:06.647263123Z x y\nno-time-here\n\n12.5 z\n")).toEqual([
      { at: Date.parse("2026-11-25T16:13:06.647Z"), text: "x y" }, { at: 12500, text: "z" },
    ]);
  });
});

describe("discovery: a draft inventory from one Patroni member and the etcd member list", () => {
  const cluster = {
    members: [
      { name: "pg1", role: "leader", host: "10.0.0.5", port: 5432, api_url: "http://10.0.0.5:8008/patroni" },
      { name: "PG_2", role: "replica", host: "10.0.0.6", port: 5433, api_url: "http://10.0.0.6:8008/patroni" },
    ],
  };
  const etcd = { members: [{ name: "etcd1", clientURLs: ["http://10.0.0.2:2379"] }, { name: "", clientURLs: [] }] };
  const defaults = { user: "admin", sshPort: 22, sudo: true, lifecycle: "systemd" as const };

  it("names, addresses, REST and client URLs from the cluster's own view; notes for what it cannot know", () => {
    const d = draftInventory(cluster, { patroni: { scope: "main" } }, etcd, { ...defaults, workload });
    expect(d.problems).toEqual([]);
    expect(d.targets!.scope).toBe("main");
    expect(d.targets!.hosts.map((h) => [h.name, h.runs, h.address, h.restUrl ?? h.clientUrl, h.postgresPort])).toEqual([
      ["pg1", "patroni", "10.0.0.5", "http://10.0.0.5:8008", 5432],
      ["pg-2", "patroni", "10.0.0.6", "http://10.0.0.6:8008", 5433],
      ["etcd1", "etcd", "10.0.0.2", "http://10.0.0.2:2379", 5432],
    ]);
    expect(d.targets!.workload?.readWrite).toEqual(workload.readWrite);
    expect(d.notes.join("\n")).toMatch(/PG_2 is named pg-2/);
    expect(d.notes.join("\n")).toMatch(/etcd member \(unnamed, not started\?\)/);
    expect(d.notes.join("\n")).toMatch(/HAProxy hosts are not discoverable/);
  });

  it("host names: resolved ones become clusterAddress; an unresolved one leaves the draft invalid, naming the key", () => {
    const named = { members: [{ name: "pg1", host: "db1.internal", port: 5432, api_url: "http://db1.internal:8008/patroni" }, { name: "pg2", host: "db2.internal", port: 5432, api_url: "http://db2.internal:8008/patroni" }] };
    const d = draftInventory(named, { patroni: { scope: "main" } }, undefined, defaults, { "db1.internal": "10.0.0.5" });
    expect(d.targets).toBeUndefined();
    expect(d.draft.hosts).toMatchObject([{ name: "pg1", address: "db1.internal", clusterAddress: "10.0.0.5" }, { name: "pg2", address: "db2.internal" }]);
    expect(d.notes.join("\n")).toMatch(/db2.internal does not resolve to an IPv4 address here: set clusterAddress/);
    expect(d.problems).toEqual(["hosts.1.clusterAddress: host pg2: address db2.internal is not an IPv4 address, so clusterAddress (the IP its peers use) is required"]);
  });

  it("says what is missing, and refuses what the cluster reports in a form that would reach a shell", () => {
    const d = draftInventory(cluster, { patroni: { scope: "main" } }, undefined, defaults);
    expect(d.notes.join("\n")).toMatch(/no etcd member list/);
    expect(d.notes.join("\n")).toMatch(/no workload addresses/);
    expect(() => draftInventory(cluster, {}, undefined, defaults)).toThrow(/did not say its scope/);
    const hostile = { members: [{ name: "pg1", host: "10.0.0.5;reboot", port: 5432, api_url: "http://10.0.0.5:8008/patroni" }] };
    const bad = draftInventory(hostile, { patroni: { scope: "main" } }, undefined, defaults);
    expect(bad.targets).toBeUndefined();
    expect(bad.problems.join("\n")).toMatch(/hosts.0.address: must be a hostname/);
  });
});
