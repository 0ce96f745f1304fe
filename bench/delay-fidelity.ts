/**
 * Delay fidelity benchmark (prints figures; not a test): the NFQUEUE delayer (images/base/pgchaos-delay.c,
 * what the delay fault uses without netem) against Toxiproxy's latency toxic, on the same link and the
 * same workload: request/response round trips at 200 ops/s from this host to a container of the lab's
 * base image on a Docker network of its own; delays 10, 100, 500 ms with and without jitter (± delay/5);
 * p50/p99 error of the added round trip, throughput, the mechanism's CPU; then the same under CPU stress
 * in that container. netem's row is measured where the kernel has it. Both delayer builds are measured:
 * `delayer (base)` from --base-source (the C file of an older commit), `delayer (this)` from images/base.
 *
 * Usage: npx tsx bench/delay-fidelity.ts [--base-source old.c] [--seconds 10] [--slices 4] [--prefix h18]
 *   Toxiproxy: built from tools/toxiproxy (pinned v2.5.0) into the cache by bench/toxiproxy-build.sh.
 */
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { FIDELITY_HEADER, fidelityCells, quantile, table, type FidelityRow } from "./delay-stats";
import { measureRoundTrips } from "./delay-client";
import { PROJECT_DIR } from "./util";

const opt = (name: string, dflt?: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const SECONDS = Number(opt("--seconds", "10"));
/** Turns per mechanism and setting (SECONDS split among them). */
const SLICES = Number(opt("--slices", "4"));
const RATE = 200;
/** Names of the bench's network and container (engineers sharing a Docker engine each use their own). */
const PREFIX = opt("--prefix", "h18");
const NET = `${PREFIX}-fidelity`;
const CT = `${PREFIX}-fidelity-target`;
const ECHO_PORT = 7000;
const PROXY_PORT = 7001;
const QUEUE = 5;

const docker = (args: string[], opts: { allowFail?: boolean; input?: string } = {}) => {
  const r = spawnSync("docker", args, { encoding: "utf8", input: opts.input, maxBuffer: 64 << 20 });
  if (r.status !== 0 && !opts.allowFail) throw new Error(`docker ${args.slice(0, 4).join(" ")}… failed (${r.status}): ${r.stderr || r.stdout}`);
  return { ok: r.status === 0, out: (r.stdout ?? "").trim(), err: (r.stderr ?? "").trim() };
};
const inCt = (script: string, allowFail = false) => docker(["exec", "-u", "root", CT, "bash", "-c", script], { allowFail });

const ECHO_SERVER = `
import asyncio, socket, sys
async def handle(r, w):
    w.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    while True:
        line = await r.readline()
        if not line:
            break
        w.write(line)
        await w.drain()
    w.close()
async def main():
    srv = await asyncio.start_server(handle, "0.0.0.0", int(sys.argv[1]), backlog=1024)
    async with srv:
        await srv.serve_forever()
asyncio.run(main())
`;

/** Builds a delayer from a C file with images/base's own build stage; returns the binary's host path. */
function buildDelayer(tag: string, source: string, scratch: string): string {
  const ctx = path.join(scratch, tag);
  fs.mkdirSync(ctx, { recursive: true });
  fs.copyFileSync(path.join(PROJECT_DIR, "images", "base", "Dockerfile"), path.join(ctx, "Dockerfile"));
  fs.copyFileSync(source, path.join(ctx, "pgchaos-delay.c"));
  docker(["build", "-q", "--target", "delayer", "-t", `${PREFIX}-fidelity-delayer:${tag}`, ctx]);
  const out = path.join(scratch, `pgchaos-delay-${tag}`);
  docker(["rm", "-f", `${PREFIX}-fidelity-cp-${tag}`], { allowFail: true });
  docker(["create", "--name", `${PREFIX}-fidelity-cp-${tag}`, `${PREFIX}-fidelity-delayer:${tag}`]);
  docker(["cp", `${PREFIX}-fidelity-cp-${tag}:/usr/local/bin/pgchaos-delay`, out]);
  docker(["rm", `${PREFIX}-fidelity-cp-${tag}`]);
  return out;
}

function baseImage(): string {
  const img = docker(["images", "pgchaos/base", "--format", "{{.Repository}}:{{.Tag}}"]).out.split("\n")[0];
  if (!img) throw new Error("no pgchaos/base image: run scripts/setup.sh first");
  return img;
}

/** The target container on a network of its own; returns its address and the host's (the client's). */
function startTarget(binaries: Record<string, string>): { ip: string; gateway: string } {
  cleanup();
  docker(["network", "create", NET]);
  docker(["run", "-d", "--init", "--name", CT, "--network", NET, "--cap-add", "NET_ADMIN", "--user", "root", baseImage(), "sleep", "infinity"]);
  for (const [name, file] of Object.entries(binaries)) docker(["cp", file, `${CT}:/usr/local/bin/${name}`]);
  docker(["exec", "-d", CT, "python3", "-c", ECHO_SERVER, String(ECHO_PORT)]);
  const ip = docker(["inspect", "-f", `{{(index .NetworkSettings.Networks "${NET}").IPAddress}}`, CT]).out;
  const gateway = docker(["network", "inspect", "-f", "{{(index .IPAM.Config 0).Gateway}}", NET]).out;
  inCt(`for i in $(seq 50); do (echo > /dev/tcp/127.0.0.1/${ECHO_PORT}) 2>/dev/null && exit 0; sleep 0.1; done; exit 1`);
  return { ip, gateway };
}

function cleanup(): void {
  docker(["rm", "-f", CT], { allowFail: true });
  docker(["network", "rm", NET], { allowFail: true });
}

/** CPU seconds (user + system) a process in the container has used so far. */
function cpuSeconds(pid: string): number {
  const ticks = Number(inCt("getconf CLK_TCK").out);
  const f = inCt(`cat /proc/${pid}/stat`).out.replace(/^.*\) /, "").split(" ");
  return (Number(f[11]) + Number(f[12])) / ticks; // utime, stime (fields 14, 15)
}

