import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterAll, describe, expect, it } from "vitest";
import { planFault } from "../../../chaos/faults/plan";
import { chaosConfigSchema, faultSpec } from "../../../chaos/faults/spec";
import { hostTransport, sshMembers, targetsSchema, withSshKey, type TargetHost } from "../../../chaos/targets/inventory";
import { formatPreflight, judgeHost, needsFor, parseProbe, probeScript, type ApiFacts, type HostProbe } from "../../../chaos/targets/preflight";
import { SshTransport, supervisedLifecycle } from "../../../chaos/targets/transport";
import type { World } from "../../../chaos/targets/world";
import { supervisorScript, sshHostPort, withSshMode } from "../../../components/lab/ssh";
import { labConfigSchema } from "../../../stacks/config";
import { withSshKeyPlan } from "../../../stacks/chaos";

const HOSTILE = [
  `it's "quoted" $HOME $(id -u) \`id\` ; | & > < \\ !x $!`,
  "line1\nline2\ttab",
  "-n --option",
  "'",
  "\"'\"'",
  "${PATH:0:1}*?[a]",
];

const inventory = (hosts: Array<Record<string, unknown>>, extra: Record<string, unknown> = {}) => targetsSchema.safeParse({ scope: "main", hosts, ...extra });
const pg = (name: string, ip: string, extra: Record<string, unknown> = {}) => ({ name, address: ip, user: "admin", runs: "patroni", restUrl: `http://${ip}:8008`, ...extra });
const messages = (r: ReturnType<typeof inventory>) => (r.success ? [] : r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`));

describe("inventory (pgchaos:targets)", () => {
  it("accepts a typical cluster and fills defaults", () => {
    const r = inventory([
      pg("pg1", "10.0.0.5"), pg("pg2", "10.0.0.6", { sshPort: 2222, sudo: false, user: "root" }),
      { name: "etcd1", address: "etcd1.internal", clusterAddress: "10.0.0.2", user: "admin", runs: "etcd", clientUrl: "http://10.0.0.2:2379", serviceUnit: "etcd-member.service" },
      { name: "haproxy", address: "10.0.0.9", user: "admin", runs: "haproxy" },
    ]);
    expect(messages(r)).toEqual([]);
    const t = r.data!;
    expect(t.hosts[0]).toMatchObject({ sshPort: 22, sudo: true, lifecycle: "systemd" });
    const { members, endpoints } = sshMembers(t);
    expect(members.map((m) => [m.name, m.kind, m.ip])).toEqual([["pg1", "patroni", "10.0.0.5"], ["pg2", "patroni", "10.0.0.6"], ["etcd1", "etcd", "10.0.0.2"], ["haproxy", "haproxy", "10.0.0.9"]]);
    expect(members[1].transport.describe).toBe("ssh root@10.0.0.6:2222");
    expect(members[1].transport.protectedTcpPorts).toEqual([22, 2222]);
    expect(endpoints).toEqual({ patroniRest: { pg1: "http://10.0.0.5:8008", pg2: "http://10.0.0.6:8008" }, etcdClient: { etcd1: "http://10.0.0.2:2379" } });
  });

  it.each([
    [[pg("pg1", "10.0.0.5; rm -rf /")], /address: must be a hostname or an IP/],
    [[pg("pg1", "-oProxyCommand=x")], /address: must be a hostname/],
    [[pg("pg1", "10.0.0.5", { user: "-oProxyCommand=x" })], /user: must be a POSIX user name/],
    [[pg("pg1", "10.0.0.5", { user: "a b" })], /user/],
    [[pg("pg1", "10.0.0.5", { restUrl: undefined })], /restUrl: host pg1 runs patroni: restUrl .* is required/],
    [[pg("pg1", "10.0.0.5", { restUrl: "http://u:p@10.0.0.5:8008" })], /restUrl: must be an http\(s\) URL without credentials/],
    [[pg("pg1", "db1.example.com")], /clusterAddress: host pg1: address db1.example.com is not an IPv4 address/],
    [[pg("pg1", "10.0.0.5"), pg("pg1", "10.0.0.6")], /duplicate host name pg1/],
    [[pg("pg1", "10.0.0.5"), pg("pg2", "10.0.0.5")], /share cluster address 10.0.0.5/],
    [[{ name: "etcd1", address: "10.0.0.2", user: "a", runs: "etcd" }], /clientUrl: host etcd1 runs etcd|at least one patroni host/],
    [[pg("pg1", "10.0.0.5", { serviceUnit: "patroni; reboot" })], /serviceUnit: must be a systemd unit name/],
    [[pg("PG1", "10.0.0.5")], /name: must be/],
    [[pg("pg1", "10.0.0.5", { sshPort: 70000 })], /sshPort/],
    [[pg("pg1", "10.0.0.5", { password: "x" })], /Unrecognized key/],
  ])("rejects %j", (hosts, message) => {
    expect(messages(inventory(hosts as Array<Record<string, unknown>>)).join("\n")).toMatch(message);
  });

  it("the chaos config takes targets; the key is never part of it", () => {
    const cfg = chaosConfigSchema.parse({ kind: "chaos", targets: { scope: "main", hosts: [pg("pg1", "10.0.0.5")] } });
    expect(cfg.targets?.hosts[0].name).toBe("pg1");
    expect(chaosConfigSchema.safeParse({ kind: "chaos", sshPrivateKey: "x" }).success).toBe(false);
  });
});

/** A fake `ssh` (and `sudo`) on PATH: records its argv, then runs the remote command the way sshd does (`bash -c "<args joined by spaces>"`). */
function fakeSshDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pgchaos-fake-ssh-"));
  fs.writeFileSync(path.join(dir, "ssh"), `#!/bin/bash
printf '%s\\0' "$@" > "$FAKE_SSH_ARGV"
while [ $# -gt 0 ]; do case "$1" in --) shift; break ;; -i|-p|-o) shift 2 ;; *@*) shift; [ "\${1:-}" = -- ] && shift; break ;; *) shift ;; esac; done
exec bash -c "$*"
`, { mode: 0o755 });
  fs.writeFileSync(path.join(dir, "sudo"), `#!/bin/bash\n[ "$1" = -n ] && shift\nexec "$@"\n`, { mode: 0o755 });
  return dir;
}

describe("SSH command assembly", () => {
  const dir = fakeSshDir();
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const runVia = (t: SshTransport, script: string, asUser = false, env: Record<string, string> = {}) => {
    const argv = path.join(dir, `argv-${Math.random().toString(36).slice(2)}`);
    const r = spawnSync("bash", ["-c", withSshKey(asUser ? t.execAsUser(script) : t.exec(script))], {
      env: { ...process.env, PATH: `${dir}:${process.env.PATH}`, FAKE_SSH_ARGV: argv, PGCHAOS_SSH_KEY: "-----BEGIN KEY-----\nsecret\n-----END KEY-----", ...env },
      encoding: "utf8",
    });
    const args = fs.existsSync(argv) ? fs.readFileSync(argv, "utf8").split("\0").slice(0, -1) : [];
    return { ...r, args };
  };
  const t = new SshTransport({ host: "10.1.2.3", port: 2222, user: "admin", sudo: true, keyFileVar: "PGCHAOS_SSH_KEY_FILE", serviceUnit: "patroni" });

  it.each(HOSTILE)("a hostile string reaches the remote shell intact: %j", (s) => {
    const r = runVia(t, `printf '%s' ${"'" + s.replace(/'/g, `'\\''`) + "'"}`);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe(s);
  });

  it("every controller-side script of an SSH plan writes the key file first, the mechanism check included (refresh ran it without)", () => {
    const plan = { inject: "i", recover: "r", check: "c", mechanismCheck: "m", verification: { baseline: [], probes: [] } } as unknown as Parameters<typeof withSshKeyPlan>[0];
    const keyed = withSshKeyPlan(plan);
    for (const script of [keyed.inject, keyed.recover, keyed.check, keyed.mechanismCheck]) expect(script.startsWith(withSshKey(""))).toBe(true);
    const r = spawnSync("bash", ["-c", `set -euo pipefail\n${keyed.mechanismCheck.replace(/m$/, 'test -s "$PGCHAOS_SSH_KEY_FILE"')}`], { env: { ...process.env, PGCHAOS_SSH_KEY: "k" }, encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
  });

  it("the same through execAsUser (no sudo)", () => {
    for (const s of HOSTILE) expect(runVia(t, `printf '%s' ${"'" + s.replace(/'/g, `'\\''`) + "'"}`, true).stdout).toBe(s);
  });

  it("ssh gets batch mode, the port, the key file from the environment, and one remote word after --", () => {
    const r = runVia(t, "true");
    expect(r.status).toBe(0);
    const a = r.args;
    expect(a.slice(0, 4)).toEqual(["-i", expect.stringMatching(/^\/tmp\/.*\/key$/), "-p", "2222"]);
    expect(a).toContain("BatchMode=yes");
    expect(a).toContain("StrictHostKeyChecking=accept-new");
    const at = a.indexOf("admin@10.1.2.3");
    expect(a[at + 1]).toBe("--");
    expect(a.length).toBe(at + 3); // exactly one remote word
    expect(a[at + 2]).toMatch(/^sudo -n bash -c /);
    // The key's content is on no command line: only its temp path.
    expect(a.join(" ")).not.toContain("secret");
  });

  it("the key prelude writes a 0600 file in a private directory and removes it on exit", () => {
    const r = spawnSync("bash", ["-c", withSshKey(`stat -c '%a' "$PGCHAOS_SSH_KEY_FILE" "$(dirname "$PGCHAOS_SSH_KEY_FILE")"; cat "$PGCHAOS_SSH_KEY_FILE"; cat "$PGCHAOS_SSH_KEY_FILE.known_hosts"; echo "$PGCHAOS_SSH_KEY_FILE"`)], {
      env: { ...process.env, PGCHAOS_SSH_KEY: "KEY $(id) 'x'", PGCHAOS_SSH_KNOWN_HOSTS: "[127.0.0.1]:2222 ssh-ed25519 AAAA" }, encoding: "utf8",
    });
    const lines = r.stdout.trim().split("\n");
    expect(lines.slice(0, 4)).toEqual(["600", "700", "KEY $(id) 'x'", "[127.0.0.1]:2222 ssh-ed25519 AAAA"]);
    expect(fs.existsSync(lines[4])).toBe(false);
    // Without a key in the environment the prelude does nothing (docker exec members).
    expect(spawnSync("bash", ["-c", withSshKey(`echo "[\${PGCHAOS_SSH_KEY_FILE:-}]"`)], { encoding: "utf8", env: { PATH: process.env.PATH } }).stdout.trim()).toBe("[]");
  });

  it("supervised lifecycle (lab SSH mode) and systemd lifecycle are valid shell", () => {
    const sup = hostTransport({ name: "pg1", address: "127.0.0.1", sshPort: 12232, user: "pgchaos", sudo: true, runs: "patroni", lifecycle: "supervised", clusterAddress: "172.20.0.5", restUrl: "http://127.0.0.1:18009" } as TargetHost);
    for (const s of [sup.lifecycle.stop("stop"), sup.lifecycle.stop("kill"), sup.lifecycle.stop("pause"), sup.lifecycle.start(), sup.lifecycle.state(), sup.lifecycle.armWatchdog("f", 30), sup.lifecycle.disarmWatchdog("f"), t.lifecycle.stop("kill")]) {
      expect(spawnSync("bash", ["-n", "-c", s]).status).toBe(0);
    }
    const l = supervisedLifecycle();
    expect(l.stop("kill")).toContain(`kill -KILL "$p" $(pgc_tree "$p")`);
    expect(l.stop("stop")).toMatch(/^echo down > \/run\/pgchaos-service\/want/);
    expect(spawnSync("bash", ["-n", "-c", supervisorScript("postgres")]).status).toBe(0);
  });
});

describe("lab SSH mode", () => {
  it("is off by default; ports follow the member", () => {
    expect(labConfigSchema.parse({}).ssh).toEqual({ enabled: false, portBase: 12222 });
    expect(["etcd1", "etcd3", "pg1", "pg2", "haproxy"].map((m) => sshHostPort(62222, m))).toEqual([62222, 62224, 62232, 62233, 62242]);
  });

  it("wraps the member's command under the supervisor, runs it as the image's user, publishes sshd on 127.0.0.1", () => {
    const spec = withSshMode({ image: "i", hostname: "pg1", network: "n", labels: {}, user: "postgres", init: false, ports: [{ host: 15441, container: 5432 }], command: ["bash", "-c", "exec patroni x"] }, { hostPort: 62232, authorizedKey: "ssh-ed25519 AAAA k" });
    expect(spec.user).toBeUndefined();
    expect(spec.init).toBe(true);
    expect(spec.ports).toEqual([{ host: 15441, container: 5432 }, { host: 62232, container: 22 }]);
    expect(spec.env?.PGCHAOS_SSH_AUTHORIZED_KEY).toBe("ssh-ed25519 AAAA k");
    expect(spec.command.slice(0, 2)).toEqual(["bash", "-c"]);
    expect(spec.command[2]).toContain("setpriv --reuid=postgres");
    expect(spec.command.slice(3)).toEqual(["pgchaos-supervisor", "bash", "-c", "exec patroni x"]);
  });
});

describe("preflight verdicts", () => {
  const host = (extra: Partial<TargetHost> = {}): TargetHost => ({ name: "pg1", address: "10.0.0.5", sshPort: 22, user: "admin", sudo: true, runs: "patroni", lifecycle: "systemd", postgresPort: 5432, restUrl: "http://10.0.0.5:8008", ...extra });
  const patroniDoc = { patroni: { scope: "main", version: "3.0.2" }, database_system_identifier: "7712", postmaster_start_time: "2026-11-25 13:59:43" };
  const api: ApiFacts = { patroni: { pg1: patroniDoc }, clusterMembers: ["pg1", "pg2"], etcd: {}, etcdMembers: ["etcd1"] };
  const output = (over: Record<string, string | string[]> = {}) => {
    const base: Record<string, string | string[]> = {
      clock: "1000.020", priv: "sudo", tool: ["iptables", "tc", "python3", "curl", "systemctl", "systemd-run", "stress-ng"],
      iptables_works: "yes", netem: "yes", unit: "active", identity: JSON.stringify(patroniDoc), done: "1", ...over,
    };
    return Object.entries(base).flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((x) => `${k}=${x}`)).join("\n");
  };
  const probe = (over?: Record<string, string | string[]>): HostProbe => ({ t0: 999.98, t1: 1000.02, output: output(over) });
  const all = new Set(["iptables", "delay", "python3", "lifecycle", "stress-ng"] as const);

  it("all good: facts shown, ok", () => {
    const v = judgeHost(host(), "ssh admin@10.0.0.5:22", probe(), all, "main", api, true);
    expect(v.problems).toEqual([]);
    expect(v.ok).toBe(true);
    expect(v.clockOffsetSeconds).toBe(0.02);
    expect(v.facts.join("; ")).toMatch(/passwordless sudo; clock offset \+0\.020 s \(±0\.020\).*delay via netem.*Patroni member pg1 of scope main/);
    expect(formatPreflight("main", [v])).toMatch(/^preflight OK: 1 host\(s\) of scope main\n {2}ok {3}pg1/);
  });

  it("unreachable host: the SSH error, nothing else", () => {
    const v = judgeHost(host(), "ssh admin@10.0.0.5:22", { t0: 1, t1: 2, error: "ssh: connect to host 10.0.0.5 port 22: Connection refused" }, all, "main", api, true);
    expect(v.ok).toBe(false);
    expect(v.problems).toEqual(["not reachable over SSH (ssh admin@10.0.0.5:22): ssh: connect to host 10.0.0.5 port 22: Connection refused"]);
  });

  it("no passwordless sudo: refuses with the sudoers line", () => {
    expect(judgeHost(host(), "d", probe({ priv: "none" }), new Set(), "main", api, true).problems[0]).toMatch(/sudo -n true` fails for admin: .*NOPASSWD: ALL/);
    expect(judgeHost(host({ sudo: false }), "d", probe({ priv: "sudo" }), new Set(), "main", api, true).problems[0]).toMatch(/not root and sudo is false/);
    expect(judgeHost(host({ sudo: false, user: "root" }), "d", probe({ priv: "root" }), new Set(), "main", api, true).ok).toBe(true);
  });

  it("missing tools: only those a planned fault needs, each with its apt command", () => {
    const p = probe({ tool: ["python3"] });
    expect(judgeHost(host(), "d", p, new Set(["python3"] as const), "main", api, true).ok).toBe(true);
    const v = judgeHost(host(), "d", p, new Set(["iptables", "stress-ng"] as const), "main", api, true);
    expect(v.problems).toEqual([
      "iptables missing (needed for loss/reset/partition): sudo apt-get install -y iptables",
      "stress-ng missing (needed for stress): sudo apt-get install -y stress-ng",
    ]);
  });

  it("delay: netem, else the NFQUEUE delayer, else both install commands", () => {
    expect(judgeHost(host(), "d", probe({ netem: "no", tool: ["iptables", "tc", "pgchaos-delay"] }), new Set(["delay"] as const), "main", api, true).facts).toContain("delay via NFQUEUE + pgchaos-delay");
    const v = judgeHost(host(), "d", probe({ netem: "no", tool: ["iptables", "tc"] }), new Set(["delay"] as const), "main", api, true);
    expect(v.problems[0]).toMatch(/no sch_netem \(sudo apt-get install -y linux-modules-extra-\$\(uname -r\).*pgchaos-delay is missing/);
  });

  it("node-stop: systemd with an active unit, or the lab's supervisor", () => {
    expect(judgeHost(host(), "d", probe({ unit: "inactive" }), new Set(["lifecycle"] as const), "main", api, true).problems[0]).toMatch(/unit patroni is inactive, not active/);
    expect(judgeHost(host(), "d", probe({ tool: ["python3"] }), new Set(["lifecycle"] as const), "main", api, true).problems[0]).toMatch(/needs systemd/);
    expect(judgeHost(host({ lifecycle: "supervised" }), "d", probe({ supervisor: "no" }), new Set(["lifecycle"] as const), "main", api, true).problems[0]).toMatch(/no pgchaos supervisor/);
    expect(judgeHost(host({ lifecycle: "supervised" }), "d", probe({ supervisor: "yes" }), new Set(["lifecycle"] as const), "main", api, true).ok).toBe(true);
  });

  it("clock: offset measured against the round trip's midpoint; refused beyond 5 s", () => {
    const v = judgeHost(host(), "d", { t0: 1000, t1: 1000.2, output: output({ clock: "1007.1" }) }, new Set(), "main", api, true);
    expect(v.clockOffsetSeconds).toBe(7);
    expect(v.problems[0]).toMatch(/clock is 7.000 s off the controller's/);
    expect(judgeHost(host(), "d", probe({ clock: "x" }), new Set(), "main", api, true).problems[0]).toMatch(/clock not read/);
  });

  it("membership: another scope, another host behind SSH, or a name Patroni does not know, are refused", () => {
    const other = { ...patroniDoc, patroni: { scope: "prod" } };
    expect(judgeHost(host(), "d", probe(), new Set(), "main", { ...api, patroni: { pg1: other } }, true).problems[0]).toMatch(/belongs to scope "prod", not "main": refusing/);
    expect(judgeHost(host(), "d", probe({ identity: JSON.stringify({ ...patroniDoc, postmaster_start_time: "other" }) }), new Set(), "main", api, true).problems[0]).toMatch(/not the Patroni member at http:\/\/10.0.0.5:8008/);
    expect(judgeHost(host(), "d", probe({ identity: "" }), new Set(), "main", api, true).problems[0]).toMatch(/does not answer on the host itself/);
    expect(judgeHost(host({ name: "pg9" }), "d", probe(), new Set(), "main", { ...api, patroni: { pg9: patroniDoc } }, true).problems[0]).toMatch(/no member named pg9/);
    expect(judgeHost(host(), "d", probe(), new Set(), "main", { ...api, patroni: { pg1: { error: "HTTP 503" } } }, true).problems[0]).toMatch(/did not answer: HTTP 503/);
    const etcd: TargetHost = { name: "etcd1", address: "10.0.0.2", sshPort: 22, user: "a", sudo: true, runs: "etcd", lifecycle: "systemd", postgresPort: 5432, clientUrl: "http://10.0.0.2:2379" };
    const status = { header: { member_id: "123" } };
    const etcdApi = { ...api, etcd: { etcd1: status } };
    expect(judgeHost(etcd, "d", probe({ identity: JSON.stringify(status) }), new Set(), "main", etcdApi, true).ok).toBe(true);
    expect(judgeHost(etcd, "d", probe({ identity: JSON.stringify({ header: { member_id: "9" } }) }), new Set(), "main", etcdApi, true).problems[0]).toMatch(/member ids differ/);
  });

  it("hosts no planned fault acts on: problems are warnings (a cut-off host never blocks recovery), except another cluster", () => {
    const down = judgeHost(host(), "d", { t0: 1, t1: 2, error: "Connection timed out" }, new Set(["python3"] as const), "main", api);
    expect(down.ok).toBe(true);
    expect(down.warnings[0]).toMatch(/not reachable over SSH/);
    expect(formatPreflight("main", [down])).toMatch(/warn pg1 \(d\): \n +~ not reachable over SSH .*not refused/);
    const slowApi = judgeHost(host(), "d", probe(), new Set(), "main", { ...api, patroni: { pg1: { error: "timeout" } } });
    expect([slowApi.ok, slowApi.warnings.length]).toEqual([true, 1]);
    const foreign = judgeHost(host(), "d", probe(), new Set(), "main", { ...api, patroni: { pg1: { ...patroniDoc, patroni: { scope: "prod" } } } });
    expect(foreign.ok).toBe(false);
    expect(foreign.problems[0]).toMatch(/refusing to touch another cluster/);
  });

  it("a cut-off probe is not a pass", () => {
    expect(judgeHost(host(), "d", probe({ done: [] }), new Set(), "main", api, true).problems).toContain("the probe did not run to its end (is bash the login shell's bash? is the output cut?)");
    expect(parseProbe("clock=1.5\ntool=tc\ntool=iptables\nidentity={bad json").identity).toBeUndefined();
  });

  it("the probe script is valid shell and checks netem only when a delay is planned", () => {
    const s = probeScript({ runs: "patroni", lifecycle: "systemd" }, true);
    expect(spawnSync("bash", ["-n", "-c", s]).status).toBe(0);
    expect(s).toContain("netem");
    expect(probeScript({ runs: "etcd", lifecycle: "supervised" }, false)).not.toContain("netem");
  });

  it("needs: what each planned fault needs on its targets, python3 everywhere probes run", () => {
    const world: World = {
      members: sshMembers(targetsSchema.parse({ scope: "main", hosts: [pg("pg1", "10.0.0.5"), pg("pg2", "10.0.0.6"), { name: "etcd1", address: "10.0.0.2", user: "a", runs: "etcd", clientUrl: "http://10.0.0.2:2379" }] })).members,
      live: { reachable: true, patroniLeader: "pg1", etcdLeader: "etcd1", netem: {}, notes: [] },
    };
    const ctx = { world, dcs: labConfigSchema.parse({}).dcs, defaultDurationSeconds: 60 };
    const plans = [
      planFault(faultSpec.parse({ name: "s", kind: "node-stop", target: "primary" }), ctx),
      planFault(faultSpec.parse({ name: "l", kind: "loss", target: "pg2", percent: 10 }), ctx),
      planFault(faultSpec.parse({ name: "d", kind: "etcd-outage", variant: "slow", members: ["etcd1"] }), ctx),
    ];
    const needs = needsFor(plans, true, ["pg1", "pg2", "etcd1"]);
    expect(Object.fromEntries([...needs].map(([k, v]) => [k, [...v].sort()]))).toEqual({ pg1: ["lifecycle", "python3"], pg2: ["iptables", "python3"], etcd1: ["delay", "python3"] });
    expect([...needsFor(plans, false, ["pg1"]).get("pg1")!]).toEqual(["lifecycle"]);
  });
});
