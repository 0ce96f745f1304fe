// Samplers of the cluster's own view while a run goes: Patroni /cluster, etcd status, HAProxy stats.
import { fetchBounded } from "../../components/lab/http";
import type { ClusterSample, EtcdSample, HaproxySample, PatroniMemberSample } from "../checkers/journal";

/**
 * Samplers of the cluster's own view while an experiment runs: Patroni's /cluster from every member
 * (so a partitioned member's view is seen too), etcd's status per member, HAProxy's server states.
 * One tick every `intervalMs` (≤ 500 ms); each request is bounded so a dead member cannot slow the tick.
 */
export interface ObserverEndpoints {
  patroniRest: Record<string, string>;
  etcdClient: Record<string, string>;
  /** HAProxy stats base URL (serves `/stats;csv`). */
  haproxyStats?: string;
}

/** The answer's status and JSON body, within the budget (a body read can otherwise hang: components/lab/http.ts). */
const postOrGet = <T>(url: string, init: RequestInit, budgetMs: number) =>
  fetchBounded(url, init, budgetMs, async (res) => ({ ok: res.ok, body: (await res.json()) as T }));

async function samplePatroni(observer: string, url: string, budgetMs: number): Promise<ClusterSample> {
  const at = Date.now();
  try {
    const { ok, body } = await postOrGet<{ members?: Array<Record<string, unknown>> }>(`${url}/cluster`, {}, budgetMs);
    const members: PatroniMemberSample[] = (body.members ?? []).map((m) => ({
      name: String(m.name),
      role: String(m.role),
      state: String(m.state),
      timeline: typeof m.timeline === "number" ? m.timeline : undefined,
      lagBytes: typeof m.lag === "number" ? m.lag : undefined,
      tags: m.tags && typeof m.tags === "object" ? (m.tags as Record<string, unknown>) : undefined,
    }));
    return { at, observer, ok, members };
  } catch {
    return { at, observer, ok: false, members: [] };
  }
}

/** etcd member ids (hex in JSON as decimal strings) → names, learned once per run. */
async function etcdNames(urls: string[], budgetMs: number): Promise<Map<string, string>> {
  for (const url of urls) {
    try {
      const { body } = await postOrGet<{ members: Array<{ ID: string; name: string }> }>(`${url}/v3/cluster/member/list`, { method: "POST", body: "{}" }, budgetMs);
      return new Map(body.members.map((m) => [m.ID, m.name]));
    } catch {
      // try the next member
    }
  }
  return new Map();
}

async function sampleEtcd(member: string, url: string, names: Map<string, string>, budgetMs: number): Promise<EtcdSample> {
  const at = Date.now();
  try {
    const { ok, body } = await postOrGet<{ leader?: string; raftTerm?: string; header?: { raft_term?: string } }>(`${url}/v3/maintenance/status`, { method: "POST", body: "{}" }, budgetMs);
    const leaderId = body.leader && body.leader !== "0" ? body.leader : undefined;
    return { at, member, ok, leader: leaderId ? names.get(leaderId) ?? leaderId : undefined, raftTerm: Number(body.raftTerm ?? body.header?.raft_term ?? NaN) || undefined };
  } catch {
    return { at, member, ok: false };
  }
}

/** HAProxy's CSV stats: pxname,svname,...,status (column 18). */
export function parseHaproxyCsv(csv: string): Record<string, string> {
  const lines = csv.split("\n").filter((l) => l && !l.startsWith("#"));
  const out: Record<string, string> = {};
  for (const l of lines) {
    const cols = l.split(",");
    if (cols[1] === "FRONTEND" || cols[1] === "BACKEND" || cols[0] === "stats") continue;
    out[`${cols[0]}/${cols[1]}`] = cols[17];
  }
  return out;
}

async function sampleHaproxy(url: string, budgetMs: number): Promise<HaproxySample> {
  const at = Date.now();
  try {
    return { at, servers: parseHaproxyCsv(await fetchBounded(`${url}/stats;csv`, {}, budgetMs, (res) => res.text())) };
  } catch {
    return { at, servers: {} };
  }
}

export class Observers {
  readonly cluster: ClusterSample[] = [];
  readonly etcd: EtcdSample[] = [];
  readonly haproxy: HaproxySample[] = [];
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private names = new Map<string, string>();

  constructor(private readonly endpoints: ObserverEndpoints, private readonly intervalMs = 500) {}

  async start(): Promise<void> {
    this.names = await etcdNames(Object.values(this.endpoints.etcdClient), 1000);
    await this.tick();
    this.timer = setInterval(() => {
      if (!this.inFlight) this.inFlight = this.tick().finally(() => (this.inFlight = undefined));
    }, this.intervalMs);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.inFlight;
  }

  /** The latest leader any member reported (undefined: none). */
  currentLeader(): string | undefined {
    for (let i = this.cluster.length - 1; i >= 0; i--) {
      const leader = this.cluster[i].members.find((m) => m.role === "leader");
      if (this.cluster[i].ok) return leader?.name;
    }
    return undefined;
  }

  private async tick(): Promise<void> {
    const budget = Math.max(200, this.intervalMs - 100);
    const { patroniRest, etcdClient, haproxyStats } = this.endpoints;
    const [patroni, etcd, haproxy] = await Promise.all([
      Promise.all(Object.entries(patroniRest).map(([n, u]) => samplePatroni(n, u, budget))),
      Promise.all(Object.entries(etcdClient).map(([n, u]) => sampleEtcd(n, u, this.names, budget))),
      haproxyStats ? sampleHaproxy(haproxyStats, budget) : Promise.resolve(undefined),
    ]);
    this.cluster.push(...patroni);
    this.etcd.push(...etcd);
    if (haproxy) this.haproxy.push(haproxy);
  }
}
