import type { FaultPlan } from "./faults/plan";
import { hostTransport, type Targets } from "./inventory";
import { runControllerScript } from "./live";
import { formatPreflight, judgeHost, needsFor, probeScript, type ApiFacts, type HostProbe, type HostVerdict } from "./preflight";

/** The I/O of preflight: one SSH probe per host and the cluster's APIs read from the controller. */

async function getJson(url: string, init?: RequestInit): Promise<any> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(3000) });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return res.json();
}

export async function readApiFacts(targets: Targets): Promise<ApiFacts> {
  const facts: ApiFacts = { patroni: {}, etcd: {} };
  const strip = (u: string) => u.replace(/\/+$/, "");
  await Promise.all(targets.hosts.map(async (h) => {
    try {
      if (h.runs === "patroni") {
        facts.patroni[h.name] = await getJson(`${strip(h.restUrl!)}/patroni`);
        if (!facts.clusterMembers) facts.clusterMembers = ((await getJson(`${strip(h.restUrl!)}/cluster`)).members as Array<{ name: string }>).map((m) => m.name);
      } else if (h.runs === "etcd") {
        facts.etcd[h.name] = await getJson(`${strip(h.clientUrl!)}/v3/maintenance/status`, { method: "POST", body: "{}" });
        if (!facts.etcdMembers) facts.etcdMembers = ((await getJson(`${strip(h.clientUrl!)}/v3/cluster/member/list`, { method: "POST", body: "{}" })).members as Array<{ name: string }>).map((m) => m.name);
      }
    } catch (e) {
      (h.runs === "patroni" ? facts.patroni : facts.etcd)[h.name] = { error: (e as Error).message };
    }
  }));
  return facts;
}

export async function probeHost(script: string): Promise<HostProbe> {
  const t0 = Date.now() / 1000;
  try {
    const output = await runControllerScript(script, 30_000);
    return { t0, t1: Date.now() / 1000, output };
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    return { t0, t1: Date.now() / 1000, error: (err.stderr || err.message).trim() };
  }
}

export interface PreflightResult {
  ok: boolean;
  text: string;
  verdicts: HostVerdict[];
}

/** Checks every inventory host for what the planned faults need. Touches nothing on the hosts. */
export async function preflight(targets: Targets, plans: FaultPlan[], verify: boolean): Promise<PreflightResult> {
  const needs = needsFor(plans, verify, targets.hosts.map((h) => h.name));
  const [api, probes] = await Promise.all([
    readApiFacts(targets),
    Promise.all(targets.hosts.map((h) => probeHost(hostTransport(h).execAsUser(probeScript(h, needs.get(h.name)?.has("delay") ?? false))))),
  ]);
  const verdicts = targets.hosts.map((h, i) => judgeHost(h, hostTransport(h).describe, probes[i], needs.get(h.name) ?? new Set(), targets.scope, api));
  return { ok: verdicts.every((v) => v.ok), text: formatPreflight(targets.scope, verdicts), verdicts };
}
