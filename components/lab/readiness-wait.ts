// Waits until the cluster is what `pulumi up` promises: one leader, replicas streaming, writes and reads through HAProxy.
// No Pulumi SDK here: the readiness command (readiness-run.ts) loads only this (@pulumi/pulumi and
// @pulumi/command cost that process 1.5 s of CPU per lab `up`, measured with bench/trees.ts).
import { z } from "zod";
import { judgeCluster, type ReplicationRow } from "./health";
import { isLeaderRole, patroniCluster, type PatroniMember } from "../patroni/rest";

export interface ReadinessArgs {
  /** Patroni member name → its REST base URL published on 127.0.0.1. */
  patroniRest: Record<string, string>;
  /** Patroni member name → its container (for log lines when it is not ready). */
  containers: Record<string, string>;
  readWritePort: number;
  readOnlyPort: number;
  password: string;
  timeoutSeconds: number;
}

export interface ReadinessResult {
  leader: string;
  leaderAddress: string;
  replicas: string[];
  secondsToHealthy: number;
}

/**
 * Waits until the cluster is what a user expects of `pulumi up`: one leader, every replica streaming,
 * a write through the read-write port landing on the leader, and a read through the read-only port.
 * On timeout it throws a message naming each member that is not ready, with its last log lines.
 */
export async function waitForLab(args: ReadinessArgs): Promise<ReadinessResult> {
  // Required here, not imported: the Pulumi program loads this module and never needs pg itself.
  const { queryPostgres } = require("./postgres") as typeof import("./postgres");
  const { execFileSync } = require("child_process") as typeof import("child_process");
  const started = Date.now();
  const deadline = started + args.timeoutSeconds * 1000;
  const names = Object.keys(args.patroniRest);
  let lastProblems: string[] = ["nothing checked yet"];
  let suspects: string[] = names;
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  const query = (port: number, sql: string, params: unknown[] = []) =>
    queryPostgres({ host: "127.0.0.1", port, password: args.password }, sql, params, 5000);

  while (Date.now() < deadline) {
    try {
      // A member whose REST API is not up yet is skipped; none answering reads as no members.
      const members: PatroniMember[] = await patroniCluster(Object.values(args.patroniRest)).catch(() => []);
      const leaderName = members.find((m) => isLeaderRole(m.role))?.name;
      let replication: ReplicationRow[] | undefined;
      if (leaderName) {
        replication = (await query(args.readWritePort, "select application_name, state from pg_stat_replication").catch(() => undefined)) as ReplicationRow[] | undefined;
      }
      const verdict = judgeCluster(names, members, replication);
      lastProblems = verdict.problems;
      suspects = verdict.suspects;
      if (verdict.healthy && verdict.leader) {
        await query(args.readWritePort, "create table if not exists pgchaos_ready (token text primary key, at timestamptz default now())");
        const token = `ready-${Date.now()}-${Math.random().toString(36).slice(2)}`;
        const rw = await query(
          args.readWritePort,
          "with t as (insert into pgchaos_ready(token) values ($1) returning token) " +
            "select host(inet_server_addr()) as addr, pg_is_in_recovery() as ro from t",
          [token],
        ).catch((e: Error) => {
          throw new Error(`write through read-write port ${args.readWritePort} failed: ${e.message}`);
        });
        if (rw[0]?.ro) throw new Error("read-write port reached a node in recovery");
        // The replica may lag a moment behind the write: retry the read briefly.
        let seen = false;
        for (let i = 0; i < 20 && !seen; i++) {
          const ro = await query(args.readOnlyPort, "select pg_is_in_recovery() as ro, count(*)::int as n from pgchaos_ready where token = $1", [token]).catch(() => []);
          seen = ro[0]?.ro === true && ro[0]?.n === 1;
          if (!seen) await sleep(250);
        }
        if (!seen) throw new Error(`read through read-only port ${args.readOnlyPort} did not return the row written on the leader`);
        return {
          leader: verdict.leader,
          leaderAddress: rw[0].addr,
          replicas: names.filter((n) => n !== verdict.leader),
          secondsToHealthy: Math.round((Date.now() - started) / 100) / 10,
        };
      }
    } catch (e) {
      lastProblems = [(e as Error).message];
    }
    await sleep(1000);
  }
  const logs = suspects
    .filter((s) => args.containers[s])
    .map((s) => {
      let tail: string;
      try {
        tail = execFileSync("docker", ["logs", "--tail", "15", args.containers[s]], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
      } catch (e) {
        tail = String((e as { stderr?: string }).stderr ?? e);
      }
      return `--- last log lines of ${s} (${args.containers[s]}) ---\n${tail.trim()}`;
    });
  throw new Error(
    `lab not healthy after ${args.timeoutSeconds}s:\n  ${lastProblems.join("\n  ")}\n${logs.join("\n")}`,
  );
}

/** What the readiness command prints on stdout (JSON) and the lab reads back. */
export const readinessResultSchema = z.object({
  leader: z.string().min(1),
  leaderAddress: z.string(),
  replicas: z.array(z.string()),
  secondsToHealthy: z.number(),
});

/** The readiness command's arguments as it reads them from its environment (the password apart). */
export const readinessArgsSchema = z.object({
  patroniRest: z.record(z.string(), z.string().url()),
  containers: z.record(z.string(), z.string()),
  readWritePort: z.number().int().min(1).max(65535),
  readOnlyPort: z.number().int().min(1).max(65535),
  timeoutSeconds: z.number().positive(),
});
