// Pure verdicts on what Patroni and PostgreSQL report (readiness, hypotheses, tests).
import { isLeaderRole, type PatroniMember } from "../patroni/rest";

/**
 * Pure verdicts on what Patroni and PostgreSQL report, shared by the lab's readiness wait, the
 * experiment hypotheses and the tests. No I/O here.
 */

export interface ReplicationRow {
  application_name: string;
  state: string;
}

export interface ClusterVerdict {
  healthy: boolean;
  leader?: string;
  /** One line per problem, naming the member. */
  problems: string[];
  /** Members that are the subject of a problem (to show their logs). */
  suspects: string[];
}

export function judgeCluster(expected: string[], members: PatroniMember[], replication: ReplicationRow[] | undefined): ClusterVerdict {
  const problems: string[] = [];
  const suspects = new Set<string>();
  const leaders = members.filter((m) => isLeaderRole(m.role));
  if (leaders.length === 0) problems.push("no leader in Patroni's /cluster");
  if (leaders.length > 1) {
    problems.push(`more than one leader: ${leaders.map((l) => l.name).join(", ")}`);
    leaders.forEach((l) => suspects.add(l.name));
  }
  for (const name of expected) {
    const m = members.find((x) => x.name === name);
    if (!m) {
      problems.push(`${name}: not a member of the cluster yet`);
      suspects.add(name);
    } else if (m.state !== "running" && m.state !== "streaming") {
      problems.push(`${name}: state ${m.state}`);
      suspects.add(name);
    }
  }
  const leader = leaders.length === 1 ? leaders[0].name : undefined;
  if (leader && replication) {
    for (const name of expected.filter((n) => n !== leader)) {
      const row = replication.find((r) => r.application_name === name);
      if (!row || row.state !== "streaming") {
        problems.push(`${name}: not streaming from ${leader} (${row ? `state ${row.state}` : "no walsender"})`);
        suspects.add(name);
      }
    }
  } else if (leader) {
    problems.push("replication state not read from the leader yet");
  }
  return { healthy: problems.length === 0, leader, problems, suspects: [...suspects] };
}
