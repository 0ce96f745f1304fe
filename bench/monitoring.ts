/**
 * Monitoring benchmark: `npx tsx bench/monitoring.ts [--stack NAME] [--storm-seconds 120] [--clients 8] [--keep]`
 *
 * 1. node stop: `docker stop` of the Patroni primary → delay from the fault to firing in Prometheus and to
 *    delivery at the receiver, per alert; then `docker start` and the resolved notifications.
 * 2. etcd member stop: the same for one etcd member.
 * 3. error storm: for --storm-seconds (default 120), --clients connections hammer HAProxy's read-write port
 *    on 127.0.0.1 with failing queries as fast as they go (bounded in time and count); Prometheus' memory
 *    is sampled from its cgroup every 500 ms and read from its own metrics.
 *
 * Without --stack it creates a throwaway lab (ports 27xxx) and destroys it at the end
 * (--keep leaves it). With --stack it uses that stack's running lab: it stops and restarts members.
 */
import { execFile, execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { promisify } from "util";
import { Client } from "pg";
import { endPostgres } from "../components/lab/postgres";
import { alertDelays, firstFiring, resolvedDelays, scrapeTargets, type AlertTiming, type ExpectedAlert, type MatrixSeries, type ResolvedTiming } from "../components/monitoring/alerts";
import { durationSeconds, monitoringSchema } from "../stacks/config";
import { PROJECT_DIR, TestStack } from "../test/helpers/engine";

const exec = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface InventoryMember {
  name: string;
  kind: string;
  container: string;
  hostPorts: Record<string, number>;
}

// Below Linux's ephemeral range (32768+), where Pulumi's gRPC servers pick their ports.
const PORTS = { readWrite: 27432, readOnly: 27433, haproxyStats: 27404, postgresBase: 27441, patroniRestBase: 27009, etcdClientBase: 27380 };
const MONITORING_PORTS = { prometheus: 27090, alertmanager: 27093, receiver: 27094 };
const MAX_STORM_QUERIES = 20_000_000; // a hard bound besides the time bound

function args() {
  const a = process.argv.slice(2);
  const get = (name: string) => {
    const i = a.indexOf(`--${name}`);
    return i >= 0 ? a[i + 1] : undefined;
  };
  const stormSeconds = Number(get("storm-seconds") ?? 120);
  const clients = Number(get("clients") ?? 8);
  if (!(stormSeconds >= 5 && stormSeconds <= 600)) throw new Error("--storm-seconds must be between 5 and 600");
  if (!(Number.isInteger(clients) && clients >= 1 && clients <= 64)) throw new Error("--clients must be an integer between 1 and 64");
  const stack = get("stack");
  if (stack !== undefined && !/^[A-Za-z0-9_.-]{1,100}$/.test(stack)) throw new Error("--stack must be a plain stack name");
  return { stack, stormSeconds, clients, keep: a.includes("--keep") };
}

async function patroniLeader(restPorts: number[]): Promise<string | undefined> {
  for (const port of restPorts) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/cluster`, { signal: AbortSignal.timeout(1000) });
      const leader = ((await res.json()) as { members: Array<{ name: string; role: string }> }).members.find((m) => m.role === "leader");
      if (leader) return leader.name;
    } catch {
      // down or busy: ask the next member
    }
  }
  return undefined;
}

async function waitTargetsUp(prometheus: string, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const targets = await scrapeTargets(prometheus).catch(() => []);
    if (targets.length && targets.every((t) => t.health === "up")) return;
    if (Date.now() > deadline) throw new Error(`targets not all up: ${targets.filter((t) => t.health !== "up").map((t) => `${t.job}/${t.member}`).join(", ")}`);
    await sleep(1000);
  }
}

/** Waits until Patroni has one leader and every member running again (3.0.2 says "running" for replicas). */
async function waitPatroniHealthy(restPorts: number[], members: number, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const port of restPorts) {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/cluster`, { signal: AbortSignal.timeout(1000) });
        const ms = ((await res.json()) as { members: Array<{ role: string; state: string }> }).members;
        if (ms.length === members && ms.filter((m) => m.role === "leader").length === 1 && ms.every((m) => m.state === "running" || m.state === "streaming")) return;
        break;
      } catch {
        // ask the next member
      }
    }
    await sleep(1000);
  }
  throw new Error("Patroni cluster not healthy again");
}

