"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.readApiFacts = readApiFacts;
exports.probeHost = probeHost;
exports.preflight = preflight;
// The I/O of preflight: one SSH probe per host and the cluster's APIs read from the controller.
const http_1 = require("../../components/lab/http");
const inventory_1 = require("./inventory");
const preflight_1 = require("./preflight");
/** The I/O of preflight: one SSH probe per host and the cluster's APIs read from the controller. */
const getJson = (url, init) => (0, http_1.getJson)(url, init, 3000);
async function readApiFacts(targets) {
    const facts = { patroni: {}, etcd: {} };
    const strip = (u) => u.replace(/\/+$/, "");
    await Promise.all(targets.hosts.map(async (h) => {
        try {
            if (h.runs === "patroni") {
                facts.patroni[h.name] = await getJson(`${strip(h.restUrl)}/patroni`);
                if (!facts.clusterMembers)
                    facts.clusterMembers = (await getJson(`${strip(h.restUrl)}/cluster`)).members.map((m) => m.name);
            }
            else if (h.runs === "etcd") {
                facts.etcd[h.name] = await getJson(`${strip(h.clientUrl)}/v3/maintenance/status`, { method: "POST", body: "{}" });
                if (!facts.etcdMembers)
                    facts.etcdMembers = (await getJson(`${strip(h.clientUrl)}/v3/cluster/member/list`, { method: "POST", body: "{}" })).members.map((m) => m.name);
            }
        }
        catch (e) {
            (h.runs === "patroni" ? facts.patroni : facts.etcd)[h.name] = { error: e.message };
        }
    }));
    return facts;
}
/**
 * Runs the probe with the clock handshake (see probeScript): t0 when the controller answers the host's
 * `ready`, t1 when the host's clock line arrives.
 */
function probeHost(script, timeoutMs = 30_000) {
    const { spawn } = require("child_process");
    return new Promise((resolve) => {
        const child = spawn("bash", ["--norc", "-c", `set -euo pipefail\n${(0, inventory_1.withSshKey)(script)}`], { stdio: ["pipe", "pipe", "pipe"] });
        let out = "";
        let err = "";
        let t0 = Date.now() / 1000;
        let t1 = 0;
        const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
        child.stdout.on("data", (d) => {
            out += d.toString();
            if (!t1 && out.startsWith("ready\n") && child.stdin.writable && !child.stdin.writableEnded) {
                t0 = Date.now() / 1000;
                child.stdin.end("\n");
            }
            if (!t1 && /\nclock=/.test(out))
                t1 = Date.now() / 1000;
        });
        child.stderr.on("data", (d) => (err += d.toString()));
        child.stdin.on("error", () => undefined);
        child.on("close", (code) => {
            clearTimeout(timer);
            const output = out.replace(/^ready\n/, "");
            if (code === 0)
                resolve({ t0, t1: t1 || Date.now() / 1000, output });
            else
                resolve({ t0, t1: t1 || Date.now() / 1000, error: (err.trim() || `exit ${code}`) });
        });
    });
}
/** Checks every inventory host for what the planned faults need. Touches nothing on the hosts. */
async function preflight(targets, plans, verify) {
    const needs = (0, preflight_1.needsFor)(plans, verify, targets.hosts.map((h) => h.name));
    const [api, probes] = await Promise.all([
        readApiFacts(targets),
        Promise.all(targets.hosts.map((h) => probeHost((0, inventory_1.hostTransport)(h).execAsUser((0, preflight_1.probeScript)(h, needs.get(h.name)?.has("delay") ?? false))))),
    ]);
    // No fault planned: the update can only recover, which nothing may block — every problem is a warning.
    const verdicts = targets.hosts.map((h, i) => {
        const n = needs.get(h.name) ?? new Set();
        return (0, preflight_1.judgeHost)(h, (0, inventory_1.hostTransport)(h).describe, probes[i], n, targets.scope, api, plans.length > 0 && [...n].some((x) => x !== "python3"));
    });
    if (!plans.length)
        for (const v of verdicts)
            [v.warnings, v.problems, v.ok] = [[...v.problems, ...v.warnings], [], true];
    return { ok: verdicts.every((v) => v.ok), text: (0, preflight_1.formatPreflight)(targets.scope, verdicts), verdicts };
}
