/**
 * Controller death, measured (prints a tally; not a test). SIGKILL at a random moment of one of three
 * controllers, each in turn: the experiment runner (`pgchaos run`, the CLI and everything it started), the
 * `pulumi` CLI during `up` (inject) and during `destroy` (recover) of the chaos stack, with a partition
 * fault of `--duration` seconds (pg3 | etcd2) on an existing lab. After each kill: was the fault reverted
 * within its duration + 5 s of arming, does `doctor` find leftovers, is the lab healthy (one leader, every
 * replica streaming), and is the next `up` consistent (no fault and no pending operation left in state) —
 * by itself, or after the one command its own error names. A running tally is printed after every kill.
 * Each kill moment is drawn (seeded; the seed is printed) uniformly over the controller's whole run, whose
 * length comes from one un-killed run of that controller first; each kill is told by the phase it landed in.
 * Usage: npx tsx bench/controller-death.ts --lab-stack hacd [--kills 20] [--duration 30] [--seed N]
 *   [--run-seconds runner=S,up=S,destroy=S] (lengths an earlier calibration printed: skips the un-killed runs)
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { judgeCluster, type ReplicationRow } from "../components/lab/health";
import type { PatroniMember } from "../components/patroni/rest";
import { queryPostgres } from "../components/lab/postgres";
import { labOutputs } from "../chaos/experiments/stacks";
import { recoverFile } from "../chaos/faults/member-scripts";
import { killController, memberShell, nextUp, stateLeft, type ArmingWatch, type Controller, type KillContext } from "./controller-death-kill";
import { emptyTally, killMoment, phaseAtKill, seededRandom, tallyRow, type Tally } from "./controller-death-phase";
import { PROJECT_DIR, projectEnv } from "./util";

const arg = (name: string, fallback: string) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? process.argv[i + 1] : fallback; };
const labStack = arg("lab-stack", "dev");
const kills = Number(arg("kills", "20"));
const duration = Number(arg("duration", "30"));
const seed = Number(arg("seed", String(Math.floor(Math.random() * 2 ** 31))));
const ENV = projectEnv();
Object.assign(process.env, ENV); // the Automation API (labOutputs) finds the offline pulumi on this PATH
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sh = (cmd: string, args: string[]) => spawnSync(cmd, args, { cwd: PROJECT_DIR, env: ENV, encoding: "utf8", maxBuffer: 64 << 20, timeout: 600_000 });
const CONTROLLERS: Controller[] = ["runner", "up", "destroy"];

/** doctor's exit: 0 clean, 3 a member not scanned (on this loaded host: a docker exec over its 30 s bound), else leftovers. */
const runDoctor = () => { const d = sh("npx", ["tsx", "cli/main.ts", "doctor", "--lab-stack", labStack]); return { status: d.status, text: (d.stdout + d.stderr).trim() }; };

