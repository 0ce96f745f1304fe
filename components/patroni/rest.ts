// Patroni's REST API as the program reads it: /cluster from the first member that answers, which roles lead, the leader.
import { getJson } from "../lab/http";

export interface PatroniMember {
  name: string;
  role: string; // "leader" | "replica" | "sync_standby" | "standby_leader" | ...
  state: string; // "running" | "streaming" | "starting" | ...
  host?: string;
  lag?: number | string;
  timeline?: number;
}

/** A member holding the leader key: "leader" (Patroni ≥ 3; "master"/"primary" before), or "standby_leader" of a standby cluster. */
export const isLeaderRole = (role: string) => role === "leader" || role === "master" || role === "primary" || role === "standby_leader";

/**
 * Patroni's /cluster members from the first member that answers — with `until`, the first whose answer
 * meets it. Throws the last error when no member answered (or none met `until`).
 */
export async function patroniCluster(restUrls: string[], opts: { timeoutMs?: number; until?: (members: PatroniMember[]) => boolean } = {}): Promise<PatroniMember[]> {
  let lastError = "no Patroni REST endpoint";
  for (const url of restUrls) {
    try {
      const members = (await getJson<{ members?: PatroniMember[] }>(`${url}/cluster`, {}, opts.timeoutMs ?? 2000)).members ?? [];
      if (!opts.until || opts.until(members)) return members;
      lastError = `${url}/cluster names no leader`;
    } catch (e) {
      lastError = (e as Error).message;
    }
  }
  throw new Error(lastError);
}

const leaderIn = (members: PatroniMember[]) => members.find((m) => isLeaderRole(m.role))?.name;

/**
 * The Patroni leader per /cluster. By default the first member that answers decides (undefined: it names
 * none); with `untilLeader`, members are asked in turn until one names a leader (a member cut off from the
 * others may answer without one).
 */
export async function patroniLeader(restUrls: string[], opts: { untilLeader?: boolean; timeoutMs?: number } = {}): Promise<string | undefined> {
  return leaderIn(await patroniCluster(restUrls, { timeoutMs: opts.timeoutMs, until: opts.untilLeader ? (ms) => leaderIn(ms) !== undefined : undefined }));
}
