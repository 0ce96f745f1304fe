import * as net from "net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChaosLab } from "../helpers/chaos-lab";
import { requireEngineAndDocker, run } from "../helpers/engine";

// A recover that cannot remove the effect keeps the fault in state and says what to run — for every kind
// but partition (fault-drift.test.ts has it), in one `up` on one shared lab. The removal is broken inside
// the target (a stand-in that swallows rule deletions, a delayer that cannot act on its TERM, a shell that
// swallows the stress recover) or the target refuses to start (its host port taken); never a config key.
const PORTS = { readWrite: 23300, readOnly: 23301, haproxyStats: 23302, postgresBase: 23316, patroniRestBase: 23324, etcdClientBase: 23308 };
const SBIN = "/usr/local/sbin"; // first in the members' PATH
const NOT_REMOVED = (name: string) => new RegExp(`fault ${name}: RECOVER DID NOT REMOVE THE EFFECT within \\d+ s — measured [^\\n]*; the fault stays in state: run \`pulumi destroy\` \\(or up\\) again, or \`pgchaos doctor\``);
const FAILED = (name: string) => new RegExp(`fault ${name}: RECOVER FAILED — script failed \\(exit \\d+\\):[\\s\\S]*?(address already in use|port is already allocated)[\\s\\S]*?the fault stays in state: fix the target, then run \`pulumi destroy\` \\(or up\\) again`);

/** iptables that adds rules but cannot delete, flush or remove chains: every rule-based effect stays. */
const IPTABLES_CANNOT_DELETE = "#!/bin/sh\ncase \" $* \" in *\" -D \"*|*\" -F \"*|*\" -X \"*) exit 0;; esac\nexec /usr/sbin/iptables \"$@\"\n";
/** bash that exits 0 without running a script that stops the stress fault's processes (its recover). */
const BASH_SWALLOWS_STRESS_STOP = (fault: string) =>
  `#!/bin/sh\ncase "$*" in *pgchaos-stress-${fault}*"kill -KILL"*) exit 0;; esac\nexec /bin/bash "$@"\n`;

describe("a recover that cannot remove the effect, per fault kind (real engine, real lab)", () => {
  let lab: ChaosLab;
  const place = (m: string, name: string, body: string) =>
    lab.exec(m, `echo ${Buffer.from(body).toString("base64")} | base64 -d > ${SBIN}/${name} && chmod +x ${SBIN}/${name}`);
  const faultStateNames = () => {
    const state = JSON.parse(lab.chaos.pulumi(["stack", "export"])) as { deployment: { resources: Array<{ type: string; outputs?: Record<string, any> }> } };
    return state.deployment.resources.filter((r) => r.type === "pulumi-nodejs:dynamic/pgchaos:Fault").map((r) => r.outputs?.name as string).sort();
  };
  /** Holds a host port (127.0.0.1), so the container that publishes it cannot start. */
  const holdPort = async (port: number): Promise<net.Server> => {
    for (let i = 0; ; i++) {
      try {
        return await new Promise<net.Server>((resolve, reject) => { const s = net.createServer(); s.once("error", reject); s.listen(port, "127.0.0.1", () => resolve(s)); });
      } catch (e) {
        if (i >= 20) throw e;
        await new Promise((r) => setTimeout(r, 500)); // the stopped container's proxy may still be closing
      }
    }
  };

  beforeAll(async () => {
    requireEngineAndDocker();
    lab = ChaosLab.create("ha-e2e-stuck", PORTS, { "pgchaos:monitoring.enabled": "false" });
    await lab.waitHealthy();
  }, 900_000);

  afterAll(() => {
    lab?.dispose();
  }, 600_000);

  it("delay, loss, reset, stress, node-stop, etcd-outage stop and block-client: each stays in state, named, with what to run; the next up recovers all", async () => {
    const leader = (await lab.leader())!;
    const [ra, rb] = ["pg1", "pg2", "pg3"].filter((n) => n !== leader);
    const faults = [
      { name: "sd", kind: "delay", target: ra, peers: [rb], delayMs: 100 },
      // Not on sd's link: sd's verification (ra → rb connects) through a 50 % loss waits out SYN retransmits (+1.1 s seen).
      { name: "sl", kind: "loss", target: rb, peers: [leader], percent: 50 },
      { name: "sr", kind: "reset", target: leader, peers: [ra], ports: [5432] },
      { name: "ss", kind: "stress", target: rb, resource: "cpu", workers: 1, loadPercent: 50 },
      { name: "sn", kind: "node-stop", target: "haproxy", mode: "stop" },
      { name: "se", kind: "etcd-outage", variant: "stop", members: ["etcd3"] },
      { name: "sb", kind: "etcd-outage", variant: "block-client", from: [ra] },
    ];
    lab.applyFaults(faults);
    const held: net.Server[] = [];
    let r: ReturnType<typeof run>;
    try {
      for (const m of [ra, rb, leader]) place(m, "iptables", IPTABLES_CANNOT_DELETE);
      place(rb, "bash", BASH_SWALLOWS_STRESS_STOP("ss"));
      lab.exec(ra, "kill -STOP \"$(cat /var/lib/pgchaos/sd.delay.pid)\""); // its TERM waits; its queue stays bound
      held.push(await holdPort(PORTS.readWrite), await holdPort(lab.member("etcd3").hostPorts.client));
      lab.setFaults([]);
      // --continue-on-error and enough parallelism: every recover is attempted.
      r = run("pulumi", ["up", "--yes", "--skip-preview", "--parallel", "24", "--continue-on-error", "--color", "never", "--stack", lab.chaos.name, "--non-interactive"]);
    } finally {
      for (const m of [ra, rb, leader]) lab.exec(m, `rm -f ${SBIN}/iptables ${SBIN}/bash`);
      lab.exec(ra, "p=$(cat /var/lib/pgchaos/sd.delay.pid 2>/dev/null) && kill -CONT \"$p\" 2>/dev/null; true");
      lab.exec(ra, "for p in $(pgrep -f '^pgchaos-delay-sd'); do kill -CONT \"$p\"; done; true"); // its pid file went with the failed recover
      for (const s of held) await new Promise((res) => s.close(res));
    }
    const out = r.stdout + r.stderr;
    expect(r.status).not.toBe(0);
    for (const f of faults) {
      const line = (["sn", "se"].includes(f.name) ? FAILED(f.name) : NOT_REMOVED(f.name)).exec(out)?.[0];
      console.log(`[stuck ${f.kind}${"variant" in f ? ` ${f.variant}` : ""}] ${line?.replace(/\s+/g, " ").slice(0, 400) ?? `NOT FOUND in:\n${out.split("\n").filter((l) => l.includes(`fault ${f.name}`)).join("\n")}`}`);
      expect(line, f.name).toBeDefined();
    }
    expect(faultStateNames()).toEqual(faults.map((f) => f.name).sort()); // every one kept in state
    // The target fixed, the next plain up recovers what is left and verifies it gone.
    lab.chaos.up();
    expect(faultStateNames()).toEqual([]);
    for (const m of lab.inventory) {
      expect(lab.containerState(m.name), m.name).toBe("running");
      expect(lab.chainsOn(m.name), m.name).toBe("");
      expect(lab.exec(m.name, "ls /var/lib/pgchaos 2>/dev/null; pgrep -fa '^pgchaos-' || true"), m.name).toBe("");
    }
    const doctor = run("npx", ["tsx", "cli/main.ts", "doctor", "--lab-stack", lab.lab.name]);
    expect(doctor.status, doctor.stdout).toBe(0);
    await lab.waitHealthy(180_000);
  }, 900_000);
});

