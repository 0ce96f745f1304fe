"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.tcpProbeScript = tcpProbeScript;
exports.usageProbeScript = usageProbeScript;
exports.httpProbeScript = httpProbeScript;
// Probe scripts run on a member to measure a fault's effect from outside the target (TCP, HTTP, usage).
const commands_1 = require("../../components/docker/commands");
/** `count` TCP connects to ip:port, `concurrency` at a time, each bounded by `timeoutMs`. Prints JSON. */
function tcpProbeScript(ip, port, count, timeoutMs, concurrency = 1) {
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
    return `python3 -c ${(0, commands_1.sh)([py])} ${(0, commands_1.sh)([ip, port, count, timeoutMs, concurrency])}`;
}
/**
 * Samples the member's CPU, IO and memory over `seconds` from its own accounting only: its cgroup (v1 or
 * v2, as a container sees it) and, for IO, its processes' /proc/<pid>/io (cgroup v1 misses buffered IO).
 * Outside a container the root cgroup and /proc are the whole host's: those figures are not reported.
 */
function usageProbeScript(seconds) {
    const py = `
import json, os, sys, time
def read(p):
    try:
        with open(p) as f: return f.read()
    except OSError: return None
own = os.path.exists("/.dockerenv") or os.path.exists("/run/.containerenv")
def cpu():
    if not own: return None, "none (not a container: no accounting of the member's own)"
    v = read("/sys/fs/cgroup/cpuacct/cpuacct.usage")
    if v: return int(v) / 1e9, "cgroup v1 cpuacct.usage"
    v = read("/sys/fs/cgroup/cpu.stat")
    if v:
        for l in v.splitlines():
            if l.startswith("usage_usec"): return int(l.split()[1]) / 1e6, "cgroup v2 cpu.stat"
    return None, "none (no cgroup cpu accounting)"
def io():
    if not own: return None, "none (not a container: no accounting of the member's own)"
    # Every process of this member (its pid namespace): counts buffered IO too, which cgroup v1's blkio
    # attributes to the root cgroup.
    total, seen = 0, False
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            v = read("/proc/%s/io" % pid)
            if v:
                f = dict(l.split(": ") for l in v.splitlines())
                total += int(f.get("rchar", 0)) + int(f.get("wchar", 0)); seen = True
    if seen: return total, "/proc/<pid>/io of the member's processes"
    v = read("/sys/fs/cgroup/io.stat")
    if v: return sum(int(kv.split("=")[1]) for l in v.splitlines() for kv in l.split()[1:] if kv.split("=")[0] in ("rbytes", "wbytes")), "cgroup v2 io.stat"
    return None, "none (no per-process or cgroup IO accounting)"
def mem():
    if not own: return None, "none (not a container: no accounting of the member's own)"
    v = read("/sys/fs/cgroup/memory/memory.usage_in_bytes")
    if v: return int(v), "cgroup v1 memory.usage_in_bytes"
    v = read("/sys/fs/cgroup/memory.current")
    if v: return int(v), "cgroup v2 memory.current"
    return None, "none (no cgroup memory accounting)"
secs = float(sys.argv[1])
(c0, cs), (i0, ios) = cpu(), io(); t0 = time.time()
time.sleep(secs)
c1, i1, dt = cpu()[0], io()[0], time.time() - t0
m, ms = mem()
rate = lambda a, b: None if a is None or b is None else round((b - a) / dt, 3)
print(json.dumps({"cpuCores": rate(c0, c1), "ioBytesPerSecond": rate(i0, i1), "memoryBytes": m, "source": {"cpu": cs, "io": ios, "memory": ms}}))
`;
    return `python3 -c ${(0, commands_1.sh)([py])} ${(0, commands_1.sh)([seconds])}`;
}
/** `count` HTTP GETs (any status counts as an answer; a refused/timed-out request does not). */
function httpProbeScript(url, count, timeoutMs) {
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
    return `python3 -c ${(0, commands_1.sh)([py])} ${(0, commands_1.sh)([url, count, timeoutMs])}`;
}
