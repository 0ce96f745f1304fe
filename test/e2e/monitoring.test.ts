import { execFile } from "child_process";
import { promisify } from "util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { alertDelays, resolvedDelays, scrapeTargets, type AlertTiming, type ExpectedAlert } from "../../components/monitoring/alerts";
import { scrapeTimeoutSeconds } from "../../components/monitoring/config";
import { alertRules } from "../../components/monitoring/rules";
import { durationSeconds, monitoringSchema } from "../../stacks/config";
import { must, requireEngineAndDocker, TestStack } from "../helpers/engine";

const exec = promisify(execFile);

interface InventoryMember {
  name: string;
  kind: string;
  container: string;
  hostPorts: Record<string, number>;
}

// Ports away from the dev stack's and the other e2e files', and below Linux's ephemeral range (32768+),
// where Pulumi's own gRPC servers pick theirs: a running lab and this test never collide.
const PORTS = { readWrite: 26432, readOnly: 26433, haproxyStats: 26404, postgresBase: 26441, patroniRestBase: 26009, etcdClientBase: 26380 };
const MONITORING_PORTS = { prometheus: 26090, alertmanager: 26093, receiver: 26094 };
const MON = monitoringSchema.parse({}); // the lab defaults this test runs with
const RULES = alertRules();
const SCRAPE_TIMEOUT_SECONDS = scrapeTimeoutSeconds(MON.scrapeIntervalSeconds);
/** Slack for process scheduling on a 2-core host, `docker stop` itself and HTTP round trips. */
const MARGIN_SECONDS = 5;

