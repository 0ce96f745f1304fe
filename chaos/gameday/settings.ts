// The settings in effect on the target, read from the running components, and the cluster's health.
import { execFile } from "child_process";
import { promisify } from "util";
import { judgeCluster, type ReplicationRow } from "../../components/lab/health";
import type { PatroniMember } from "../../components/patroni/rest";
import { queryPostgres } from "../../components/lab/postgres";
import { patroniCluster } from "../../components/patroni/rest";
import { readMonitoringSettings } from "../experiments/monitoring-settings";
import { getPatroniConfig } from "../experiments/primary-probes";
import type { ExperimentTarget } from "../experiments/target";
import type { PatroniSettings } from "./candidates";
import type { Settings } from "./results";

/**
 * The settings in effect on the target, read from the running components (never from our own config,
 * which a user's cluster need not share), and the cluster's health between game-day runs.
 */

/** Patroni's defaults for keys GET /config leaves out (Patroni 3 documentation, "Dynamic configuration settings"). */
const PATRONI_DEFAULTS: PatroniSettings = { ttl: 30, loop_wait: 10, retry_timeout: 10, maximum_lag_on_failover: 1048576, failsafe_mode: false, synchronous_mode: false, synchronous_mode_strict: false };

export function patroniSettingsFrom(config: Record<string, unknown>): PatroniSettings {
  const out = { ...PATRONI_DEFAULTS };
  for (const k of Object.keys(PATRONI_DEFAULTS) as (keyof PatroniSettings)[]) {
    const v = config[k];
    if (typeof v === typeof PATRONI_DEFAULTS[k]) (out as Record<string, unknown>)[k] = v;
  }
  return out;
}

/** HAProxy's check timing of the read-write backend, from its configuration text. */
export function haproxyChecksFrom(cfg: string): { interMs: number; fall: number; rise: number } | undefined {
  const section = /^listen primary\b[\s\S]*?(?=^\S|(?![\s\S]))/m.exec(cfg)?.[0] ?? cfg;
  const line = /^\s*default-server\b(.*)$/m.exec(section)?.[1];
  if (!line) return undefined;
  const num = (re: RegExp, dflt: number) => { const m = re.exec(line); return m ? Number(m[1]) * (m[2] === "s" ? 1000 : 1) : dflt; };
  // HAProxy's defaults: inter 2000 ms, fall 3, rise 2.
  return { interMs: num(/\binter\s+(\d+)(ms|s)?\b/, 2000), fall: num(/\bfall\s+(\d+)()/, 3), rise: num(/\brise\s+(\d+)()/, 2) };
}

const run = promisify(execFile);

export async function readSettings(target: ExperimentTarget): Promise<Settings> {
  const notes: string[] = [];
  const settings: Settings = { notes };
  for (const m of target.patroni) {
    try {
      settings.patroni = patroniSettingsFrom(await getPatroniConfig(m.rest) as Record<string, unknown>);
      break;
    } catch (e) {
      notes.push(`Patroni /config not read from ${m.name}: ${(e as Error).message}`);
    }
  }
  const proxy = target.members.find((m) => m.kind === "haproxy");
  if (proxy) {
    try {
      const { stdout } = await run("bash", ["--norc", "-c", proxy.transport.exec("cat /etc/haproxy/haproxy.cfg")], { timeout: 20_000 });
      settings.haproxy = haproxyChecksFrom(stdout);
      if (!settings.haproxy) notes.push("HAProxy: no default-server line in /etc/haproxy/haproxy.cfg");
    } catch (e) {
      notes.push(`HAProxy configuration not read from ${proxy.name}: ${(e as Error).message.split("\n")[0]}`);
    }
  } else notes.push("HAProxy: the target has no HAProxy member");
  if (target.monitoring) {
    try {
      settings.monitoring = await readMonitoringSettings(target.monitoring.prometheus, target.monitoring.alertmanager);
    } catch (e) {
      notes.push(`monitoring settings not read: ${(e as Error).message}`);
    }
  } else notes.push("monitoring: the target has no Prometheus/Alertmanager the runner reads");
  return settings;
}

/** One leader and every replica streaming from it, as Patroni and the leader's pg_stat_replication say. */
export async function clusterHealth(target: ExperimentTarget): Promise<{ healthy: boolean; problems: string[]; leader?: string }> {
  const members: PatroniMember[] | undefined = await patroniCluster(target.patroni.map((m) => m.rest), { timeoutMs: 3000 }).catch(() => undefined);
  if (!members) return { healthy: false, problems: ["no Patroni member answered /cluster"] };
  const leader = members.find((x) => x.role === "leader")?.name;
  const node = target.patroni.find((x) => x.name === leader);
  const replication = node
    ? await queryPostgres<ReplicationRow>({ host: node.host, port: node.port, ...target.credentials }, "select application_name, state from pg_stat_replication").catch(() => undefined)
    : undefined;
  const verdict = judgeCluster(target.patroni.map((x) => x.name), members, replication);
  return { healthy: verdict.healthy, problems: verdict.problems, leader: verdict.leader };
}
