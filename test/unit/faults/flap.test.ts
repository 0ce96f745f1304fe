import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterAll, describe, expect, it } from "vitest";
import { sh } from "../../../components/docker/commands";
import { flapLoopName } from "../../../chaos/faults/flapping";
import { planFault } from "../../../chaos/faults/plan";
import { faultSpec } from "../../../chaos/faults/spec";
import type { Lifecycle, Transport } from "../../../chaos/targets/transport";
import type { Member, World } from "../../../chaos/targets/world";
import { labConfigSchema } from "../../../stacks/config";

// The flap variant's loop, run for real against members whose "service" is a file: the rhythm, the
// end of the loop, recover in the middle of it (twice), and refresh's check.

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pgchaos-flap-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A member whose lifecycle writes its state to a file and logs every stop/start with the time. */
class FileTransport implements Transport {
  readonly describe: string;
  readonly protectedTcpPorts: number[] = [];
  readonly lifecycle: Lifecycle;

  constructor(name: string) {
    this.describe = `file ${name}`;
    const f = sh([path.join(dir, name)]);
    const event = (what: string) => `echo "${what} $(date +%s.%N)" >> ${f}.events`;
    this.lifecycle = {
      stop: () => `echo stopped > ${f}; ${event("stop")}`,
      start: () => `echo running > ${f}; ${event("start")}`,
      state: () => `cat ${f} 2>/dev/null || echo running`,
      armWatchdog: () => `echo armed >> ${f}.watchdog`,
      disarmWatchdog: () => `echo disarmed >> ${f}.watchdog`,
      logs: () => "true",
    };
  }

  exec(script: string): string {
    return `bash -c ${sh([script])}`;
  }

  execIfUp(script: string): string {
    return this.exec(script);
  }
}

const member = (name: string, kind: Member["kind"]): Member => ({ name, kind, ip: "127.0.0.9", ports: {}, transport: new FileTransport(name) });
const world: World = {
  members: [member("etcd1", "etcd"), member("etcd2", "etcd"), member("etcd3", "etcd"), member("pg1", "patroni")],
  live: { reachable: true, patroniLeader: "pg1", etcdLeader: "etcd2", netem: {}, notes: [] },
};
const plan = (raw: Record<string, unknown>) =>
  planFault(faultSpec.parse({ name: "flap", kind: "etcd-outage", variant: "flap", ...raw }), { world, dcs: labConfigSchema.parse({}).dcs, defaultDurationSeconds: 600 });
const bash = (script: string) => spawnSync("bash", ["-c", `set -euo pipefail\n${script}`], { encoding: "utf8", env: { ...process.env, PGCHAOS_CACHE: dir } });
const events = (name: string) =>
  fs.existsSync(path.join(dir, `${name}.events`)) ? fs.readFileSync(path.join(dir, `${name}.events`), "utf8").trim().split("\n").map((l) => ({ what: l.split(" ")[0], at: Number(l.split(" ")[1]) })) : [];
const state = (name: string) => fs.readFileSync(path.join(dir, name), "utf8").trim();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const reset = () => { for (const f of fs.readdirSync(dir)) fs.rmSync(path.join(dir, f), { recursive: true, force: true }); };

