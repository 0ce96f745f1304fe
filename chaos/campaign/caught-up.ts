// Whether a /cluster sample shows every Patroni member caught up (cycle ends, and the healing after a fault).
import type { ClusterSample } from "../checkers/journal";

/** A replica is caught up when Patroni shows it streaming or running within this lag. */
const CAUGHT_UP_BYTES = 1024 * 1024;

/** Members of `names` absent from a /cluster sample, or neither leader nor running/streaming within the lag. */
export function laggingMembers(sample: ClusterSample, names: Set<string>): string[] {
  const bad: string[] = [];
  for (const name of names) {
    const m = sample.members.find((x) => x.name === name);
    if (!m) bad.push(`${name} absent`);
    else if (m.role !== "leader" && m.role !== "standby_leader" && (!["running", "streaming"].includes(m.state) || (m.lagBytes ?? 0) > CAUGHT_UP_BYTES)) bad.push(`${name} ${m.state}${m.lagBytes !== undefined ? ` lag ${m.lagBytes} B` : ""}`);
  }
  return bad;
}

