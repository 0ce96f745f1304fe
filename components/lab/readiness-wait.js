"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.readinessArgsSchema = exports.readinessResultSchema = void 0;
exports.waitForLab = waitForLab;
// Waits until the cluster is what `pulumi up` promises: one leader, replicas streaming, writes and reads through HAProxy.
// No Pulumi SDK here: the readiness command (readiness-run.ts) loads only this (@pulumi/pulumi and
// @pulumi/command cost that process 1.5 s of CPU per lab `up`, measured with bench/trees.ts).
const zod_1 = require("zod");
const health_1 = require("./health");
const rest_1 = require("../patroni/rest");
/**
 * Waits until the cluster is what a user expects of `pulumi up`: one leader, every replica streaming,
 * a write through the read-write port landing on the leader, and a read through the read-only port.
 * On timeout it throws a message naming each member that is not ready, with its last log lines.
 */
async function waitForLab(args) {
    // Required here, not imported: the Pulumi program loads this module and never needs pg itself.
    const { queryPostgres } = require("./postgres");
    const { execFileSync } = require("child_process");
    const started = Date.now();
    const deadline = started + args.timeoutSeconds * 1000;
    const names = Object.keys(args.patroniRest);
    let lastProblems = ["nothing checked yet"];
    let suspects = names;
    const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
    const query = (port, sql, params = []) => queryPostgres({ host: "127.0.0.1", port, password: args.password }, sql, params, 5000);
    while (Date.now() < deadline) {
        try {
            // A member whose REST API is not up yet is skipped; none answering reads as no members.
            const members = await (0, rest_1.patroniCluster)(Object.values(args.patroniRest)).catch(() => []);
            const leaderName = members.find((m) => (0, rest_1.isLeaderRole)(m.role))?.name;
            let replication;
            if (leaderName) {
                replication = (await query(args.readWritePort, "select application_name, state from pg_stat_replication").catch(() => undefined));
            }
            const verdict = (0, health_1.judgeCluster)(names, members, replication);
            lastProblems = verdict.problems;
            suspects = verdict.suspects;
            if (verdict.healthy && verdict.leader) {
                await query(args.readWritePort, "create table if not exists pgchaos_ready (token text primary key, at timestamptz default now())");
                const token = `ready-${Date.now()}-${Math.random().toString(36).slice(2)}`;
                const rw = await query(args.readWritePort, "with t as (insert into pgchaos_ready(token) values ($1) returning token) " +
                    "select host(inet_server_addr()) as addr, pg_is_in_recovery() as ro from t", [token]).catch((e) => {
                    throw new Error(`write through read-write port ${args.readWritePort} failed: ${e.message}`);
                });
                if (rw[0]?.ro)
                    throw new Error("read-write port reached a node in recovery");
                // The replica may lag a moment behind the write: retry the read briefly.
                let seen = false;
                for (let i = 0; i < 20 && !seen; i++) {
                    const ro = await query(args.readOnlyPort, "select pg_is_in_recovery() as ro, count(*)::int as n from pgchaos_ready where token = $1", [token]).catch(() => []);
                    seen = ro[0]?.ro === true && ro[0]?.n === 1;
                    if (!seen)
                        await sleep(250);
                }
                if (!seen)
                    throw new Error(`read through read-only port ${args.readOnlyPort} did not return the row written on the leader`);
                return {
                    leader: verdict.leader,
                    leaderAddress: rw[0].addr,
                    replicas: names.filter((n) => n !== verdict.leader),
                    secondsToHealthy: Math.round((Date.now() - started) / 100) / 10,
                };
            }
        }
        catch (e) {
            lastProblems = [e.message];
        }
        await sleep(1000);
    }
    const logs = suspects
        .filter((s) => args.containers[s])
        .map((s) => {
        let tail;
        try {
            tail = execFileSync("docker", ["logs", "--tail", "15", args.containers[s]], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
        }
        catch (e) {
            tail = String(e.stderr ?? e);
        }
        return `--- last log lines of ${s} (${args.containers[s]}) ---\n${tail.trim()}`;
    });
    throw new Error(`lab not healthy after ${args.timeoutSeconds}s:\n  ${lastProblems.join("\n  ")}\n${logs.join("\n")}`);
}
/** What the readiness command prints on stdout (JSON) and the lab reads back. */
exports.readinessResultSchema = zod_1.z.object({
    leader: zod_1.z.string().min(1),
    leaderAddress: zod_1.z.string(),
    replicas: zod_1.z.array(zod_1.z.string()),
    secondsToHealthy: zod_1.z.number(),
});
/** The readiness command's arguments as it reads them from its environment (the password apart). */
exports.readinessArgsSchema = zod_1.z.object({
    patroniRest: zod_1.z.record(zod_1.z.string(), zod_1.z.string().url()),
    containers: zod_1.z.record(zod_1.z.string(), zod_1.z.string()),
    readWritePort: zod_1.z.number().int().min(1).max(65535),
    readOnlyPort: zod_1.z.number().int().min(1).max(65535),
    timeoutSeconds: zod_1.z.number().positive(),
});