function printTimings(title: string, rows: AlertTiming[], resolved: ResolvedTiming[]) {
  console.log(`\n${title}`);
  console.log(`  ${"alert".padEnd(60)} ${"fired".padStart(8)} ${"delivered".padStart(10)} ${"resolved*".padStart(10)}`);
  for (const r of rows) {
    const res = resolved.find((x) => x.alertname === r.alertname && JSON.stringify(x.expectedLabels) === JSON.stringify(r.expectedLabels));
    const f = (v?: number) => (v === undefined ? "—" : `${v.toFixed(2)}s`);
    console.log(`  ${`${r.alertname}${JSON.stringify(r.expectedLabels)}`.padEnd(60)} ${f(r.firingDelaySeconds).padStart(8)} ${f(r.deliveryDelaySeconds).padStart(10)} ${f(res?.delaySeconds).padStart(10)}`);
  }
  console.log("  (* resolved: delay from `docker start` to the resolved notification)");
}

async function stopCase(o: {
  title: string; endpoints: Endpoints; containers: string[]; expected: (after: { newLeader?: string }) => ExpectedAlert[];
  watchLeader?: { restPorts: number[]; old: string };
}): Promise<{ timings: AlertTiming[]; resolved: ResolvedTiming[]; failoverSeconds?: number }> {
  const injectedAt = new Date();
  const stops = Promise.all(o.containers.map((c) => exec("docker", ["stop", c])));
  let newLeader: string | undefined;
  let failoverSeconds: number | undefined;
  if (o.watchLeader) {
    for (const deadline = Date.now() + 60_000; Date.now() < deadline && !newLeader; await sleep(200)) {
      const l = await patroniLeader(o.watchLeader.restPorts);
      if (l && l !== o.watchLeader.old) {
        newLeader = l;
        failoverSeconds = (Date.now() - injectedAt.getTime()) / 1000;
      }
    }
  }
  await stops;
  const expected = o.expected({ newLeader });
  const timings = await alertDelays({ prometheusUrl: o.endpoints.prometheus, receiverUrl: o.endpoints.receiver, injectedAt, expected, timeoutSeconds: 120 });
  const recoveredAt = new Date();
  await exec("docker", ["start", ...o.containers]);
  const resolvable = expected.filter((e) => e.alertname !== "PatroniLeaderChanged"); // resolves only after its 1 m window
  const resolved = await resolvedDelays({ receiverUrl: o.endpoints.receiver, since: recoveredAt, expected: resolvable, timeoutSeconds: 180 });
  printTimings(`${o.title}${failoverSeconds !== undefined ? ` (new Patroni leader ${newLeader} seen after ${failoverSeconds.toFixed(1)}s)` : ""}`, timings, resolved);
  return { timings, resolved, failoverSeconds };
}

interface Endpoints {
  prometheus: string;
  alertmanager: string;
  receiver: string;
}

/** Memory of a container from its cgroup (v1 or v2), in bytes: usage as the limit sees it, and RSS. */
function cgroupMemoryReader(containerId: string): () => { usage: number; rss: number } | undefined {
  const candidates = [
    { usage: `/sys/fs/cgroup/memory/docker/${containerId}/memory.usage_in_bytes`, stat: `/sys/fs/cgroup/memory/docker/${containerId}/memory.stat`, rssKey: "total_rss" },
    { usage: `/sys/fs/cgroup/system.slice/docker-${containerId}.scope/memory.current`, stat: `/sys/fs/cgroup/system.slice/docker-${containerId}.scope/memory.stat`, rssKey: "anon" },
    { usage: `/sys/fs/cgroup/docker/${containerId}/memory.current`, stat: `/sys/fs/cgroup/docker/${containerId}/memory.stat`, rssKey: "anon" },
  ];
  const c = candidates.find((x) => fs.existsSync(x.usage));
  if (!c) return () => undefined;
  return () => {
    try {
      const usage = Number(fs.readFileSync(c.usage, "utf8").trim());
      const stat = fs.readFileSync(c.stat, "utf8");
      const rss = Number(new RegExp(`^${c.rssKey} (\\d+)$`, "m").exec(stat)?.[1] ?? NaN);
      return { usage, rss };
    } catch {
      return undefined;
    }
  };
}