const ctx: KillContext = {
  labStack, chaosStack: `${labStack}-chaos`, env: ENV, duration, recoverFileOnHost: () => { throw new Error("set in main"); },
  pulumi: (...args) => {
    const r = sh("pulumi", [...args, "--stack", `${labStack}-chaos`, "--non-interactive", "--color", "never"]);
    return { status: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
  },
  setFaults: (faults) => { sh("pulumi", ["config", "set", "--stack", `${labStack}-chaos`, "pgchaos:faults", JSON.stringify(faults)]); },
};

async function main(): Promise<void> {
  const lab = await labOutputs(labStack);
  const container = (m: string) => lab.inventory.find((x) => x.name === m)!.container;
  const mergedDir = spawnSync("docker", ["inspect", "-f", "{{.GraphDriver.Data.MergedDir}}", container("pg3")], { encoding: "utf8" }).stdout.trim();
  if (!mergedDir || !fs.existsSync(mergedDir)) throw new Error(`cannot read ${container("pg3")}'s filesystem from this host (merged dir ${JSON.stringify(mergedDir)})`);
  ctx.recoverFileOnHost = (fault) => path.join(mergedDir, recoverFile(fault));
  // Rules of fault chains on both sides; undefined when a member could not be read (never read as "none").
  const chains = (): number | undefined => {
    const counts = ["pg3", "etcd2"].map((m) => memberShell(ENV, container(m), "iptables -w -S | grep -c PGC- ; true"));
    return counts.every((c) => /^\d+$/.test(c)) ? counts.reduce((a, c) => a + Number(c), 0) : undefined;
  };
  console.log(`seed ${seed}; fault duration ${duration} s; lab ${labStack}; load average at start ${loadText()}`);
  const runSeconds = await calibrate();
  const random = seededRandom(seed);
  const tallies = Object.fromEntries(CONTROLLERS.map((c) => [c, emptyTally()])) as Record<Controller, Tally>;
  const startedAt = new Date();
  for (let i = 0; i < kills * CONTROLLERS.length; i++) {
    const controller = CONTROLLERS[i % CONTROLLERS.length];
    const name = `cd${i}-${Date.now() % 100000}`;
    const killAfter = killMoment(random, runSeconds[controller]);
    const killed = await killController(controller, name, ctx, killAfter);
    const phase = phaseAtKill(killed.timeline);
    const revert = await waitReverted(killed.arming);
    const rulesLeft = chains();
    const inTime = revert.inTime && rulesLeft === 0;
    const next = nextUp(ctx);
    let left = stateLeft(ctx);
    // Pending operations stay through any `up`: the product's named command (doctor --fix) clears them.
    const pendingAfterUp = left.pending > 0 ? left.pending : 0;
    if (pendingAfterUp) { sh("npx", ["tsx", "cli/main.ts", "doctor", "--fix", "--lab-stack", labStack]); left = stateLeft(ctx); }
    const consistent = next.ok && left.unreadable === undefined && left.faults === 0 && left.pending === 0;
    const healthy = await waitHealthy(lab, 120_000);
    // An incomplete scan is no clean bill and no leftover either: it is scanned once more, and both are told.
    const firstDoctor = runDoctor();
    const doctor = firstDoctor.status === 3 ? runDoctor() : firstDoctor;
    loads.push(os.loadavg()[0]);
    const t = tallies[controller];
    t.runs++; t.phases[phase]++; if (killed.arming.armedAt !== undefined) t.armed++; if (inTime) t.revertedInTime++;
    if (firstDoctor.status === 3) t.doctorIncomplete++; if (doctor.status !== 0) t.doctorLeftovers++; if (healthy) t.healthy++;
    if (consistent && next.firstOk && !pendingAfterUp) t.consistentByItself++; else if (consistent) t.consistentAfterNamed++;
    const since = (at?: number) => at === undefined ? "never" : `${((at - killed.spawnedAt) / 1000).toFixed(1)} s`;
    console.log(`${i + 1}. kill ${controller} at ${killAfter.toFixed(1)} s of its ${runSeconds[controller].toFixed(1)} s run: ${phase} (armed ${since(killed.arming.armedAt)}, ` +
      `recover began ${since(killed.timeline.recoverStartedAt)}, exited by itself ${since(killed.timeline.exitedAt)}; last output: ${JSON.stringify(killed.lastLine)}); ` +
      `${revert.text}; rules left ${rulesLeft ?? "unreadable"}; reverted in time ${inTime}; ` +
      `doctor exit ${firstDoctor.status === 3 ? `3 (${JSON.stringify(firstDoctor.text.slice(0, 300))}), again: ` : ""}${doctor.status}${doctor.status !== 0 ? ` (${JSON.stringify(doctor.text.slice(0, 300))})` : ""}; healthy ${healthy}; next up ${next.firstOk ? "ok by itself" : `failed (${next.error}); named: ${next.named ?? "none"}; after it ${next.ok ? "ok" : "FAILED"}`}; ` +
      `${pendingAfterUp ? `${pendingAfterUp} pending op(s) after that up, then doctor --fix; ` : ""}state left: ${left.unreadable ? `UNREADABLE (${left.unreadable})` : `${left.faults} fault(s), ${left.pending} pending op(s)`}; load ${loadText()}`);
    console.log(tallyText(tallies, startedAt));
  }
}

/** One un-killed run per controller: its length is the window the kill moments are drawn from. */
async function calibrate(): Promise<Record<Controller, number>> {
  const out = {} as Record<Controller, number>;
  // Lengths from an earlier calibration of the same lab (printed by it), to restart without running it again.
  const given = arg("run-seconds", "");
  if (given) {
    for (const kv of given.split(",")) { const [c, v] = kv.split("="); out[c as Controller] = Number(v); }
    if (!CONTROLLERS.every((c) => out[c] > 0)) throw new Error(`--run-seconds ${given}: give runner=S,up=S,destroy=S, each > 0`);
    console.log(`run lengths from an earlier calibration (--run-seconds): ${given}`);
    return out;
  }
  for (const controller of CONTROLLERS) {
    const name = `cal-${controller}-${Date.now() % 100000}`;
    const run = await killController(controller, name, ctx);
    // Only its length is learned: a runner's INVALID (the fault expired before its recover) still ran to its end.
    if (!run.ranToItsEnd || (controller !== "runner" && run.exitCode !== 0)) throw new Error(`calibration run of ${controller} failed (exit ${run.exitCode}); its output: /tmp/ha-cd-${name}.log`);
    out[controller] = (run.timeline.exitedAt! - run.spawnedAt) / 1000;
    const at = (x?: number) => x === undefined ? "never" : `${((x - run.spawnedAt) / 1000).toFixed(1)} s`;
    const revert = await waitReverted(run.arming);
    const next = nextUp(ctx);
    if (!next.ok) throw new Error(`calibration of ${controller}: the next up failed: ${next.error}`);
    console.log(`calibration ${controller}: run ${out[controller].toFixed(1)} s, exit ${run.exitCode} (last output: ${JSON.stringify(run.lastLine)}; armed ${at(run.arming.armedAt)}, recover began ${at(run.timeline.recoverStartedAt)}); ${revert.text}; load ${loadText()}`);
  }
  return out;
}

/** Waits for a fault that reached its target to be reverted (its recover file gone) or its bound to pass. */
async function waitReverted(arming: ArmingWatch): Promise<{ inTime: boolean; text: string }> {
  // An inject in flight when its controller died may still arm: docker exec outlives its killed client.
  if (arming.armedAt === undefined) await sleep(5000);
  if (arming.armedAt === undefined) { arming.stop(); return { inTime: true, text: "never armed" }; }
  const bound = arming.armedAt + (duration + 5) * 1000;
  while (arming.goneAt === undefined && Date.now() < bound + 10_000) await sleep(200);
  arming.stop();
  if (arming.goneAt === undefined) return { inTime: false, text: `NOT reverted ${duration + 15} s after arming` };
  const after = (arming.goneAt - arming.armedAt) / 1000;
  return { inTime: arming.goneAt <= bound, text: `reverted ${after.toFixed(1)} s after arming` };
}

const loads: number[] = [];
const loadText = () => os.loadavg().map((l) => l.toFixed(1)).join(" ");

function tallyText(tallies: Record<Controller, Tally>, startedAt: Date): string {
  const rows = CONTROLLERS.filter((c) => tallies[c].runs > 0).map((c) => tallyRow(c, tallies[c]));
  const mean = loads.reduce((a, b) => a + b, 0) / loads.length;
  return `tally since ${startedAt.toISOString()} (seed ${seed}, fault duration ${duration} s, 1-min load after each kill: ` +
    `min ${Math.min(...loads).toFixed(1)} mean ${mean.toFixed(1)} max ${Math.max(...loads).toFixed(1)}):\n${rows.join("\n")}`;
}

async function waitHealthy(lab: Awaited<ReturnType<typeof labOutputs>>, timeoutMs: number): Promise<boolean> {
  const patroni = lab.inventory.filter((m) => m.kind === "patroni");
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    for (const m of patroni) {
      try {
        const res = await fetch(`http://127.0.0.1:${m.hostPorts.rest}/cluster`, { signal: AbortSignal.timeout(1500) });
        const members = ((await res.json()) as { members: PatroniMember[] }).members;
        const leader = lab.inventory.find((x) => x.name === members.find((p) => p.role === "leader")?.name);
        const replication = leader ? (await queryPostgres({ host: "127.0.0.1", port: leader.hostPorts.postgres, password: lab.superuserPassword }, "select application_name, state from pg_stat_replication", [])) as ReplicationRow[] : undefined;
        if (judgeCluster(patroni.map((p) => p.name), members, replication).healthy) return true;
        break;
      } catch {
        // next member
      }
    }
    await sleep(1000);
  }
  return false;
}

main().catch((e) => { console.error(e); process.exit(1); });