describe("etcd-outage flap: stop/start at a fixed rhythm, driven by a loop on the controller", () => {
  it("the etcd leader goes down and up `cycles` times, each phase as long as declared; then refresh sees it gone", async () => {
    reset();
    const p = plan({ members: ["etcd-leader"], cycles: 2, downSeconds: 2, upSeconds: 2 });
    expect(p.targets).toEqual(["etcd2"]);
    expect(p.mechanism).toMatch(/^flapping: 2 × \(stop for 2 s, up for 2 s\)/);
    const t0 = Date.now() / 1000;
    const inject = bash(p.inject);
    expect(inject.status, inject.stderr).toBe(0);
    expect(inject.stdout).toMatch(/"member":"etcd2"/);
    expect(state("etcd2")).toBe("stopped"); // cycle 1's stop is synchronous
    expect(bash(p.check).status).toBe(0); // in place
    // The provider verifies from what the first stop recorded, whatever the loop has done since.
    expect(bash(p.verification.probes[0].script).stdout.trim()).toBe("stopped");
    await sleep(9000);
    const e = events("etcd2");
    expect(e.map((x) => x.what)).toEqual(["stop", "start", "stop", "start"]);
    const gaps = e.slice(1).map((x, i) => x.at - e[i].at);
    console.log(`[flap] phases ${gaps.map((g) => g.toFixed(2)).join(" s, ")} s (declared 2 s each); first stop ${(e[0].at - t0).toFixed(2)} s after inject began`);
    for (const g of gaps) {
      expect(g).toBeGreaterThan(1.9);
      expect(g).toBeLessThan(3);
    }
    expect(state("etcd2")).toBe("running");
    expect(events("etcd1")).toEqual([]); // only the leader is touched
    expect(bash(p.check).status).toBe(3); // loop done, member running: gone
    expect(fs.readFileSync(path.join(dir, "etcd2.watchdog"), "utf8").trim().split("\n")).toEqual(["armed", "disarmed", "armed", "disarmed"]);
  }, 30_000);

  it("recover in the middle kills the loop (no stop after it), starts the member, and is safe to run twice", async () => {
    reset();
    const p = plan({ members: 2, cycles: 5, downSeconds: 2, upSeconds: 2 });
    expect(p.targets).toEqual(["etcd1", "etcd3"]); // followers first
    expect(bash(p.inject).status).toBe(0);
    await sleep(3000); // inside the first up phase
    const recover = bash(p.recover);
    expect(recover.status, recover.stderr).toBe(0);
    expect(bash(p.recover).status).toBe(0);
    const after = events("etcd1").length;
    await sleep(5000);
    expect(events("etcd1").length).toBe(after); // the loop is gone: nothing toggles any more
    expect([state("etcd1"), state("etcd3")]).toEqual(["running", "running"]);
    expect(bash(p.check).status).toBe(3);
    expect(fs.readdirSync(path.join(dir, "watchdogs"))).toEqual([]);
    // After recover the verification probe reads the live state.
    expect(bash(p.verification.probes[0].script).stdout.trim()).toBe("running");
  }, 30_000);

  it("the mechanism check does not call a member that is being started (a slow start) drifted", async () => {
    reset();
    // A start that takes 4 s after the member is already running (docker start on a loaded host).
    const slow = member("etcd2", "etcd");
    const f = sh([path.join(dir, "etcd2")]);
    Object.assign(slow.transport.lifecycle, { start: () => `echo running > ${f}; sleep 4; echo "start $(date +%s.%N)" >> ${f}.events` });
    const slowWorld: World = { ...world, members: world.members.map((m) => (m.name === "etcd2" ? slow : m)) };
    const p = planFault(faultSpec.parse({ name: "flap", kind: "etcd-outage", variant: "flap", members: ["etcd-leader"], cycles: 1, downSeconds: 2, upSeconds: 2 }), { world: slowWorld, dcs: labConfigSchema.parse({}).dcs, defaultDurationSeconds: 600 });
    expect(bash(p.inject).status).toBe(0);
    await sleep(4500); // the down phase (2 s) is over; the start runs until ~6 s
    expect(state("etcd2")).toBe("running");
    const check = bash(p.mechanismCheck!);
    expect(check.stdout.trim()).toBe("flap-loop ok");
    await sleep(3000);
    bash(p.recover);
  }, 30_000);

  it("a flapping longer than the fault's duration is refused, naming the keys", () => {
    expect(() => plan({ cycles: 10, downSeconds: 30, upSeconds: 30, durationSeconds: 300 })).toThrow(/durationSeconds = 300 is shorter than cycles × \(downSeconds \+ upSeconds\) = 600/);
    expect(faultSpec.safeParse({ name: "f", kind: "etcd-outage", variant: "flap", downSeconds: 1 }).success).toBe(false);
  });

  it("two labs' flap faults of the same name get their own loop file; the same targets always the same one", () => {
    const onLab = (container: string): Member => ({ ...member("etcd2", "etcd"), transport: Object.assign(new FileTransport("etcd2"), { describe: `container ${container}` }) });
    const a = flapLoopName("flap", [onLab("pgchaos-lab-a-etcd2")]);
    expect(a).toMatch(/^flap-flap-[0-9a-f]{10}$/);
    expect(flapLoopName("flap", [onLab("pgchaos-lab-b-etcd2")])).not.toBe(a);
    expect(flapLoopName("flap", [onLab("pgchaos-lab-a-etcd2")])).toBe(a);
  });
});
