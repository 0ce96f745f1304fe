import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { evaluateExpectations, invalidBecause, summarizeVerdicts } from "../../chaos/checkers/expectations";
import { computeMetrics } from "../../chaos/checkers/metrics";
import { experimentSchema } from "../../chaos/experiments/definition";
import { runExperiment } from "../../chaos/experiments/runner";
import { DockerExecTransport } from "../../chaos/targets/transport";
import type { ChaosLab } from "../helpers/chaos-lab";
import { run } from "../helpers/engine";
import { createRunnerLab, disposeRunnerLab } from "../helpers/runner-lab";

// Faults that never lie (issue 14), through the real engine against a real lab: the target itself is
// broken (a killed delay process, a deleted rule, a shadowed binary), never a configuration key.
const PORTS = { readWrite: 31532, readOnly: 31533, haproxyStats: 31504, postgresBase: 31541, patroniRestBase: 31109, etcdClientBase: 31480 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("faults that never lie (real engine, real lab)", () => {
  let lab: ChaosLab;
  /** Runs a member-side script without blocking the event loop (the runner's watch keeps running). */
  const execAsync = async (member: string, script: string) =>
    (await promisify(execFile)("bash", ["-c", new DockerExecTransport(lab.member(member).container).exec(script)])).stdout.trim();
  const faultStateAll = () => {
    const state = JSON.parse(lab.chaos.pulumi(["stack", "export"])) as { deployment: { resources: Array<{ type: string; outputs?: Record<string, any> }> } };
    return state.deployment.resources.filter((r) => r.type === "pulumi-nodejs:dynamic/pgchaos:Fault").map((r) => r.outputs?.name);
  };
  const faultState = (name: string) => {
    const state = JSON.parse(lab.chaos.pulumi(["stack", "export"])) as { deployment: { resources: Array<{ type: string; outputs?: Record<string, any> }> } };
    return state.deployment.resources.find((r) => r.type === "pulumi-nodejs:dynamic/pgchaos:Fault" && r.outputs?.name === name)?.outputs;
  };

  beforeAll(async () => {
    lab = await createRunnerLab("e2e-drift", PORTS);
  }, 900_000);

  afterAll(() => disposeRunnerLab(lab), 600_000);

  it("a delay whose process died is drifted: refresh shows it, the next up recovers and re-injects it, verified", () => {
    lab.applyFaults([{ name: "dp", kind: "delay", target: "pg1", peers: ["etcd1"], delayMs: 200 }]);
    expect(lab.tcpProbe("pg1", "etcd1", 2379, 9, 3000).medianMs!).toBeGreaterThan(160);
    lab.exec("pg1", "kill -KILL \"$(cat /var/lib/pgchaos/dp.delay.pid)\"");
    const lost = lab.tcpProbe("pg1", "etcd1", 2379, 9, 3000).medianMs!;
    const refresh = lab.chaos.pulumi(["refresh", "--yes", "--skip-preview", "--diff", "--color", "never"]);
    console.log(`[drift] after the kill: round trip ${lost} ms; refresh:\n${refresh.split("\n").filter((l) => /status|drift|reason|update/.test(l)).join("\n")}`);
    expect(lost).toBeLessThan(50); // --queue-bypass: traffic flows undelayed, the fault is gone
    expect(refresh).toMatch(/status\s*:\s*"active" => "drifted"/);
    expect(faultState("dp")).toMatchObject({ status: "drifted", drift: { reason: "pg1: delay process pgchaos-delay-dp not running" } });
    const up = lab.chaos.pulumi(["up", "--yes", "--skip-preview", "--color", "never"]);
    console.log(`[drift] next up:\n${up.split("\n").filter((l) => /replac|delet|creat/.test(l)).join("\n")}`);
    expect(up).toMatch(/replaced/);
    const out = lab.chaos.outputs() as { faults: any[] };
    expect(out.faults[0].status).toBe("active");
    expect(out.faults[0].verification.measured).toMatch(/^\+\d+\.\d ms round trip/);
    expect(lab.tcpProbe("pg1", "etcd1", 2379, 9, 3000).medianMs!).toBeGreaterThan(160);
    lab.applyFaults([]);
  }, 300_000);

  it("plain up notices a deleted rule without refresh; an expired fault stays in state as expired and is not re-injected", async () => {
    lab.applyFaults([{ name: "lr", kind: "loss", target: "pg2", peers: ["pg3"], percent: 30 }]);
    lab.exec("pg2", "iptables -w -D PGC-lr-O 1");
    const up = lab.chaos.pulumi(["up", "--yes", "--skip-preview", "--color", "never"]);
    expect(up).toMatch(/replaced/);
    expect(lab.chainsOn("pg2")).toMatch(/-A PGC-lr-O .*--probability 0\.(29|30)\d* -j DROP/);
    // A short one now (a parameter change: replaced), left to its watchdog.
    lab.applyFaults([{ name: "lr", kind: "loss", target: "pg2", peers: ["pg3"], percent: 30, durationSeconds: 15 }]);
    const reinjectedAt = Date.now();
    while (Date.now() - reinjectedAt < 30_000 && lab.chainsOn("pg2") !== "") await sleep(1000);
    expect(lab.chainsOn("pg2")).toBe(""); // its watchdog reverted it after 15 s
    lab.chaos.pulumi(["refresh", "--yes", "--skip-preview", "--color", "never"]);
    expect(faultState("lr")).toMatchObject({ status: "expired" });
    lab.chaos.pulumi(["up", "--yes", "--skip-preview", "--color", "never"]);
    expect(lab.chainsOn("pg2")).toBe(""); // not re-injected silently
    expect((lab.chaos.outputs() as { faults: any[] }).faults[0].status).toBe("expired");
    lab.applyFaults([]);
  }, 300_000);

  it("a broken inject (iptables shadowed inside the target) is caught by verification, named and recovered", () => {
    // A stand-in iptables in front of the real one that drops the jumps into fault chains: the rules exist, nothing reaches them.
    lab.exec("pg2", "printf '#!/bin/sh\\ncase \" $* \" in *\" -I \"*PGC-*) exit 0;; esac\\nexec /usr/sbin/iptables \"$@\"\\n' > /usr/local/sbin/iptables && chmod +x /usr/local/sbin/iptables");
    try {
      lab.setFaults([{ name: "brk", kind: "loss", target: "pg2", peers: ["haproxy"], percent: 50, direction: "both" }]);
      const r = lab.chaos.tryPulumi(["up", "--yes", "--skip-preview", "--color", "never"]);
      const out = r.stdout + r.stderr;
      console.log(`[broken inject] ${/fault brk: [^\n]*/.exec(out)?.[0]}`);
      expect(r.status).not.toBe(0);
      // Nothing reaches the rules, so the lost share is the link's own: its probes are answered by the kernel
      // (a port nothing listens on), so it is 0 % unless the host stalls for the 300 ms timeout.
      const measured = /fault brk: effect not achieved within 10 s — expected 50% loss both, measured (\d+\.\d)% of 200 connects lost .*; it was recovered/.exec(out);
      expect(measured, out.slice(-2000)).not.toBeNull();
      expect(Number(measured![1])).toBeLessThan(10);
    } finally {
      lab.exec("pg2", "rm -f /usr/local/sbin/iptables");
    }
    expect(lab.chainsOn("pg2")).toBe(""); // never left half-applied
    expect(lab.exec("pg2", "ls /var/lib/pgchaos 2>/dev/null || true")).toBe("");
    lab.applyFaults([]);
  }, 300_000);

  it("a broken inject of every kind is caught (inject failure or verification), named and recovered, in one up", () => {
    // Each target is broken, not configured to fail: stand-ins in /usr/local/sbin (first in the members' PATH) for
    // iptables (drops the jumps), pgchaos-delay (says ready, never binds the queue) and stress-ng (idles), and a
    // docker stand-in on the controller's PATH that ignores stop/kill/pause.
    const iptablesShim = "#!/bin/sh\ncase \" $* \" in *\" -I \"*PGC-*) exit 0;; esac\nexec /usr/sbin/iptables \"$@\"\n";
    const shims: Record<string, Record<string, string>> = {
      pg1: { "pgchaos-delay": "#!/bin/sh\necho $$ >> /tmp/h14-shim.pids\necho ready\nexec sleep 600\n" },
      pg2: { iptables: iptablesShim },
      pg3: { iptables: iptablesShim, "stress-ng": "#!/bin/sh\nexec sleep 30\n" },
      etcd3: { iptables: iptablesShim },
      etcd2: { "pgchaos-delay": "#!/bin/sh\necho $$ >> /tmp/h14-shim.pids\necho ready\nexec sleep 600\n" },
    };
    const place = (m: string, name: string, body: string) =>
      lab.exec(m, `echo ${Buffer.from(body).toString("base64")} | base64 -d > /usr/local/sbin/${name} && chmod +x /usr/local/sbin/${name}`);
    const dockerShim = fs.mkdtempSync(path.join(os.tmpdir(), "h14-docker-"));
    fs.writeFileSync(path.join(dockerShim, "docker"), `#!/bin/sh\ncase "$1" in stop|kill|pause) exit 0;; esac\nexec ${run("bash", ["-c", "command -v docker"]).stdout.trim()} "$@"\n`, { mode: 0o755 });
    const faults = [
      { name: "bd", kind: "delay", target: "pg1", peers: ["etcd1"], delayMs: 100 },
      { name: "bl", kind: "loss", target: "pg2", peers: ["haproxy"], percent: 50, direction: "both" },
      { name: "br", kind: "reset", target: "pg3", peers: ["haproxy"], ports: [5432] },
      { name: "bp", kind: "partition", groupA: ["etcd3"], groupB: ["pg1"] },
      { name: "bs", kind: "stress", target: "pg3", resource: "cpu", workers: 1, loadPercent: 90 },
      { name: "bn", kind: "node-stop", target: "haproxy", mode: "kill" },
      { name: "be-stop", kind: "etcd-outage", variant: "stop", members: ["etcd1"] },
      { name: "be-block", kind: "etcd-outage", variant: "block-client", from: ["pg2"] },
      { name: "be-slow", kind: "etcd-outage", variant: "slow", members: ["etcd2"], delayMs: 100 },
      { name: "be-flap", kind: "etcd-outage", variant: "flap", members: ["etcd3"], cycles: 1, downSeconds: 3, upSeconds: 3 },
    ];
    try {
      for (const [m, files] of Object.entries(shims)) for (const [name, body] of Object.entries(files)) place(m, name, body);
      lab.setFaults(faults);
      // --continue-on-error and enough parallelism: the engine would otherwise not start faults after the first failure.
      const r = run("pulumi", ["up", "--yes", "--skip-preview", "--parallel", "24", "--continue-on-error", "--color", "never", "--stack", lab.chaos.name, "--non-interactive"], { env: { PATH: `${dockerShim}:${process.env.PATH}` } });
      const out = r.stdout + r.stderr;
      expect(r.status).not.toBe(0);
      expect(out).not.toContain("conflicting faults"); // every fault was attempted
      for (const f of faults) {
        // Caught by verification (no effect), or by the inject itself (a stand-in without the process marker).
        const line = new RegExp(`fault ${f.name}: (effect not achieved within \\d+ s — expected [^\\n]*; it was recovered|inject failed, it was recovered — [^\\n]*)`).exec(out)?.[0];
        console.log(`[broken ${f.kind}${"variant" in f ? ` ${f.variant}` : ""}] ${line ?? `NOT CAUGHT; its lines:\n${out.split("\n").filter((l) => l.includes(f.name)).join("\n")}`}`);
        expect(line, f.name).toBeDefined();
      }
    } finally {
      // The stand-in delayer lacks the fault's process name, so recover could not find it: it is ours to end, by pid.
      for (const [m, files] of Object.entries(shims)) lab.exec(m, `rm -f ${Object.keys(files).map((n) => `/usr/local/sbin/${n}`).join(" ")}; for p in $(cat /tmp/h14-shim.pids 2>/dev/null); do kill "$p" 2>/dev/null || true; done; rm -f /tmp/h14-shim.pids`);
      fs.rmSync(dockerShim, { recursive: true, force: true });
    }
    for (const m of lab.inventory) {
      expect(lab.chainsOn(m.name), m.name).toBe("");
      expect(lab.exec(m.name, "ls /var/lib/pgchaos 2>/dev/null || true"), m.name).toBe("");
      expect(lab.containerState(m.name), m.name).toBe("running");
    }
    expect(JSON.stringify(faultStateAll())).toBe("[]"); // nothing left in state
    const doctor = run("npx", ["tsx", "cli/main.ts", "doctor", "--lab-stack", lab.lab.name]);
    expect(doctor.status, doctor.stdout).toBe(0);
    lab.applyFaults([]);
  }, 400_000);

  it("a recover that cannot remove the effect keeps the fault in state and says what to run; the next up recovers it", () => {
    lab.applyFaults([{ name: "stuck", kind: "partition", groupA: ["pg3"], groupB: ["etcd2"] }]);
    // iptables inside pg3 that cannot delete, flush or remove chains: the cut stays.
    const cannotDelete = "#!/bin/sh\ncase \" $* \" in *\" -D \"*|*\" -F \"*|*\" -X \"*) exit 0;; esac\nexec /usr/sbin/iptables \"$@\"\n";
    lab.exec("pg3", `echo ${Buffer.from(cannotDelete).toString("base64")} | base64 -d > /usr/local/sbin/iptables && chmod +x /usr/local/sbin/iptables`);
    let r: ReturnType<typeof lab.chaos.tryPulumi>;
    try {
      lab.setFaults([]);
      r = lab.chaos.tryPulumi(["up", "--yes", "--skip-preview", "--color", "never"]);
    } finally {
      lab.exec("pg3", "rm -f /usr/local/sbin/iptables");
    }
    const out = r.stdout + r.stderr;
    console.log(`[stuck recover] ${/fault stuck: RECOVER[^\n]*/.exec(out)?.[0]}`);
    expect(r.status).not.toBe(0);
    expect(out).toMatch(/fault stuck: RECOVER DID NOT REMOVE THE EFFECT within 10 s — measured 100\.0% of \d+ connects failed after recover; the fault stays in state: run `pulumi destroy` \(or up\) again, or `pgchaos doctor`/);
    expect(faultState("stuck")).toBeDefined();
    lab.chaos.up();
    expect(faultState("stuck")).toBeUndefined();
    expect(lab.chainsOn("pg3")).toBe("");
  }, 300_000);

  it("d10 → d100 on the same link in one up: d10 is recovered and verified gone before d100 is injected", () => {
    lab.applyFaults([{ name: "d10", kind: "delay", target: "pg1", peers: ["pg2"], delayMs: 10 }]);
    lab.setFaults([{ name: "d100", kind: "delay", target: "pg1", peers: ["pg2"], delayMs: 100 }]);
    const r = lab.chaos.tryPulumi(["up", "--yes", "--skip-preview", "--color", "never"]);
    const out = r.stdout + r.stderr;
    console.log(`[swap] ${out.split("\n").filter((l) => /d10|d100|error/i.test(l)).join("\n")}`);
    expect(r.status, out.slice(-3000)).toBe(0);
    expect(out).toContain("fault d100 replaces d10 on delay:pg1");
    const f = (lab.chaos.outputs() as { faults: any[] }).faults[0];
    expect(f.name).toBe("d100");
    expect(f.verification.measured).toMatch(/^\+(9\d|1[01]\d)\.\d ms round trip/); // measured with d10 gone
    expect(lab.chainsOn("pg1")).not.toMatch(/PGC-d10-/);
    expect(faultState("d10")).toBeUndefined();
    lab.applyFaults([]);
  }, 300_000);

  it("an experiment notices a killed delay process and a deleted partition rule within 5 s: INVALID, with those moments", async () => {
    const exp = experimentSchema.parse({
      id: "drift-watch", title: "fault watch self-test", description: "two faults whose mechanisms are broken mid-run",
      workload: { writers: 1, readers: 1, writeRate: 5, readRate: 5 }, steadySeconds: { before: 3, after: 2 },
      method: [
        { action: "inject", faults: [{ name: "wd", kind: "delay", target: "pg1", peers: ["etcd1"], delayMs: 150 }, { name: "wp", kind: "partition", groupA: ["pg3"], groupB: ["etcd2"] }] },
        { action: "wait", seconds: 30 }, { action: "recover" },
      ],
      expected: { prose: "the run's expectations hold", assertions: [{ metric: "lostAckedWrites", op: "==", value: 0 }] },
    });
    const lines: string[] = [];
    const running = runExperiment(exp, { target: { labStack: lab.lab.name }, log: (l) => lines.push(l) });
    const t0 = Date.now();
    while (Date.now() - t0 < 180_000 && !(await execAsync("pg3", "iptables -w -S PGC-wp-O 2>/dev/null || true")).includes("-A PGC-wp-O")) await sleep(500);
    await sleep(6000); // a few clean checks first
    const killedAt = Date.now();
    await execAsync("pg1", "kill -KILL \"$(cat /var/lib/pgchaos/wd.delay.pid)\"");
    await sleep(6000);
    const deletedAt = Date.now();
    await execAsync("pg3", "iptables -w -D PGC-wp-O 1");
    // A planted violation for the lost-writes checker: acknowledged rows of this run deleted on the primary.
    const deleted = await lab.query((await lab.leader(true))!, "delete from pgchaos_writes where id in (select id from pgchaos_writes where id like 'drift-watch-%' order by id limit 5) returning id");
    const journal = await running;
    const events = journal.faultWatch!.events;
    const byFault = (n: string) => events.find((e) => e.fault === n)!;
    const verdict = summarizeVerdicts([], undefined, invalidBecause(journal));
    console.log(`[watch] delay killed at ${new Date(killedAt).toISOString()}, noticed ${((byFault("wd").at - killedAt) / 1000).toFixed(1)} s later; ` +
      `rule deleted at ${new Date(deletedAt).toISOString()}, noticed ${((byFault("wp").at - deletedAt) / 1000).toFixed(1)} s later; ` +
      `${journal.faultWatch!.checks} checks, longest gap ${journal.faultWatch!.maxGapMs} ms\n[watch] verdict: ${verdict.text}`);
    // The watch's mechanism check (the process) and its effect check (the round trip) race to see the killed
    // delayer first; either names the real break: the process gone, or the added delay gone.
    const wd = byFault("wd");
    expect(wd.status).toBe("drifted");
    expect(wd.reason).toMatch(wd.source === "mechanism" ? /pgchaos-delay-wd not running/ : /round trip \+-?\d+(\.\d+)? ms over the baseline .* \(set \+150 ms\)/);
    expect(byFault("wp")).toMatchObject({ status: "drifted", source: "mechanism", reason: expect.stringMatching(/pg3: chain PGC-wp-O has 0 of 1 rules/) });
    for (const [e, at] of [[byFault("wd"), killedAt], [byFault("wp"), deletedAt]] as const) {
      expect(e.at).toBeGreaterThan(at);
      expect(e.at - at).toBeLessThan(5000);
    }
    expect(verdict.pass).toBe(false);
    const lostAcked = computeMetrics(journal).scalars.lostAckedWrites.value;
    const lostVerdict = evaluateExpectations(computeMetrics(journal), exp.expected.assertions)[0];
    console.log(`[checker] planted ${deleted.length} deleted acknowledged rows; lostAckedWrites = ${lostAcked}; expectation ${lostVerdict.status} (${lostVerdict.text})`);
    expect(deleted).toHaveLength(5);
    expect(lostAcked).toBeGreaterThanOrEqual(5);
    expect(lostVerdict.status).toBe("violated");
    expect(verdict.text).toMatch(/^INVALID: fault wd stopped acting at .*; fault wp stopped acting at/);
    expect(lines.join("\n")).toMatch(/fault watch: wd DRIFTED at/);
    expect(lab.chainsOn("pg3")).toBe(""); // rolled back all the same
  }, 600_000);

  it("doctor and the runner refuse a member they could not scan: never 'no leftovers'", async () => {
    run("docker", ["stop", "-t", "5", lab.member("haproxy").container]);
    try {
      const doctor = run("npx", ["tsx", "cli/main.ts", "doctor", "--lab-stack", lab.lab.name]);
      console.log(`[doctor] exit ${doctor.status}:\n${doctor.stdout}`);
      expect(doctor.status).toBe(3);
      expect(doctor.stdout).toMatch(/NOT SCANNED \(1 of 7 members[^\n]*\n\s+haproxy: .*is not running/);
      expect(doctor.stdout).not.toMatch(/^no chaos leftovers$/m);
    } finally {
      run("docker", ["start", lab.member("haproxy").container]);
    }
  }, 300_000);
});