interface Mechanism {
  name: string;
  /** Port the client connects to. */
  port: number;
  /** Starts the delay; returns the pid whose CPU is the mechanism's, or undefined. */
  on(delayMs: number, jitterMs: number, gateway: string): string | undefined;
  off(): void;
}

function delayer(binary: string, label: string): Mechanism {
  let undo = "";
  return {
    name: label,
    port: ECHO_PORT,
    on: (d, j, gw) => {
      const rule = `OUTPUT -d ${gw} -j NFQUEUE --queue-num ${QUEUE} --queue-bypass`;
      inCt(`iptables -w -I ${rule}`);
      const pid = inCt(`setsid nohup ${binary} ${QUEUE} ${d} ${j} > /tmp/delayer.log 2>&1 < /dev/null & echo $!`).out;
      undo = `iptables -w -D ${rule}; kill ${pid}; while kill -0 ${pid} 2>/dev/null; do sleep 0.05; done`;
      inCt("for i in $(seq 50); do grep -q '^ready' /tmp/delayer.log && exit 0; sleep 0.1; done; cat /tmp/delayer.log; exit 1");
      return pid;
    },
    off: () => void inCt(undo),
  };
}

/** netem on the target's interface (only the benchmark's traffic leaves it); its CPU is the kernel's. */
const netem: Mechanism = {
  name: "netem",
  port: ECHO_PORT,
  on: (d, j) => void inCt(`tc qdisc add dev eth0 root netem delay ${d}ms${j ? ` ${j}ms` : ""}`),
  off: () => void inCt("tc qdisc del dev eth0 root"),
};

