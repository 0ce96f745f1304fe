import { sh } from "../components/docker/commands";

/**
 * Probes run on a member (through its transport) to measure a fault's effect from outside the target:
 * TCP connects (round trip, refused/reset/timeout shares) and the member's own CPU/IO/memory use read
 * from its cgroup or /proc. Python 3 is the one interpreter every Patroni host has (Patroni is Python).
 */

export interface TcpProbeResult {
  ok: number;
  refused: number;
  timeout: number;
  other: number;
  /** Connect times of successful probes, ms. */
  medianMs: number | null;
  p90Ms: number | null;
  count: number;
}

/** `count` TCP connects to ip:port, `concurrency` at a time, each bounded by `timeoutMs`. Prints JSON. */
export function tcpProbeScript(ip: string, port: number, count: number, timeoutMs: number, concurrency = 1): string {
  const py = `
import json, socket, statistics, sys, time
from concurrent.futures import ThreadPoolExecutor
ip, port, count, timeout, conc = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]) / 1000, int(sys.argv[5])
def one(_):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    t = time.perf_counter()
    try:
        s.connect((ip, port))
        return ("ok", (time.perf_counter() - t) * 1000)
    except ConnectionRefusedError:
        return ("refused", None)
    except (socket.timeout, TimeoutError):
        return ("timeout", None)
    except OSError:
        return ("other", None)
    finally:
        s.close()
with ThreadPoolExecutor(max_workers=conc) as ex:
    res = list(ex.map(one, range(count)))
ms = sorted(r[1] for r in res if r[0] == "ok")
q = lambda p: round(ms[min(len(ms) - 1, int(p * len(ms)))], 3) if ms else None
out = {k: sum(1 for r in res if r[0] == k) for k in ("ok", "refused", "timeout", "other")}
out.update(medianMs=round(statistics.median(ms), 3) if ms else None, p90Ms=q(0.9), count=count)
print(json.dumps(out))
`;
  return `python3 -c ${sh([py])} ${sh([ip, port, count, timeoutMs, concurrency])}`;
}

export interface UsageSample {
  /** CPU seconds used per wall second by the member (its cgroup, or the whole host over SSH). */
  cpuCores: number;
  /** Bytes read+written per second by the member. */
  ioBytesPerSecond: number;
  memoryBytes: number;
  source: "cgroup" | "host";
}

/** Samples the member's CPU, IO and memory over `seconds` from its cgroup (v1 or v2), else /proc. */
export function usageProbeScript(seconds: number): string {
  const py = `
import json, os, sys, time
def read(p):
    try:
        with open(p) as f: return f.read()
    except OSError: return None
def cpu():
    v = read("/sys/fs/cgroup/cpuacct/cpuacct.usage")
    if v: return int(v) / 1e9, "cgroup"
    v = read("/sys/fs/cgroup/cpu.stat")
    if v:
        for l in v.splitlines():
            if l.startswith("usage_usec"): return int(l.split()[1]) / 1e6, "cgroup"
    f = read("/proc/stat").splitlines()[0].split()[1:]
    return (int(f[0]) + int(f[1]) + int(f[2]) + int(f[5]) + int(f[6])) / os.sysconf("SC_CLK_TCK"), "host"
def io():
    # Bytes read and written through syscalls by every process of this member (its pid namespace in
    # the lab): counts buffered IO too, which cgroup v1's blkio attributes to the root cgroup.
    total, seen = 0, False
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            v = read("/proc/%s/io" % pid)
            if v:
                f = dict(l.split(": ") for l in v.splitlines())
                total += int(f.get("rchar", 0)) + int(f.get("wchar", 0)); seen = True
    if seen and os.path.exists("/.dockerenv"): return total
    v = read("/sys/fs/cgroup/blkio/blkio.throttle.io_service_bytes")
    if v: return sum(int(l.split()[2]) for l in v.splitlines() if len(l.split()) == 3 and l.split()[1] in ("Read", "Write"))
    v = read("/sys/fs/cgroup/io.stat")
    if v: return sum(int(kv.split("=")[1]) for l in v.splitlines() for kv in l.split()[1:] if kv.split("=")[0] in ("rbytes", "wbytes"))
    return sum((int(l.split()[5]) + int(l.split()[9])) * 512 for l in read("/proc/diskstats").splitlines() if len(l.split()) > 9)
def mem():
    v = read("/sys/fs/cgroup/memory/memory.usage_in_bytes") or read("/sys/fs/cgroup/memory.current")
    if v: return int(v)
    m = dict(l.split(":", 1) for l in read("/proc/meminfo").splitlines())
    return (int(m["MemTotal"].split()[0]) - int(m["MemAvailable"].split()[0])) * 1024
secs = float(sys.argv[1])
c0, src = cpu(); i0 = io(); t0 = time.time()
time.sleep(secs)
c1, _ = cpu(); i1 = io(); dt = time.time() - t0
print(json.dumps({"cpuCores": round((c1 - c0) / dt, 3), "ioBytesPerSecond": round((i1 - i0) / dt), "memoryBytes": mem(), "source": src}))
`;
  return `python3 -c ${sh([py])} ${sh([seconds])}`;
}

export interface HttpProbe {
  ok: number;
  failed: number;
}

/** `count` HTTP GETs (any status counts as an answer; a refused/timed-out request does not). */
export function httpProbeScript(url: string, count: number, timeoutMs: number): string {
  const py = `
import json, sys, urllib.request, urllib.error
url, count, timeout = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]) / 1000
ok = failed = 0
for _ in range(count):
    try:
        urllib.request.urlopen(url, timeout=timeout).read(); ok += 1
    except urllib.error.HTTPError:
        ok += 1
    except Exception:
        failed += 1
print(json.dumps({"ok": ok, "failed": failed}))
`;
  return `python3 -c ${sh([py])} ${sh([url, count, timeoutMs])}`;
}
