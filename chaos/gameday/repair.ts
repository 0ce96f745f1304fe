// Between two game-day runs: wait for a healthy cluster, then reinitialize what stays broken.
import type { ExperimentTarget } from "../experiments/target";
import { clusterHealth } from "./settings";

/**
 * Between two game-day runs the cluster must be healthy again, or every later run aborts on its steady
 * state. As an SRE would: wait; then reinitialize (Patroni POST /reinitialize) a replica that still does
 * not stream; and record what was done — a repair is evidence, never hidden.
 */

export interface Repair {
  /** The run that follows the repair. */
  before: string;
  at: string;
  action: string;
  /** What was wrong. */
  reason: string;
  ok: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitHealthy(target: ExperimentTarget, seconds: number): Promise<{ healthy: boolean; problems: string[]; leader?: string }> {
  const deadline = Date.now() + seconds * 1000;
  let last = await clusterHealth(target);
  while (!last.healthy && Date.now() < deadline) {
    await sleep(2000);
    last = await clusterHealth(target);
  }
  return last;
}

/** Names of replicas a health problem blames for not streaming ("pg2: not streaming from pg3 (…)"). */
export function notStreaming(problems: string[]): string[] {
  return [...new Set(problems.map((p) => /^([a-z][a-z0-9-]*): (not streaming|state )/.exec(p)?.[1]).filter((x): x is string => !!x))];
}

export async function restoreHealth(target: ExperimentTarget, before: string, log: (l: string) => void): Promise<Repair[]> {
  const first = await waitHealthy(target, 60);
  if (first.healthy) return [];
  const stuck = notStreaming(first.problems).filter((n) => n !== first.leader);
  const repairs: Repair[] = [];
  if (!first.leader || stuck.length === 0) {
    log(`game day: cluster not healthy before ${before} (${first.problems.join("; ")}); no replica to reinitialize`);
    return [{ before, at: new Date().toISOString(), action: "none possible", reason: first.problems.join("; "), ok: false }];
  }
  for (const name of stuck) {
    const rest = target.patroni.find((m) => m.name === name)?.rest;
    if (!rest) continue;
    log(`game day: ${name} is not streaming before ${before} (${first.problems.join("; ")}): POST /reinitialize`);
    const res = await fetch(`${rest}/reinitialize`, { method: "POST", body: JSON.stringify({ force: true }), headers: { "content-type": "application/json" }, signal: AbortSignal.timeout(10_000) }).catch((e: Error) => e);
    const status = res instanceof Error ? res.message : `HTTP ${res.status}`;
    repairs.push({ before, at: new Date().toISOString(), action: `POST ${rest}/reinitialize {"force": true} → ${status}`, reason: first.problems.join("; "), ok: false });
  }
  const after = await waitHealthy(target, 240);
  for (const r of repairs) r.ok = after.healthy;
  log(`game day: ${after.healthy ? "healthy again" : `still not healthy (${after.problems.join("; ")})`}`);
  return repairs;
}
