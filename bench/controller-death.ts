/**
 * Controller death, measured (prints a tally; not a test). SIGKILL at a random moment of one of three
 * controllers, each in turn: the experiment runner (`pgchaos run`, the CLI and everything it started), the
 * `pulumi` CLI during `up` (inject) and during `destroy` (recover) of the chaos stack, with a partition
 * fault of `--duration` seconds (pg3 | etcd2) on an existing lab. After each kill: was the fault reverted
 * within its duration + 5 s of arming, does `doctor` find leftovers, is the lab healthy (one leader, every
 * replica streaming), and is the next `up` consistent (no fault and no pending operation left in state) —
 * by itself, or after the one command its own error names. A running tally is printed after every kill.
 * Usage: npx tsx bench/controller-death.ts --lab-stack ha-cd [--kills 20] [--duration 30]
 */
import { spawnSync } from "child_process";
import { judgeCluster, type ReplicationRow } from "../components/lab/health";
import type { PatroniMember } from "../components/patroni/rest";
import { queryPostgres } from "../components/lab/postgres";
import { labOutputs } from "../chaos/experiments/stacks";
import { killController, memberShell, nextUp, stateLeft, type Controller, type KillContext } from "./controller-death-kill";
import { PROJECT_DIR, projectEnv } from "./util";

const arg = (name: string, fallback: string) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? process.argv[i + 1] : fallback; };
const labStack = arg("lab-stack", "dev");
const kills = Number(arg("kills", "20"));
const duration = Number(arg("duration", "30"));
const ENV = projectEnv();
Object.assign(process.env, ENV); // the Automation API (labOutputs) finds the offline pulumi on this PATH
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sh = (cmd: string, args: string[]) => spawnSync(cmd, args, { cwd: PROJECT_DIR, env: ENV, encoding: "utf8", maxBuffer: 64 << 20, timeout: 600_000 });
const CONTROLLERS: Controller[] = ["runner", "up", "destroy"];

interface Tally { runs: number; armed: number; revertedInTime: number; doctorLeftovers: number; doctorIncomplete: number; healthy: number; consistentByItself: number; consistentAfterNamed: number }
const emptyTally = (): Tally => ({ runs: 0, armed: 0, revertedInTime: 0, doctorLeftovers: 0, doctorIncomplete: 0, healthy: 0, consistentByItself: 0, consistentAfterNamed: 0 });
/** doctor's exit: 0 clean, 3 a member not scanned (on this loaded host: a docker exec over its 30 s bound), else leftovers. */
const runDoctor = () => { const d = sh("npx", ["tsx", "cli/main.ts", "doctor", "--lab-stack", labStack]); return { status: d.status, text: (d.stdout + d.stderr).trim() }; };

const ctx: KillContext = {
  labStack, chaosStack: `${labStack}-chaos`, env: ENV, duration,
  pulumi: (...args) => {
    const r = sh("pulumi", [...args, "--stack", `${labStack}-chaos`, "--non-interactive", "--color", "never"]);
    return { status: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
  },
  setFaults: (faults) => { sh("pulumi", ["config", "set", "--stack", `${labStack}-chaos`, "pgchaos:faults", JSON.stringify(faults)]); },
};

async function main(): Promise<void> {
  const lab = await labOutputs(labStack);
  const container = (m: string) => lab.inventory.find((x) => x.name === m)!.container;
  // Rules of fault chains on both sides; undefined when a member could not be read (never read as "none").
  const chains = (): number | undefined => {
    const counts = ["pg3", "etcd2"].map((m) => memberShell(ENV, container(m), "iptables -w -S | grep -c PGC- ; true"));
    return counts.every((c) => /^\d+$/.test(c)) ? counts.reduce((a, c) => a + Number(c), 0) : undefined;
  };
  const armedAt = () => Number(memberShell(ENV, container("pg3"), "stat -c %Y /var/lib/pgchaos/*.recover.sh 2>/dev/null | sort -n | head -1")) || undefined;
  const tallies = Object.fromEntries(CONTROLLERS.map((c) => [c, emptyTally()])) as Record<Controller, Tally>;
  const startedAt = new Date();
  for (let i = 0; i < kills * CONTROLLERS.length; i++) {
    const controller = CONTROLLERS[i % CONTROLLERS.length];
    const name = `cd${i}-${Date.now() % 100000}`;
    const killed = await killController(controller, name, ctx);
    const armed = armedAt();
    const t0 = Date.now();
    while (Date.now() - t0 < (duration + 15) * 1000 && chains() !== 0) await sleep(500);
    const goneAt = Date.now() / 1000;
    const inTime = chains() === 0 && (armed === undefined || goneAt - armed <= duration + 5 + 1); // +1: stat's whole seconds
    const next = nextUp(ctx);
    const left = stateLeft(ctx);
    const consistent = next.ok && left.faults === 0 && left.pending === 0;
    const healthy = await waitHealthy(lab, 120_000);
    // An incomplete scan is no clean bill and no leftover either: it is scanned once more, and both are told.
    const firstDoctor = runDoctor();
    const doctor = firstDoctor.status === 3 ? runDoctor() : firstDoctor;
    const t = tallies[controller];
    t.runs++; if (armed !== undefined) t.armed++; if (inTime) t.revertedInTime++; if (firstDoctor.status === 3) t.doctorIncomplete++; if (doctor.status !== 0) t.doctorLeftovers++; if (healthy) t.healthy++;
    if (consistent && next.firstOk) t.consistentByItself++; else if (consistent) t.consistentAfterNamed++;
    console.log(`${i + 1}. kill ${controller} after ${killed.killAfterSeconds.toFixed(1)} s (last output: ${JSON.stringify(killed.lastLine)}): ` +
      `${armed !== undefined ? `armed, rules gone ${(goneAt - armed).toFixed(0)} s after arming` : "not armed at the kill"}; reverted in time ${inTime}; ` +
      `doctor exit ${firstDoctor.status === 3 ? `3 (${JSON.stringify(firstDoctor.text.slice(0, 300))}), again: ` : ""}${doctor.status}${doctor.status !== 0 ? ` (${JSON.stringify(doctor.text.slice(0, 300))})` : ""}; healthy ${healthy}; next up ${next.firstOk ? "ok by itself" : `failed (${next.error}); named: ${next.named ?? "none"}; after it ${next.ok ? "ok" : "FAILED"}`}; ` +
      `state left: ${left.faults} fault(s), ${left.pending} pending op(s)`);
    console.log(tallyText(tallies, startedAt));
  }
}

function tallyText(tallies: Record<Controller, Tally>, startedAt: Date): string {
  const rows = CONTROLLERS.filter((c) => tallies[c].runs > 0).map((c) => {
    const t = tallies[c];
    return `  ${c.padEnd(8)} kills ${t.runs}: reverted within duration + 5 s ${t.revertedInTime}/${t.runs} (armed at the kill ${t.armed}); ` +
      `doctor leftovers or scan incomplete twice ${t.doctorLeftovers} (scan incomplete at the first try ${t.doctorIncomplete}); lab healthy ${t.healthy}/${t.runs}; next up consistent ${t.consistentByItself + t.consistentAfterNamed}/${t.runs} ` +
      `(by itself ${t.consistentByItself}, after the named command ${t.consistentAfterNamed})`;
  });
  return `tally since ${startedAt.toISOString()} (fault duration ${duration} s):\n${rows.join("\n")}`;
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