let toxiproxyPid = "";
const toxiproxy: Mechanism = {
  name: "toxiproxy 2.5.0 latency",
  port: PROXY_PORT,
  on: (d, j) => {
    inCt(`curl -sf -X POST 127.0.0.1:8474/proxies/echo/toxics -d '{"name":"lat","type":"latency","stream":"downstream","toxicity":1,"attributes":{"latency":${d},"jitter":${j}}}' >/dev/null`);
    return toxiproxyPid;
  },
  off: () => void inCt("curl -sf -X DELETE 127.0.0.1:8474/proxies/echo/toxics/lat >/dev/null || true", true),
};

function startToxiproxy(): void {
  toxiproxyPid = inCt("setsid nohup toxiproxy-server -host 127.0.0.1 -port 8474 > /tmp/toxiproxy.log 2>&1 < /dev/null & echo $!").out;
  inCt("for i in $(seq 50); do curl -sf 127.0.0.1:8474/version >/dev/null && exit 0; sleep 0.1; done; cat /tmp/toxiproxy.log; exit 1");
  inCt(`curl -sf -X POST 127.0.0.1:8474/proxies -d '{"name":"echo","listen":"0.0.0.0:${PROXY_PORT}","upstream":"127.0.0.1:${ECHO_PORT}"}' >/dev/null`);
}

/** Does this kernel have sch_netem? (the delay fault's first choice) */
function netemAvailable(): { ok: boolean; detail: string } {
  const r = inCt("tc qdisc add dev lo root handle fffe: netem delay 1ms 2>&1 && tc qdisc del dev lo root && echo yes", true);
  return { ok: r.out.endsWith("yes"), detail: r.out || r.err };
}

/** One slice: the mechanism on for `seconds`, its round trips and CPU seconds. */
async function slice(m: Mechanism, target: { ip: string; gateway: string }, d: number, j: number, seconds: number) {
  const pid = m.on(d, j, target.gateway);
  try {
    const cpu0 = pid ? cpuSeconds(pid) : 0;
    const t0 = Date.now();
    const r = await measureRoundTrips({ host: target.ip, port: m.port, ratePerSecond: RATE, seconds, warmupSeconds: 0.5, maxInFlight: Math.ceil(RATE * (d + j + 200) / 1000) + 20 });
    return { rttMs: r.rttMs, seconds: r.measuredSeconds, cpu: pid ? cpuSeconds(pid) - cpu0 : undefined, wall: (Date.now() - t0) / 1000 };
  } finally {
    m.off();
  }
}

/**
 * Every mechanism for one setting, in SLICES short turns taken round-robin: the host's other load changes
 * over seconds (other labs share these cores), so each mechanism sees the same mix of quiet and busy moments.
 */
async function rows(ms: Mechanism[], target: { ip: string; gateway: string }, d: number, j: number, stress: boolean, baseline: Map<string, number>): Promise<FidelityRow[]> {
  const acc = ms.map(() => ({ rttMs: [] as number[], seconds: 0, cpu: 0 as number | undefined, wall: 0 }));
  for (let k = 0; k < SLICES; k++) {
    for (const [i, m] of ms.entries()) {
      const r = await slice(m, target, d, j, SECONDS / SLICES);
      acc[i].rttMs.push(...r.rttMs);
      acc[i].seconds += r.seconds;
      acc[i].wall += r.wall;
      acc[i].cpu = r.cpu === undefined ? undefined : (acc[i].cpu ?? 0) + r.cpu;
    }
  }
  return ms.map((m, i) => ({
    mechanism: m.name, delayMs: d, jitterMs: j, stress, rttMs: acc[i].rttMs, baselineMedianMs: baseline.get(`${m.port}/${stress}`)!,
    answeredPerSecond: acc[i].rttMs.length / acc[i].seconds, offeredPerSecond: RATE, cpuCores: acc[i].cpu === undefined ? undefined : acc[i].cpu / acc[i].wall,
  }));
}

