/**
 * Controller death, measured (prints a tally; not a test): SIGKILL of the `pulumi` CLI (its whole process
 * group: CLI, language host, dynamic provider) at a random moment during `up` (inject) or `destroy`
 * (recover) of a short partition fault on an existing lab, then: was the fault reverted within its
 * duration + 5 s, does `doctor` find leftovers, is the lab healthy (one leader, every replica streaming),
 * and is the next `refresh --clear-pending-creates` + `up` consistent (no fault left in state)? A lock the
 * killed CLI left is cleared with `pulumi cancel`, the command the CLI's own error names.
 * Usage: npx tsx bench/controller-death.ts --lab-stack h14-lab [--iterations 6] [--duration 20]
 */
import { spawn, spawnSync } from "child_process";
import { judgeCluster, type ReplicationRow } from "../components/lab/health";
import type { PatroniMember } from "../components/patroni/rest";
import { queryPostgres } from "../components/lab/postgres";
import { labOutputs } from "../chaos/experiments/stacks";
import { PROJECT_DIR, projectEnv } from "./util";

const arg = (name: string, fallback: string) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? process.argv[i + 1] : fallback; };
const labStack = arg("lab-stack", "dev");
const chaos = `${labStack}-chaos`;
const iterations = Number(arg("iterations", "6"));
const duration = Number(arg("duration", "20"));
const ENV = projectEnv();
Object.assign(process.env, ENV); // the Automation API (labOutputs) finds the offline pulumi on this PATH
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sh = (cmd: string, args: string[]) => spawnSync(cmd, args, { cwd: PROJECT_DIR, env: ENV, encoding: "utf8", maxBuffer: 64 << 20, timeout: 600_000 });
const pulumi = (...args: string[]) => sh("pulumi", [...args, "--stack", chaos, "--non-interactive", "--color", "never"]);
const setFaults = (faults: unknown[]) => pulumi("config", "set", "pgchaos:faults", JSON.stringify(faults));

async function main(): Promise<void> {
  const lab = await labOutputs(labStack);
  const container = (m: string) => lab.inventory.find((x) => x.name === m)!.container;
  const memberSh = (m: string, script: string) => sh("docker", ["exec", "-u", "root", container(m), "bash", "-c", script]).stdout.trim();
  const fault = (i: number) => ({ name: `cd${i}`, kind: "partition", groupA: ["pg3"], groupB: ["etcd2"], durationSeconds: duration });
  const armedAt = (name: string) => Number(memberSh("pg3", `stat -c %Y /var/lib/pgchaos/${name}.recover.sh 2>/dev/null || true`)) || undefined;
  const chains = () => memberSh("pg3", "iptables -w -S | grep -c PGC- || true");
  const tally = { runs: 0, injected: 0, revertedInTime: 0, leftovers: 0, healthy: 0, consistent: 0 };
  const lines: string[] = [];
  for (let i = 0; i < iterations; i++) {
    const during = i % 2 === 0 ? "up" : "destroy";
    const f = fault(i);
    setFaults([f]);
    if (during === "destroy" && pulumi("up", "--yes", "--skip-preview").status !== 0) throw new Error("setup up failed");
    const killAfter = during === "up" ? 500 + Math.random() * 9000 : 200 + Math.random() * 3000;
    const child = spawn("pulumi", [during, "--yes", "--skip-preview", "--non-interactive", "--stack", chaos], { cwd: PROJECT_DIR, env: ENV, detached: true, stdio: "ignore" });
    await sleep(killAfter);
    process.kill(-child.pid!, "SIGKILL");
    const armed = armedAt(f.name);
    const t0 = Date.now();
    while (Date.now() - t0 < (duration + 15) * 1000 && chains() !== "0") await sleep(500);
    const goneAt = Date.now() / 1000;
    const injected = armed !== undefined;
    const inTime = chains() === "0" && (!injected || goneAt - armed! <= duration + 5 + 1); // +1: stat's whole seconds
    // The one command a killed update needs (the engine names it): clear pending operations, then converge.
    setFaults([]);
    // A killed update leaves the backend's lock: the CLI's own message names `pulumi cancel` for it.
    const locked = /currently locked/.test(pulumi("refresh", "--yes", "--skip-preview", "--clear-pending-creates").stderr + "");
    if (locked) pulumi("cancel", "--yes");
    const refresh = pulumi("refresh", "--yes", "--skip-preview", "--clear-pending-creates");
    const next = pulumi("up", "--yes", "--skip-preview");
    const stateFaults = (pulumi("stack", "export").stdout.match(/dynamic\/pgchaos:Fault/g) ?? []).length;
    const consistent = refresh.status === 0 && next.status === 0 && stateFaults === 0;
    const doctor = sh("npx", ["tsx", "cli/main.ts", "doctor", "--lab-stack", labStack]);
    const healthy = await waitHealthy(lab, 90_000);
    tally.runs++; if (injected) tally.injected++; if (inTime) tally.revertedInTime++; if (doctor.status !== 0) tally.leftovers++; if (healthy) tally.healthy++; if (consistent) tally.consistent++;
    lines.push(`${i + 1}. kill during ${during} after ${(killAfter / 1000).toFixed(1)} s: ${injected ? `injected, rules gone ${(goneAt - armed!).toFixed(0)} s after arming` : "not injected"}; ` +
      `reverted in time ${inTime}; doctor exit ${doctor.status}; healthy ${healthy}; lock left ${locked}${locked ? " (pulumi cancel)" : ""}; next refresh ${refresh.status} / up ${next.status}, faults in state ${stateFaults}`);
    console.log(lines.at(-1));
  }
  console.log(`\ncontroller death (pulumi CLI SIGKILL), ${tally.runs} runs, fault duration ${duration} s:\n` +
    `  reverted within duration + 5 s: ${tally.revertedInTime}/${tally.runs} (injected before the kill: ${tally.injected})\n` +
    `  doctor leftovers: ${tally.leftovers} run(s) with leftovers or an incomplete scan\n  lab healthy after: ${tally.healthy}/${tally.runs}\n` +
    `  next refresh --clear-pending-creates + up consistent: ${tally.consistent}/${tally.runs}`);
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
