// The steady-state hypothesis and the cluster verdict behind it, with the leader lookup and the direct query the runner uses.
import { judgeCluster, type ReplicationRow } from "../../components/lab/health";
import { queryPostgres } from "../../components/lab/postgres";
import { patroniLeader } from "../../components/patroni/rest";
import type { CheckResult } from "../checkers/journal";
import type { HypothesisCheck } from "./definition";
import { Observers } from "./observers";
import type { ExperimentTarget } from "./target";
import { Workload } from "./workload";

export function logChecks(log: (l: string) => void, id: string, when: string, checks: CheckResult[]): void {
  for (const c of checks) log(`[${id}]   hypothesis ${when}: ${c.ok ? "holds" : "VIOLATED"} — ${c.name}: ${c.detail}`);
}

export async function currentLeaderName(target: ExperimentTarget): Promise<string> {
  const leader = await patroniLeader(target.patroni.map((m) => m.rest), { untilLeader: true }).catch(() => undefined);
  if (!leader) throw new Error(`no Patroni leader on ${target.describe}: the cluster is not healthy`);
  return leader;
}

/** A query straight to one node (not through HAProxy). */
export async function directQuery(target: ExperimentTarget, member: string, sql: string, params: unknown[] = []): Promise<any[]> {
  const m = target.patroni.find((x) => x.name === member)!;
  return queryPostgres({ host: m.host, port: m.port, ...target.credentials }, sql, params, 30_000);
}

export async function clusterVerdict(target: ExperimentTarget, observers: Observers) {
  const names = target.patroni.map((m) => m.name);
  const latest = [...observers.cluster].reverse().find((s) => s.ok);
  const leader = latest?.members.find((m) => m.role === "leader")?.name;
  const replication = leader ? ((await directQuery(target, leader, "select application_name, state from pg_stat_replication").catch(() => undefined)) as ReplicationRow[] | undefined) : undefined;
  return judgeCluster(names, latest?.members ?? [], replication);
}

export async function checkHypothesis(checks: HypothesisCheck[], target: ExperimentTarget, w: Workload, o: Observers): Promise<CheckResult[]> {
  const verdict = await clusterVerdict(target, o);
  return checks.map((c): CheckResult => {
    switch (c.check) {
      case "one-leader":
        return { name: "one leader", ok: !!verdict.leader && !verdict.problems.some((p) => p.includes("leader")), detail: verdict.leader ? `leader ${verdict.leader}` : verdict.problems.join("; ") };
      case "replicas-streaming": {
        const streaming = verdict.problems.filter((p) => p.includes("streaming") || p.includes("state"));
        return { name: "every replica streaming", ok: !!verdict.leader && streaming.length === 0, detail: streaming.length ? streaming.join("; ") : "all replicas streaming from the leader" };
      }
      case "error-rate-below": {
        const since = Date.now() - c.seconds * 1000;
        const ops = [...w.writes.filter((x) => x.sentAt >= since).map((x) => !x.error), ...w.reads.filter((x) => x.sentAt >= since).map((x) => x.ok)];
        const errors = ops.filter((ok) => !ok).length;
        const rate = ops.length ? (100 * errors) / ops.length : 100;
        return { name: `error rate < ${c.percent}% over ${c.seconds}s`, ok: ops.length > 0 && rate < c.percent, detail: `${errors} errors in ${ops.length} ops (${rate.toFixed(2)}%)` };
      }
    }
  });
}
