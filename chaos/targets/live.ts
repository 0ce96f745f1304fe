// The live cluster as the controller reads it: leaders, netem support, controller-side scripts.
import { execFile } from "child_process";
import { getJson } from "../../components/lab/http";
import { patroniLeader } from "../../components/patroni/rest";
import { promisify } from "util";
import type { ApiEndpoints, LiveView, Member } from "./world";

export type { ApiEndpoints } from "./world";
import { NETEM_PROBE } from "../faults/member-scripts";
import { withSshKey } from "./inventory";

const run = promisify(execFile);

/** The Patroni leader, as the first member that answers reports it. */
export async function readPatroniLeader(endpoints: ApiEndpoints): Promise<string | undefined> {
  return patroniLeader(Object.values(endpoints.patroniRest));
}

/** The etcd leader's member name, through etcd's v3 JSON gateway. */
export async function readEtcdLeader(endpoints: ApiEndpoints): Promise<string | undefined> {
  let lastError = "no etcd endpoint";
  for (const url of Object.values(endpoints.etcdClient)) {
    try {
      const status = await getJson(`${url}/v3/maintenance/status`, { method: "POST", body: "{}" });
      const list = await getJson(`${url}/v3/cluster/member/list`, { method: "POST", body: "{}" });
      const leader = (list.members as Array<{ ID: string; name: string }>).find((m) => m.ID === status.leader);
      return leader?.name;
    } catch (e) {
      lastError = (e as Error).message;
    }
  }
  throw new Error(lastError);
}

/**
 * Runs a controller-side script (a transport's wrapper) and returns its stdout. SSH members read the key
 * from the environment (PGCHAOS_SSH_KEY, set by the chaos program from the secret config value).
 */
export async function runControllerScript(script: string, timeoutMs = 15_000): Promise<string> {
  // maxBuffer: log fetches return megabytes (Node's default of 1 MiB would fail them).
  // --norc: Node's piped stdin is a socket, and bash then runs ~/.bashrc when SHLVL is 0 (under npx, cron, CI):
  // a user's startup file must not slow (here: a 60 s pyenv lock wait) or print into a controller script.
  const { stdout } = await run("bash", ["--norc", "-c", `set -euo pipefail\n${withSshKey(script)}`], { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
  return stdout.trim();
}

/** Reads leaders (Patroni's and etcd's at once) and, for the members that need it, whether their kernel has netem. */
export async function observe(endpoints: ApiEndpoints, netemProbeFor: Member[]): Promise<LiveView> {
  const [patroni, etcd] = await Promise.allSettled([readPatroniLeader(endpoints), readEtcdLeader(endpoints)]);
  const patroniLeader = patroni.status === "fulfilled" ? patroni.value : undefined;
  const etcdLeader = etcd.status === "fulfilled" ? etcd.value : undefined;
  const notes = [patroni.status === "rejected" ? `Patroni: ${(patroni.reason as Error).message}` : "", etcd.status === "rejected" ? `etcd: ${(etcd.reason as Error).message}` : ""].filter(Boolean);
  const leaders: LiveView = { reachable: patroniLeader !== undefined || etcdLeader !== undefined, patroniLeader, etcdLeader, netem: {}, notes };
  return netemProbeFor.length ? withNetem(leaders, netemProbeFor) : leaders;
}

/** The live view with the netem probe's answers for these members added (leaders not read again). */
export async function withNetem(live: LiveView, members: Member[]): Promise<LiveView> {
  const netem: Record<string, boolean | undefined> = { ...live.netem };
  const notes = [...live.notes];
  await Promise.all(members.map(async (m) => {
    try {
      netem[m.name] = (await runControllerScript(m.transport.exec(NETEM_PROBE))) === "yes";
    } catch (e) {
      notes.push(`netem probe on ${m.name}: ${(e as Error).message.split("\n")[0]}`);
    }
  }));
  return { ...live, netem, notes };
}
