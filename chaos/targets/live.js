"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.readPatroniLeader = readPatroniLeader;
exports.readEtcdLeader = readEtcdLeader;
exports.runControllerScript = runControllerScript;
exports.parallelScriptsScript = parallelScriptsScript;
exports.parseParallelScripts = parseParallelScripts;
exports.runControllerScripts = runControllerScripts;
exports.observe = observe;
exports.withNetem = withNetem;
// The live cluster as the controller reads it: leaders, netem support, controller-side scripts.
const child_process_1 = require("child_process");
const http_1 = require("../../components/lab/http");
const rest_1 = require("../../components/patroni/rest");
const util_1 = require("util");
const member_scripts_1 = require("../faults/member-scripts");
const inventory_1 = require("./inventory");
const commands_1 = require("../../components/docker/commands");
const run = (0, util_1.promisify)(child_process_1.execFile);
/** The Patroni leader, as the first member that answers reports it. */
async function readPatroniLeader(endpoints) {
    return (0, rest_1.patroniLeader)(Object.values(endpoints.patroniRest));
}
/** The etcd leader's member name, through etcd's v3 JSON gateway. */
async function readEtcdLeader(endpoints) {
    let lastError = "no etcd endpoint";
    for (const url of Object.values(endpoints.etcdClient)) {
        try {
            const status = await (0, http_1.getJson)(`${url}/v3/maintenance/status`, { method: "POST", body: "{}" });
            const list = await (0, http_1.getJson)(`${url}/v3/cluster/member/list`, { method: "POST", body: "{}" });
            const leader = list.members.find((m) => m.ID === status.leader);
            return leader?.name;
        }
        catch (e) {
            lastError = e.message;
        }
    }
    throw new Error(lastError);
}
/**
 * Runs a controller-side script (a transport's wrapper) and returns its stdout. SSH members read the key
 * from the environment (PGCHAOS_SSH_KEY, set by the chaos program from the secret config value).
 */
async function runControllerScript(script, timeoutMs = 15_000) {
    // maxBuffer: log fetches return megabytes (Node's default of 1 MiB would fail them).
    // --norc: Node's piped stdin is a socket, and bash then runs ~/.bashrc when SHLVL is 0 (under npx, cron, CI):
    // a user's startup file must not slow (here: a 60 s pyenv lock wait) or print into a controller script.
    const { stdout } = await run("bash", ["--norc", "-c", `set -euo pipefail\n${(0, inventory_1.withSshKey)(script)}`], { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
    return stdout.trim();
}
/** One bash that starts every script in the background (each as runControllerScript would), then prints rc, stdout, stderr. */
function parallelScriptsScript(scripts, timeoutMs) {
    const seconds = Math.max(1, Math.ceil(timeoutMs / 1000));
    return [
        `d=$(mktemp -d); trap 'rm -rf "$d"' EXIT`,
        `part() { timeout -s KILL ${seconds} bash --norc -c "$1" >"$d/$2.out" 2>"$d/$2.err" </dev/null; echo $? >"$d/$2.rc"; }`,
        ...scripts.map((script, i) => `part ${(0, commands_1.shellWord)(`set -euo pipefail\n${(0, inventory_1.withSshKey)(script)}`)} ${i} &`),
        "wait",
        `for i in $(seq 0 ${scripts.length - 1}); do cat "$d/$i.rc"; base64 -w0 <"$d/$i.out"; echo; base64 -w0 <"$d/$i.err"; echo; done`,
    ].join("\n");
}
/** Per script, in order: its stdout, or why it failed (exit code and last stderr line; killed when over its time). */
function parseParallelScripts(stdout, count, timeoutMs) {
    const lines = stdout.split("\n");
    return Array.from({ length: count }, (_, i) => {
        const [rc, out, err] = [lines[3 * i]?.trim(), lines[3 * i + 1] ?? "", lines[3 * i + 2] ?? ""];
        const text = (b64) => Buffer.from(b64, "base64").toString("utf8").trim();
        if (rc === "0")
            return { ok: true, stdout: text(out) };
        const why = rc === "137" ? `no answer within ${timeoutMs / 1000} s (killed by SIGKILL)` : `exit ${rc ?? "unknown"}: ${text(err).split("\n").pop() || text(out).split("\n").pop() || "no output"}`;
        return { ok: false, error: why };
    });
}
/**
 * Several controller-side scripts at once, from one process start: each start costs this process ≈ 35 ms of
 * CPU (a fork of a Node.js with the SDK loaded; measured 250 ms for a lab's 7 scans in a chaos `up`).
 */
async function runControllerScripts(scripts, timeoutMs = 15_000) {
    if (!scripts.length)
        return [];
    try {
        const { stdout } = await run("bash", ["--norc", "-c", parallelScriptsScript(scripts, timeoutMs)], { timeout: timeoutMs + 10_000, maxBuffer: 64 * 1024 * 1024 });
        return parseParallelScripts(stdout, scripts.length, timeoutMs);
    }
    catch (e) {
        // The runner itself failed: no script's answer is known, and none counts as one.
        const why = `controller could not run the scripts: ${String(e.stderr || e.message).trim().split("\n").pop()}`;
        return scripts.map(() => ({ ok: false, error: why }));
    }
}
/** Reads leaders (Patroni's and etcd's at once) and, for the members that need it, whether their kernel has netem. */
async function observe(endpoints, netemProbeFor) {
    const [patroni, etcd] = await Promise.allSettled([readPatroniLeader(endpoints), readEtcdLeader(endpoints)]);
    const patroniLeader = patroni.status === "fulfilled" ? patroni.value : undefined;
    const etcdLeader = etcd.status === "fulfilled" ? etcd.value : undefined;
    const notes = [patroni.status === "rejected" ? `Patroni: ${patroni.reason.message}` : "", etcd.status === "rejected" ? `etcd: ${etcd.reason.message}` : ""].filter(Boolean);
    const leaders = { reachable: patroniLeader !== undefined || etcdLeader !== undefined, patroniLeader, etcdLeader, netem: {}, notes };
    return netemProbeFor.length ? withNetem(leaders, netemProbeFor) : leaders;
}
/** The live view with the netem probe's answers for these members added (leaders not read again). */
async function withNetem(live, members) {
    const netem = { ...live.netem };
    const notes = [...live.notes];
    await Promise.all(members.map(async (m) => {
        try {
            netem[m.name] = (await runControllerScript(m.transport.exec(member_scripts_1.NETEM_PROBE))) === "yes";
        }
        catch (e) {
            notes.push(`netem probe on ${m.name}: ${e.message.split("\n")[0]}`);
        }
    }));
    return { ...live, netem, notes };
}
