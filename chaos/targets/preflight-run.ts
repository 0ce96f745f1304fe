// The I/O of preflight: one SSH probe per host and the cluster's APIs read from the controller.
import { getJson as fetchJson } from "../../components/lab/http";
import type { FaultPlan } from "../faults/plan";
import { hostTransport, withSshKey, type Targets } from "./inventory";
import { formatPreflight, judgeHost, needsFor, probeScript, type ApiFacts, type HostProbe, type HostVerdict } from "./preflight";

/** The I/O of preflight: one SSH probe per host and the cluster's APIs read from the controller. */

const getJson = (url: string, init?: RequestInit): Promise<any> => fetchJson(url, init, 3000);

export async function readApiFacts(targets: Targets): Promise<ApiFacts> {
  const facts: ApiFacts = { patroni: {}, etcd: {} };
  const strip = (u: string) => u.replace(/\/+$/, "");
  await Promise.all(targets.hosts.map(async (h) => {
    try {
      if (h.runs === "patroni") {
        facts.patroni[h.name] = await getJson(`${strip(h.restUrl!)}/patroni`);
        if (!facts.clusterMembers) facts.clusterMembers = ((await getJson(`${strip(h.restUrl!)}/cluster`)).members as Array<{ name: string }>).map((m) => m.name);
      } else if (h.runs === "etcd") {
        facts.etcd[h.name] = await getJson(`${strip(h.clientUrl!)}/v3/maintenance/status`, { method: "POST", body: "{}" });
        if (!facts.etcdMembers) facts.etcdMembers = ((await getJson(`${strip(h.clientUrl!)}/v3/cluster/member/list`, { method: "POST", body: "{}" })).members as Array<{ name: string }>).map((m) => m.name);
      }
    } catch (e) {
      (h.runs === "patroni" ? facts.patroni : facts.etcd)[h.name] = { error: (e as Error).message };
    }
  }));
  return facts;
}

/**
 * Runs the probe with the clock handshake (see probeScript): t0 when the controller answers the host's
 * `ready`, t1 when the host's clock line arrives.
 */
export function probeHost(script: string, timeoutMs = 30_000): Promise<HostProbe> {
  const { spawn } = require("child_process") as typeof import("child_process");
  return new Promise((resolve) => {
    const child = spawn("bash", ["--norc", "-c", `set -euo pipefail\n${withSshKey(script)}`], { stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    let err = "";
    let t0 = Date.now() / 1000;
    let t1 = 0;
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      if (!t1 && out.startsWith("ready\n") && child.stdin.writable && !child.stdin.writableEnded) {
        t0 = Date.now() / 1000;
        child.stdin.end("\n");
      }
      if (!t1 && /\nclock=/.test(out)) t1 = Date.now() / 1000;
    });
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.stdin.on("error", () => undefined);
    child.on("close", (code) => {
      clearTimeout(timer);
      const output = out.replace(/^ready\n/, "");
      if (code === 0) resolve({ t0, t1: t1 || Date.now() / 1000, output });
      else resolve({ t0, t1: t1 || Date.now() / 1000, error: (err.trim() || `exit ${code}`) });
    });
  });
}

export interface PreflightResult {
  ok: boolean;
  text: string;
  verdicts: HostVerdict[];
}

/** Checks every inventory host for what the planned faults need. Touches nothing on the hosts. */
export async function preflight(targets: Targets, plans: FaultPlan[], verify: boolean): Promise<PreflightResult> {
  const needs = needsFor(plans, verify, targets.hosts.map((h) => h.name));
  const [api, probes] = await Promise.all([
    readApiFacts(targets),
    Promise.all(targets.hosts.map((h) => probeHost(hostTransport(h).execAsUser(probeScript(h, needs.get(h.name)?.has("delay") ?? false))))),
  ]);
  // No fault planned: the update can only recover, which nothing may block — every problem is a warning.
  const verdicts = targets.hosts.map((h, i) => {
    const n = needs.get(h.name) ?? new Set();
    return judgeHost(h, hostTransport(h).describe, probes[i], n, targets.scope, api, plans.length > 0 && [...n].some((x) => x !== "python3"));
  });
  if (!plans.length) for (const v of verdicts) [v.warnings, v.problems, v.ok] = [[...v.problems, ...v.warnings], [], true];
  return { ok: verdicts.every((v) => v.ok), text: formatPreflight(targets.scope, verdicts), verdicts };
}
