// The method as the report's "steps" section shows it: what happens, and the tool that does it.
import type { MethodStep } from "../checkers/journal";
import type { Experiment, MethodStep as DeclaredStep } from "./definition";

/** The method as the report's "steps" section shows it: what happens, and the tool that does it. */
export function describeSteps(exp: Experiment, chaosStack: string): MethodStep[] {
  const describe = (s: DeclaredStep): MethodStep => {
    switch (s.action) {
      case "inject":
        return { description: `inject ${s.faults.map((f) => `${f.name}: ${JSON.stringify(f)}`).join("; ")}`, tool: `pulumi up -s ${chaosStack} (Automation API) with pgchaos:faults` };
      case "recover":
        return { description: `recover ${s.faults?.join(", ") ?? "every fault"}`, tool: `pulumi up -s ${chaosStack} with the faults removed (their recover commands run)` };
      case "wait":
        return { description: `wait ${s.seconds} s under load` };
      case "wait-new-leader":
        return { description: `wait (≤ ${s.timeoutSeconds} s) for Patroni to report a new leader`, tool: "Patroni REST /cluster, every 500 ms" };
      case "wait-healthy":
        return { description: `wait (≤ ${s.timeoutSeconds} s) for one leader and every replica streaming`, tool: "Patroni REST /cluster + pg_stat_replication" };
      case "generate-wal":
        return {
          description: `generate ≥ ${s.megabytes} MB of WAL on the primary (bounded bulk inserts into a scratch table, dropped afterwards), then pg_switch_wal()${s.checkpoint ? " and CHECKPOINT (recycles WAL no slot or wal_keep_size holds)" : ""}`,
          tool: "node-postgres to the current leader's own PostgreSQL port",
        };
      case "reinit-if-stuck":
        return {
          description: `any replica not streaming ${s.graceSeconds} s after healing whose WAL is gone on the primary (slot lost, or its position older than the oldest WAL file) is reinitialized; then wait (≤ ${s.timeoutSeconds} s) until it streams`,
          tool: "Patroni REST POST /reinitialize {\"force\": true} on that member; pg_stat_replication, pg_replication_slots, pg_ls_waldir() on the leader",
        };
    }
  };
  return [
    { description: `workload: ${exp.workload.writers} writers × ${exp.workload.writeRate}/s through HAProxy's read-write port, ${exp.workload.readers} readers × ${exp.workload.readRate}/s through the read-only port`, tool: "node-postgres (pg), unique id per write" },
    { description: `steady state ${exp.steadySeconds.before} s, then the hypothesis: ${exp.hypothesis.map((h) => h.check).join(", ")}` },
    ...exp.method.map(describe),
    { description: `steady state ${exp.steadySeconds.after} s, hypothesis again; then every acknowledged id is looked up on the primary directly` },
  ];
}