async function promScalar(prometheus: string, query: string): Promise<number | undefined> {
  const res = await fetch(`${prometheus}/api/v1/query?query=${encodeURIComponent(query)}`);
  const body = (await res.json()) as { data: { result: Array<{ value: [number, string] }> } };
  const v = body.data.result[0]?.value[1];
  return v === undefined ? undefined : Number(v);
}

async function errorStorm(o: { endpoints: Endpoints; readWritePort: number; password: string; seconds: number; clients: number; prometheusContainer: string }) {
  const id = execFileSync("docker", ["inspect", "-f", "{{.Id}}", o.prometheusContainer], { encoding: "utf8" }).trim();
  const readMem = cgroupMemoryReader(id);
  const before = readMem();
  const started = Date.now();
  const until = started + o.seconds * 1000;
  let peakUsage = before?.usage ?? 0;
  let peakRss = before?.rss ?? 0;
  const sampler = setInterval(() => {
    const m = readMem();
    if (m) {
      peakUsage = Math.max(peakUsage, m.usage);
      peakRss = Math.max(peakRss, m.rss);
    }
  }, 500);
  let queries = 0;
  let errors = 0;
  let reconnects = 0;
  // Failing statements of different kinds: each is an ERROR in PostgreSQL's log and its statistics.
  const failing = ["select 1/0", "select * from pgchaos_no_such_table", "selec 1", "select 'x'::int"];
  const worker = async (n: number) => {
    while (Date.now() < until && queries < MAX_STORM_QUERIES) {
      const c = new Client({ host: "127.0.0.1", port: o.readWritePort, user: "postgres", password: o.password, database: "postgres", connectionTimeoutMillis: 3000 });
      c.on("error", () => undefined);
      try {
        await c.connect();
        while (Date.now() < until && queries < MAX_STORM_QUERIES) {
          queries++;
          try {
            await c.query(failing[(queries + n) % failing.length]);
          } catch {
            errors++;
          }
        }
      } catch {
        errors++;
        reconnects++;
        await sleep(100);
      } finally {
        await endPostgres(c);
      }
    }
  };
  await Promise.all(Array.from({ length: o.clients }, (_, i) => worker(i)));
  clearInterval(sampler);
  const seconds = (Date.now() - started) / 1000;
  const window = `${Math.ceil(seconds) + 5}s`;
  const mib = (b?: number) => (b === undefined || Number.isNaN(b) ? undefined : Math.round((b / 1048576) * 10) / 10);
  const result = {
    seconds: Math.round(seconds),
    clients: o.clients,
    failingQueries: queries,
    errors,
    errorsPerSecond: Math.round(errors / seconds),
    reconnects,
    prometheus: {
      cgroupUsageMiB: { before: mib(before?.usage), peak: mib(peakUsage) },
      cgroupRssMiB: { before: mib(before?.rss), peak: mib(peakRss) },
      selfReportedPeakRssMiB: mib(await promScalar(o.endpoints.prometheus, `max_over_time(process_resident_memory_bytes{job="prometheus"}[${window}])`)),
      peakGoHeapInuseMiB: mib(await promScalar(o.endpoints.prometheus, `max_over_time(go_memstats_heap_inuse_bytes{job="prometheus"}[${window}])`)),
      peakHeadSeries: await promScalar(o.endpoints.prometheus, `max_over_time(prometheus_tsdb_head_series[${window}])`),
      restarts: Number(execFileSync("docker", ["inspect", "-f", "{{.RestartCount}}", o.prometheusContainer], { encoding: "utf8" }).trim()),
      oomKilled: execFileSync("docker", ["inspect", "-f", "{{.State.OOMKilled}}", o.prometheusContainer], { encoding: "utf8" }).trim() === "true",
      stillUp: (await promScalar(o.endpoints.prometheus, "up{job=\"prometheus\"}")) === 1,
    },
    // Alerts whose firing began during the storm (not the tail of an earlier case).
    alertsFiredDuringStorm: ((await (await fetch(`${o.endpoints.prometheus}/api/v1/query?query=${encodeURIComponent(`ALERTS{alertstate="firing"}[${window}]`)}`)).json()) as {
      data: { result: MatrixSeries[] };
    }).data.result
      .filter((series) => firstFiring([series], started, 6)?.alreadyFiring === false)
      .map((series) => `${series.metric.alertname}${series.metric.member ? `{member=${series.metric.member}}` : ""}`)
      .sort(),
  };
  return result;
}

