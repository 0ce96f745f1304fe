// A draft inventory (pgchaos:targets) from what a cluster says about itself over its APIs.
import { getJson as fetchJson } from "../../components/lab/http";
import { targetsSchema, type Targets } from "./inventory";

/**
 * A draft inventory (pgchaos:targets) from what the cluster says about itself: Patroni's `/cluster` and
 * `/patroni` from one member's REST address, and etcd's member list from one client URL. The user reviews
 * it (SSH user and addresses are guesses from the cluster's own view) before it is stored.
 */

export interface PatroniClusterDoc {
  members: Array<{ name: string; host?: string; port?: number; api_url?: string; role?: string }>;
}
export interface PatroniSelfDoc {
  patroni?: { scope?: string; version?: string };
}
export interface EtcdMemberList {
  members?: Array<{ name?: string; clientURLs?: string[]; peerURLs?: string[] }>;
}

export interface DiscoveryDefaults {
  user: string;
  sshPort: number;
  sudo: boolean;
  lifecycle: "systemd" | "supervised";
  /** The HAProxy or VIP addresses the workload uses, when known. */
  workload?: { readWrite: { host: string; port: number }; readOnly: { host: string; port: number } };
}

export interface Draft {
  /** The draft as the user will edit it (valid or not). */
  draft: Record<string, unknown>;
  /** The validated inventory, when the draft is already valid. */
  targets?: Targets;
  /** Why it is not valid yet (zod's messages, naming the keys). */
  problems: string[];
  /** What the user must check or add before using it. */
  notes: string[];
}

const IPV4 = /^(\d{1,3}\.){3}\d{1,3}$/;

const hostOf = (url: string) => new URL(url).hostname.replace(/^\[|\]$/g, "");
const baseOf = (url: string) => url.replace(/\/patroni\/?$/, "").replace(/\/+$/, "");
/** Member names must be valid selectors: lower-case, dashes for anything else. */
const safeName = (n: string) => n.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^[^a-z]+/, "").slice(0, 31) || "member";

/**
 * `resolved`: IPv4 addresses of the host names the cluster reports (the controller's DNS); a name left
 * unresolved gets no clusterAddress and the draft says so (peers are named by address in fault rules).
 */
export function draftInventory(cluster: PatroniClusterDoc, self: PatroniSelfDoc, etcd: EtcdMemberList | undefined, d: DiscoveryDefaults, resolved: Record<string, string> = {}): Draft {
  const notes: string[] = [];
  const scope = self.patroni?.scope;
  if (!scope) throw new Error("the Patroni REST API did not say its scope (GET /patroni → patroni.scope)");
  const hosts: Array<Record<string, unknown>> = [];
  const clusterAddress = (host: string): Record<string, string> => {
    if (IPV4.test(host)) return {};
    if (resolved[host]) return { clusterAddress: resolved[host] };
    notes.push(`${host} does not resolve to an IPv4 address here: set clusterAddress (the IP its peers use) by hand`);
    return {};
  };
  for (const m of cluster.members) {
    if (!m.api_url || !m.host) {
      notes.push(`Patroni member ${m.name}: no api_url/host in /cluster: add it by hand`);
      continue;
    }
    const name = safeName(m.name);
    if (name !== m.name) notes.push(`Patroni member ${m.name} is named ${name} here (names double as selectors)`);
    hosts.push({
      name, address: m.host, ...clusterAddress(m.host), sshPort: d.sshPort, user: d.user, sudo: d.sudo, runs: "patroni", lifecycle: d.lifecycle,
      restUrl: baseOf(m.api_url), postgresPort: m.port ?? 5432,
    });
  }
  if (!etcd?.members?.length) notes.push("no etcd member list (pass --etcd <client URL>): etcd hosts are missing, etcd faults cannot target them");
  for (const m of etcd?.members ?? []) {
    const client = m.clientURLs?.[0];
    if (!m.name || !client) {
      notes.push(`etcd member ${m.name || "(unnamed, not started?)"}: no name or client URL: add it by hand`);
      continue;
    }
    hosts.push({ name: safeName(m.name), address: hostOf(client), ...clusterAddress(hostOf(client)), sshPort: d.sshPort, user: d.user, sudo: d.sudo, runs: "etcd", lifecycle: d.lifecycle, clientUrl: client.replace(/\/+$/, "") });
  }
  if (!d.workload) notes.push("no workload addresses (pass --read-write/--read-only host:port of your HAProxy or VIP): faults work, `pgchaos run` needs them");
  notes.push(`SSH user ${d.user}, port ${d.sshPort}${d.sudo ? ", passwordless sudo" : ", as root"} assumed for every host: check, and pin host keys in knownHosts`);
  notes.push("HAProxy hosts are not discoverable from Patroni or etcd: add them (runs: haproxy) to fault them");
  const draft = { scope, knownHosts: [], hosts, ...(d.workload ? { workload: d.workload } : {}) };
  const parsed = targetsSchema.safeParse(draft);
  const problems = parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
  return { draft, targets: parsed.success ? parsed.data : undefined, problems, notes };
}

/** IPv4 addresses of the non-IP host names in Patroni's and etcd's answers, as the controller resolves them. */
async function resolveNames(cluster: PatroniClusterDoc, etcd: EtcdMemberList | undefined): Promise<Record<string, string>> {
  const { lookup } = await import("dns/promises");
  const names = [...cluster.members.map((m) => m.host), ...(etcd?.members ?? []).map((m) => (m.clientURLs?.[0] ? hostOf(m.clientURLs[0]) : undefined))]
    .filter((h): h is string => !!h && !IPV4.test(h));
  const out: Record<string, string> = {};
  await Promise.all([...new Set(names)].map(async (n) => {
    try {
      out[n] = (await lookup(n, { family: 4 })).address;
    } catch {
      // unresolvable here: the draft says so
    }
  }));
  return out;
}

const getJson = (url: string, init?: RequestInit): Promise<unknown> => fetchJson(url, init, 5000);

/** Reads one Patroni member's /cluster and /patroni, and (optional) one etcd member's member list. */
export async function discover(patroniUrl: string, etcdUrl: string | undefined, d: DiscoveryDefaults): Promise<Draft> {
  const base = patroniUrl.replace(/\/+$/, "");
  const [cluster, self] = await Promise.all([getJson(`${base}/cluster`), getJson(`${base}/patroni`)]);
  const etcd = etcdUrl ? await getJson(`${etcdUrl.replace(/\/+$/, "")}/v3/cluster/member/list`, { method: "POST", body: "{}" }) : undefined;
  const resolved = await resolveNames(cluster as PatroniClusterDoc, etcd as EtcdMemberList | undefined);
  return draftInventory(cluster as PatroniClusterDoc, self as PatroniSelfDoc, etcd as EtcdMemberList | undefined, d, resolved);
}