const forOf = (alert: string) => RULES.find((r) => r.alert === alert)!.forSeconds;
/** The issue's bound: scrape interval + evaluation interval + `for` + group_wait (+ margin). */
const bound = (alert: string) => MON.scrapeIntervalSeconds + MON.evaluationIntervalSeconds + forOf(alert) + durationSeconds(MON.alertmanager.groupWait) + MARGIN_SECONDS;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function patroniLeader(restPorts: number[]): Promise<string | undefined> {
  for (const port of restPorts) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/cluster`, { signal: AbortSignal.timeout(1000) });
      const members = ((await res.json()) as { members: Array<{ name: string; role: string }> }).members;
      const leader = members.find((m) => m.role === "leader");
      if (leader) return leader.name;
    } catch {
      // that member is down or busy: ask the next
    }
  }
  return undefined;
}

function table(rows: AlertTiming[], bounds: (r: AlertTiming) => number): string {
  return rows
    .map((r) => `  ${`${r.alertname}${JSON.stringify(r.expectedLabels)}`.padEnd(58)} fired +${r.firingDelaySeconds ?? "—"}s  delivered +${r.deliveryDelaySeconds ?? "—"}s  (bound ${bounds(r)}s)`)
    .join("\n");
}

/** Alerts the stop of etcd2 and of the primary `pg` raises (and resolves once they are started). */
const alertsOfTheStop = (pg: string): ExpectedAlert[] => [
  { alertname: "TargetDown", labels: { job: "etcd", member: "etcd2" } },
  { alertname: "TargetDown", labels: { job: "node", member: "etcd2" } },
  { alertname: "EtcdMembersBelowQuorumSafe" },
  { alertname: "TargetDown", labels: { job: "patroni", member: pg } },
  { alertname: "TargetDown", labels: { job: "postgres", member: pg } },
  { alertname: "PostgresDown", labels: { member: pg } },
];

describe("monitoring: a fault becomes an alert, the alert reaches the receiver in time", () => {
  let stack: TestStack;
  let inventory: InventoryMember[];
  let endpoints: { prometheus: string; alertmanager: string; receiver: string };
  let stopped: { etcd: InventoryMember; primary: InventoryMember };
  let injectedAt: Date;

  beforeAll(() => {
    requireEngineAndDocker();
    stack = TestStack.create("e2e-mon", {
      ...Object.fromEntries(Object.entries(PORTS).map(([k, v]) => [`pgchaos:ports.${k}`, String(v)])),
      ...Object.fromEntries(Object.entries(MONITORING_PORTS).map(([k, v]) => [`pgchaos:monitoring.ports.${k}`, String(v)])),
    });
    const t0 = Date.now();
    stack.up();
    console.log(`[monitoring e2e] pulumi up: ${((Date.now() - t0) / 1000).toFixed(1)}s`);
    const outputs = stack.outputs();
    inventory = outputs.inventory as InventoryMember[];
    endpoints = outputs.monitoring as typeof endpoints;
  }, 900_000);

  afterAll(() => stack?.dispose(), 600_000);

  it("publishes Prometheus, Alertmanager and the receiver on 127.0.0.1 and scrapes every target", async () => {
    expect(endpoints).toEqual({
      prometheus: `http://127.0.0.1:${MONITORING_PORTS.prometheus}`,
      alertmanager: `http://127.0.0.1:${MONITORING_PORTS.alertmanager}`,
      receiver: `http://127.0.0.1:${MONITORING_PORTS.receiver}`,
    });
    let targets: Awaited<ReturnType<typeof scrapeTargets>> = [];
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline) {
      targets = await scrapeTargets(endpoints.prometheus);
      if (targets.length > 0 && targets.every((t) => t.health === "up")) break;
      await sleep(1000);
    }
    const down = targets.filter((t) => t.health !== "up").map((t) => `${t.job}/${t.member}: ${t.health} ${t.lastError}`);
    expect(down).toEqual([]);
    const byJob = (job: string) => targets.filter((t) => t.job === job).map((t) => t.member).sort();
    expect(byJob("etcd")).toEqual(["etcd1", "etcd2", "etcd3"]);
    expect(byJob("patroni")).toEqual(["pg1", "pg2", "pg3"]);
    expect(byJob("postgres")).toEqual(["pg1", "pg2", "pg3"]);
    expect(byJob("haproxy")).toEqual(["haproxy"]);
    expect(byJob("node")).toEqual(["etcd1", "etcd2", "etcd3", "haproxy", "pg1", "pg2", "pg3"]);
    expect(byJob("prometheus")).toEqual(["prometheus"]);
    expect(byJob("alertmanager")).toEqual(["alertmanager"]);
    // Nothing fires on a healthy lab (CPU saturation aside: this 2-core host may be busy with builds).
    const firing = (await (await fetch(`${endpoints.prometheus}/api/v1/alerts`)).json()) as { data: { alerts: Array<{ labels: Record<string, string>; state: string }> } };
    expect(firing.data.alerts.filter((a) => a.state === "firing" && !a.labels.alertname.startsWith("Member")).map((a) => a.labels)).toEqual([]);
  }, 120_000);

  it("stopping an etcd member and the Patroni primary fires the expected alerts, delivered within scrape + eval + for + group_wait + margin", async () => {
    const restPorts = inventory.filter((m) => m.kind === "patroni").map((m) => m.hostPorts.rest);
    const leaderName = await patroniLeader(restPorts);
    expect(leaderName).toBeTruthy();
    stopped = { etcd: inventory.find((m) => m.name === "etcd2")!, primary: inventory.find((m) => m.name === leaderName)! };

    injectedAt = new Date();
    const stops = Promise.all([exec("docker", ["stop", stopped.etcd.container]), exec("docker", ["stop", stopped.primary.container])]);
    // Watch the survivors for the new leader: PatroniLeaderChanged is measured from the real change.
    const survivors = inventory.filter((m) => m.kind === "patroni" && m.name !== leaderName).map((m) => m.hostPorts.rest);
    let newLeader: string | undefined;
    let leaderChangedAt = 0;
    for (const deadline = Date.now() + 60_000; Date.now() < deadline && !newLeader; await sleep(200)) {
      const l = await patroniLeader(survivors);
      if (l && l !== leaderName) {
        newLeader = l;
        leaderChangedAt = Date.now();
      }
    }
    const stopSeconds = (Date.now() - injectedAt.getTime()) / 1000;
    await stops;
    expect(newLeader, "Patroni elected no new leader within 60 s").toBeTruthy();
    const failoverSeconds = (leaderChangedAt - injectedAt.getTime()) / 1000;

    const pg = stopped.primary.name;
    const expected: ExpectedAlert[] = [...alertsOfTheStop(pg), { alertname: "PatroniLeaderChanged", labels: { member: newLeader! } }];
    const timings = await alertDelays({ prometheusUrl: endpoints.prometheus, receiverUrl: endpoints.receiver, injectedAt, expected, timeoutSeconds: 120 });
    // The leader change is the fault's effect: its bound starts when the new leader appeared.
    const boundOf = (r: AlertTiming) => bound(r.alertname) + (r.alertname === "PatroniLeaderChanged" ? Math.ceil(failoverSeconds) : 0);
    console.log(`[monitoring e2e] stopped ${stopped.etcd.name} and primary ${pg} (new leader ${newLeader} after ${failoverSeconds.toFixed(1)}s; stop watch ${stopSeconds.toFixed(1)}s)\n${table(timings, boundOf)}`);

    for (const r of timings) {
      const what = `${r.alertname} ${JSON.stringify(r.expectedLabels)}`;
      expect(r.firedAt, `${what} never fired`).toBeTruthy();
      expect(r.alreadyFiring, `${what} was already firing before the fault`).toBe(false);
      expect(r.receivedAt, `${what} never reached the receiver`).toBeTruthy();
      // Not before its `for` has elapsed, not later than the bound; delivery after firing. A scrape in flight
      // when the container stopped fails because of the stop but is stamped with its start, up to one
      // scrape timeout before the injection: the `for` may count from there (seen at load 5–34: +2.52 s, for 4 s).
      expect(r.firingDelaySeconds!, `${what} fired before its for (${forOf(r.alertname)} s) minus one scrape timeout (${SCRAPE_TIMEOUT_SECONDS} s)`).toBeGreaterThanOrEqual(forOf(r.alertname) - SCRAPE_TIMEOUT_SECONDS);
      expect(r.deliveryDelaySeconds!, `${what} delivered too late`).toBeLessThanOrEqual(boundOf(r));
      expect(r.deliveryDelaySeconds!).toBeGreaterThanOrEqual(r.firingDelaySeconds! - 0.5);
    }
  }, 240_000);

  it("after `docker start`, resolved notifications arrive for every alert the stop raised", async () => {
    const recoveredAt = new Date();
    must("docker", ["start", stopped.etcd.container, stopped.primary.container]);
    const pg = stopped.primary.name;
    const expected = alertsOfTheStop(pg);
    const resolved = await resolvedDelays({ receiverUrl: endpoints.receiver, since: recoveredAt, expected, timeoutSeconds: 180 });
    console.log(`[monitoring e2e] resolved after docker start:\n${resolved.map((r) => `  ${`${r.alertname}${JSON.stringify(r.expectedLabels)}`.padEnd(58)} +${r.delaySeconds ?? "—"}s`).join("\n")}`);
    for (const r of resolved) expect(r.receivedAt, `${r.alertname} ${JSON.stringify(r.expectedLabels)}: no resolved notification`).toBeTruthy();
    // The exporters came back with their members (the wrapper runs on every start): all targets up again.
    const targets = await scrapeTargets(endpoints.prometheus);
    expect(targets.filter((t) => t.health !== "up").map((t) => `${t.job}/${t.member}`)).toEqual([]);
  }, 240_000);

  it("the receiver keeps its notifications across a restart (SQLite on the lab's volume)", async () => {
    const count = async () => ((await (await fetch(`${endpoints.receiver}/healthz`)).json()) as { count: number }).count;
    const before = await count();
    expect(before).toBeGreaterThan(0);
    const receiver = must("docker", ["ps", "-q", "--filter", `label=pgchaos.stack=pgchaos/${stack.name}`, "--filter", "label=pgchaos.member=alert-receiver"]).trim();
    must("docker", ["restart", receiver]);
    let after = -1;
    for (let i = 0; i < 50 && after < 0; i++) {
      after = await count().catch(() => -1);
      if (after < 0) await sleep(200);
    }
    expect(after).toBeGreaterThanOrEqual(before);
  }, 60_000);

  it("a second up with monitoring is a no-op", () => {
    expect(stack.pulumi(["preview", "--expect-no-changes", "--color", "never"])).toMatch(/unchanged/);
    const t0 = Date.now();
    stack.pulumi(["up", "--yes", "--skip-preview", "--expect-no-changes", "--color", "never"]);
    console.log(`[monitoring e2e] warm pulumi up (no changes): ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  }, 300_000);
});