/** The undelayed link, per port (direct, through the proxy) and stress state: what added delays are measured from. */
async function baselines(target: { ip: string }, stress: boolean, into: Map<string, number>, rows: string[][]): Promise<void> {
  for (const [label, port] of [["direct (no mechanism)", ECHO_PORT], ["toxiproxy, no toxic", PROXY_PORT]] as const) {
    const r = await measureRoundTrips({ host: target.ip, port, ratePerSecond: RATE, seconds: SECONDS, maxInFlight: 60 });
    const s = [...r.rttMs].sort((a, b) => a - b);
    into.set(`${port}/${stress}`, quantile(s, 0.5));
    rows.push([label, stress ? "yes" : "no", String(s.length), quantile(s, 0.5).toFixed(3), quantile(s, 0.99).toFixed(3), (s.length / r.measuredSeconds).toFixed(0)]);
  }
}

async function main(): Promise<void> {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "pgchaos-fidelity-"));
  const toxi = path.join(process.env.PGCHAOS_TOOLS_BIN ?? path.join(os.homedir(), ".cache", "pgchaos", "bin"), "toxiproxy-server");
  execFileSync("bash", [path.join(PROJECT_DIR, "bench", "toxiproxy-build.sh")], { stdio: "inherit" }); // no-op when built at this pin
  const binaries: Record<string, string> = { "toxiproxy-server": toxi, "pgchaos-delay-this": buildDelayer("this", path.join(PROJECT_DIR, "images", "base", "pgchaos-delay.c"), scratch) };
  const baseSource = opt("--base-source");
  if (baseSource) binaries["pgchaos-delay-base"] = buildDelayer("base", baseSource, scratch);
  const target = startTarget(binaries);
  try {
    startToxiproxy();
    const netemCheck = netemAvailable();
    const mechanisms = [...(baseSource ? [delayer("pgchaos-delay-base", "NFQUEUE delayer (base)")] : []), delayer("pgchaos-delay-this", "NFQUEUE delayer (this)"), toxiproxy, ...(netemCheck.ok ? [netem] : [])];
    const base = new Map<string, number>();
    const baseRows: string[][] = [];
    const out: FidelityRow[] = [];
    await baselines(target, false, base, baseRows);
    for (const d of [10, 100, 500]) for (const j of [0, d / 5]) {
      out.push(...await rows(mechanisms, target, d, j, false, base));
      out.slice(-mechanisms.length).forEach((r) => console.error(fidelityCells(r).join(" | ")));
    }
    // CPU stress in the same container: one stress-ng worker per core, for the rest of the run.
    inCt(`setsid nohup stress-ng --cpu ${os.cpus().length} -w /tmp --timeout 1h > /dev/null 2>&1 < /dev/null &`);
    await new Promise((r) => setTimeout(r, 1000));
    await baselines(target, true, base, baseRows);
    for (const [d, j] of [[100, 0], [100, 20], [10, 0]]) {
      out.push(...await rows(mechanisms, target, d, j, true, base));
      out.slice(-mechanisms.length).forEach((r) => console.error(fidelityCells(r).join(" | ")));
    }
    inCt("pkill -x stress-ng || true", true);
    console.log(`\ndelay fidelity (${new Date().toISOString()}, ${os.cpus().length} × ${os.cpus()[0].model}, kernel ${os.release()}); ${RATE} req/s, ${SECONDS} s per row in ${SLICES} round-robin slices per mechanism, host → container over a Docker bridge`);
    console.log(`\nundelayed link (ms):\n${table(["link", "cpu stress", "n", "p50 rtt", "p99 rtt", "ops/s"], baseRows)}`);
    console.log(`\nadded round trip vs configured (ms; error = measured − configured quantile, jitter uniform ± jitter):\n${table(FIDELITY_HEADER, out.map(fidelityCells))}`);
    console.log(`\nnetem: ${netemCheck.ok ? "available: its rows are in the table" : `no rows — not available on this kernel (\`tc qdisc add … netem\` said: ${netemCheck.detail.split("\n")[0]})`}`);
  } finally {
    cleanup();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
