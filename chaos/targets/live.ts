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
  const { stdout } = await run("bash", ["-c", `set -euo pipefail\n${withSshKey(script)}`], { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
  return stdout.trim();
}

/** Reads leaders and, for the members that need it, whether their kernel has netem. */
export async function observe(endpoints: ApiEndpoints, netemProbeFor: Member[]): Promise<LiveView> {
  const notes: string[] = [];
  const patroniLeader = await readPatroniLeader(endpoints).catch((e: Error) => void notes.push(`Patroni: ${e.message}`));
  const etcdLeader = await readEtcdLeader(endpoints).catch((e: Error) => void notes.push(`etcd: ${e.message}`));
  const netem: Record<string, boolean | undefined> = {};
  await Promise.all(netemProbeFor.map(async (m) => {
    try {
      netem[m.name] = (await runControllerScript(m.transport.exec(NETEM_PROBE))) === "yes";
    } catch (e) {
      notes.push(`netem probe on ${m.name}: ${(e as Error).message.split("\n")[0]}`);
    }
  }));
  return { reachable: patroniLeader !== undefined || etcdLeader !== undefined, patroniLeader: patroniLeader ?? undefined, etcdLeader: etcdLeader ?? undefined, netem, notes };
}
