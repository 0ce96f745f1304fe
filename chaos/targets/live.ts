// The live cluster as the controller reads it: leaders, netem support, controller-side scripts.
import { execFile } from "child_process";
import { getJson } from "../../components/lab/http";
import { patroniLeader } from "../../components/patroni/rest";
import { promisify } from "util";
import type { ApiEndpoints, LiveView, Member } from "./world";

export type { ApiEndpoints } from "./world";
import { NETEM_PROBE } from "../faults/member-scripts";
import { withSshKey } from "./inventory";
import { shellWord } from "../../components/docker/commands";

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

/** A controller-side script as bash runs it: strict mode, and the SSH key written from the environment. */
const strictWithKey = (script: string) => `set -euo pipefail\n${withSshKey(script)}`;

/**
 * Runs a controller-side script (a transport's wrapper) and returns its stdout. SSH members read the key
 * from the environment (PGCHAOS_SSH_KEY, set by the chaos program from the secret config value).
 */
export async function runControllerScript(script: string, timeoutMs = 15_000): Promise<string> {
  // maxBuffer: log fetches return megabytes (Node's default of 1 MiB would fail them).
  // --norc: Node's piped stdin is a socket, and bash then runs ~/.bashrc when SHLVL is 0 (under npx, cron, CI):
  // a user's startup file must not slow (here: a 60 s pyenv lock wait) or print into a controller script.
  const { stdout } = await run("bash", ["--norc", "-c", strictWithKey(script)], { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
  return stdout.trim();
}

export type ScriptResult = { ok: true; stdout: string } | { ok: false; error: string };

/** One bash that starts every script in the background (each as runControllerScript would), then prints rc, stdout, stderr. */
export function parallelScriptsScript(scripts: string[], timeoutMs: number): string {
  const seconds = Math.max(1, Math.ceil(timeoutMs / 1000));
  return [
    `d=$(mktemp -d); trap 'rm -rf "$d"' EXIT`,
    `part() { timeout -s KILL ${seconds} bash --norc -c "$1" >"$d/$2.out" 2>"$d/$2.err" </dev/null; echo $? >"$d/$2.rc"; }`,
    ...scripts.map((script, i) => `part ${shellWord(strictWithKey(script))} ${i} &`),
    "wait",
    `for i in $(seq 0 ${scripts.length - 1}); do cat "$d/$i.rc"; base64 -w0 <"$d/$i.out"; echo; base64 -w0 <"$d/$i.err"; echo; done`,
  ].join("\n");
}

/** Per script, in order: its stdout, or why it failed (exit code and last stderr line; killed when over its time). */
export function parseParallelScripts(stdout: string, count: number, timeoutMs: number): ScriptResult[] {
  const lines = stdout.split("\n");
  return Array.from({ length: count }, (_, i): ScriptResult => {
    const [rc, out, err] = [lines[3 * i]?.trim(), lines[3 * i + 1] ?? "", lines[3 * i + 2] ?? ""];
    const text = (b64: string) => Buffer.from(b64, "base64").toString("utf8").trim();
    if (rc === "0") return { ok: true, stdout: text(out) };
    const why = rc === "137" ? `no answer within ${timeoutMs / 1000} s (killed by SIGKILL)` : `exit ${rc ?? "unknown"}: ${text(err).split("\n").pop() || text(out).split("\n").pop() || "no output"}`;
    return { ok: false, error: why };
  });
}

/**
 * Several controller-side scripts at once, from one process start: each start costs this process ≈ 35 ms of
 * CPU (a fork of a Node.js with the SDK loaded; measured 250 ms for a lab's 7 scans in a chaos `up`).
 */
export async function runControllerScripts(scripts: string[], timeoutMs = 15_000): Promise<ScriptResult[]> {
  if (!scripts.length) return [];
  try {
    const { stdout } = await run("bash", ["--norc", "-c", parallelScriptsScript(scripts, timeoutMs)], { timeout: timeoutMs + 10_000, maxBuffer: 64 * 1024 * 1024 });
    return parseParallelScripts(stdout, scripts.length, timeoutMs);
  } catch (e) {
    // The runner itself failed: no script's answer is known, and none counts as one.
    const why = `controller could not run the scripts: ${String((e as { stderr?: string }).stderr || (e as Error).message).trim().split("\n").pop()}`;
    return scripts.map(() => ({ ok: false, error: why }));
  }
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