async function main() {
  const opts = args();
  const mon = monitoringSchema.parse({});
  console.log(`monitoring bench: scrape ${mon.scrapeIntervalSeconds}s, evaluation ${mon.evaluationIntervalSeconds}s, group_wait ${mon.alertmanager.groupWait} (${durationSeconds(mon.alertmanager.groupWait)}s), Prometheus limit ${mon.memoryLimitMiB.prometheus} MiB`);
  let stack: TestStack;
  let created = false;
  if (opts.stack) stack = new TestStack(opts.stack);
  else {
    stack = TestStack.create("bench-mon", {
      ...Object.fromEntries(Object.entries(PORTS).map(([k, v]) => [`pgchaos:ports.${k}`, String(v)])),
      ...Object.fromEntries(Object.entries(MONITORING_PORTS).map(([k, v]) => [`pgchaos:monitoring.ports.${k}`, String(v)])),
    });
    created = true;
    const t0 = Date.now();
    console.log(`creating throwaway lab ${stack.name} ...`);
    stack.up();
    console.log(`pulumi up: ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  }
  try {
    const outputs = stack.outputs();
    const endpoints = outputs.monitoring as Endpoints | null;
    if (!endpoints) throw new Error(`stack ${stack.name} runs without monitoring (pgchaos:monitoring.enabled = false)`);
    const inventory = outputs.inventory as InventoryMember[];
    const ports = outputs.ports as { readWrite: number };
    const patroni = inventory.filter((m) => m.kind === "patroni");
    const restPorts = patroni.map((m) => m.hostPorts.rest);
    await waitTargetsUp(endpoints.prometheus);

    // 1. node stop: the Patroni primary's container.
    const leader = (await patroniLeader(restPorts))!;
    const primary = inventory.find((m) => m.name === leader)!;
    const node = await stopCase({
      title: `node stop: docker stop ${primary.name} (the Patroni primary)`,
      endpoints, containers: [primary.container],
      watchLeader: { restPorts: patroni.filter((m) => m.name !== leader).map((m) => m.hostPorts.rest), old: leader },
      expected: ({ newLeader }): ExpectedAlert[] => [
        { alertname: "TargetDown", labels: { job: "node", member: primary.name } },
        { alertname: "TargetDown", labels: { job: "patroni", member: primary.name } },
        { alertname: "PostgresDown", labels: { member: primary.name } },
        ...(newLeader ? [{ alertname: "PatroniLeaderChanged", labels: { member: newLeader } }] : []),
      ],
    });
    await waitPatroniHealthy(restPorts, patroni.length);
    await waitTargetsUp(endpoints.prometheus);

    // 2. etcd member stop.
    const etcd = inventory.filter((m) => m.kind === "etcd").at(-1)!;
    const etcdCase = await stopCase({
      title: `etcd member stop: docker stop ${etcd.name}`,
      endpoints, containers: [etcd.container],
      expected: (): ExpectedAlert[] => [
        { alertname: "TargetDown", labels: { job: "etcd", member: etcd.name } },
        { alertname: "EtcdMembersBelowQuorumSafe" },
      ],
    });
    await waitTargetsUp(endpoints.prometheus);

    // 3. error storm.
    console.log(`\nerror storm: ${opts.clients} clients, failing queries on 127.0.0.1:${ports.readWrite} for ${opts.stormSeconds}s ...`);
    const prometheusContainer = execFileSync("docker", ["ps", "-q", "--filter", `label=pgchaos.stack=pgchaos/${stack.name}`, "--filter", "label=pgchaos.member=prometheus"], { encoding: "utf8" }).trim();
    const storm = await errorStorm({ endpoints, readWritePort: ports.readWrite, password: outputs.superuserPassword as string, seconds: opts.stormSeconds, clients: opts.clients, prometheusContainer });
    console.log(JSON.stringify(storm, null, 2));

    const report = { at: new Date().toISOString(), settings: mon, nodeStop: node, etcdMemberStop: etcdCase, storm };
    const dir = path.join(PROJECT_DIR, "reports");
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `monitoring-bench-${Date.now()}.json`);
    fs.writeFileSync(file, JSON.stringify(report, null, 2));
    console.log(`\nreport: ${file}`);
  } finally {
    if (created && !opts.keep) {
      console.log(`destroying ${stack.name} ...`);
      stack.dispose();
    }
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
