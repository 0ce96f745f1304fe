"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.MAX_CLOCK_OFFSET_SECONDS = exports.INSTALL = exports.TOOLS = void 0;
exports.needsFor = needsFor;
exports.probeScript = probeScript;
exports.parseProbe = parseProbe;
exports.judgeHost = judgeHost;
exports.formatPreflight = formatPreflight;
// Preflight for a user's cluster: every inventory host checked over SSH before a plan is shown.
const commands_1 = require("../../components/docker/commands");
const plan_1 = require("../faults/plan");
const member_scripts_1 = require("../faults/member-scripts");
const transport_1 = require("./transport");
exports.TOOLS = ["iptables", "tc", "stress-ng", "python3", "curl", "pgchaos-delay", "systemctl", "systemd-run", "setsid"];
/** apt commands (Debian/Ubuntu) for a missing tool. */
exports.INSTALL = {
    iptables: "sudo apt-get install -y iptables",
    tc: "sudo apt-get install -y iproute2",
    "stress-ng": "sudo apt-get install -y stress-ng",
    python3: "sudo apt-get install -y python3",
    curl: "sudo apt-get install -y curl",
    netem: "sudo apt-get install -y linux-modules-extra-$(uname -r) && sudo modprobe sch_netem",
    "pgchaos-delay": "sudo apt-get install -y gcc libc6-dev libnetfilter-queue-dev libnetfilter-queue1 && gcc -O2 -o pgchaos-delay images/base/pgchaos-delay.c -lnetfilter_queue && sudo install pgchaos-delay /usr/local/bin/",
    systemd: "node-stop on this host needs systemd (systemctl, systemd-run) managing the service unit",
};
/** What each planned fault needs on each member (targets) — and python3 everywhere probes run. */
function needsFor(plans, verify, memberNames) {
    const out = new Map(memberNames.map((n) => [n, new Set()]));
    const add = (member, need) => out.get(member)?.add(need);
    for (const p of plans) {
        const need = (0, plan_1.toolNeed)(p);
        for (const t of p.targets)
            add(t, need);
    }
    // Verification probes (TCP connects, usage) are Python and run on targets and their peers alike.
    if (verify && plans.length)
        for (const n of memberNames)
            add(n, "python3");
    return out;
}
/**
 * The probe run on a host as the SSH user (no sudo: privileges are one of the things it checks). Prints
 * `key=value` lines. The clock handshake comes first: the host prints `ready`, waits for one line on
 * stdin, and prints its clock at once; the controller timestamps its write and the answer, so the offset
 * is bounded by that one round trip, not by SSH's connection setup.
 */
function probeScript(host, checkNetem) {
    const unit = host.serviceUnit ?? host.runs;
    const identity = {
        patroni: `curl -sf -m 3 http://127.0.0.1:8008/patroni`,
        etcd: `curl -sf -m 3 -X POST -d '{}' http://127.0.0.1:2379/v3/maintenance/status`,
        haproxy: `if pgrep -x haproxy >/dev/null; then echo '{"haproxy":true}'; fi`,
    }[host.runs];
    return [
        `echo ready`,
        `read -r _ || true`,
        `echo "clock=$(date +%s.%N)"`,
        `export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin:/usr/local/bin"`,
        `S=""; if [ "$(id -u)" = 0 ]; then echo priv=root; elif sudo -n true 2>/dev/null; then echo priv=sudo; S="sudo -n"; else echo priv=none; fi`,
        `for t in ${exports.TOOLS.join(" ")}; do if command -v "$t" >/dev/null 2>&1; then echo "tool=$t"; fi; done`,
        `if [ "$(id -u)" = 0 ] || [ -n "$S" ]; then`,
        `  if $S iptables -w -S >/dev/null 2>&1; then echo iptables_works=yes; else echo iptables_works=no; fi`,
        checkNetem ? `  echo "netem=$($S bash -c ${(0, commands_1.sh)([member_scripts_1.NETEM_PROBE])} 2>/dev/null || echo no)"` : `  :`,
        `fi`,
        host.lifecycle === "supervised"
            ? `if [ -f ${transport_1.SUPERVISOR_DIR}/want ]; then echo supervisor=yes; else echo supervisor=no; fi`
            : `echo "unit=$(systemctl is-active ${(0, commands_1.sh)([unit])} 2>/dev/null || true)"`,
        `echo "identity=$( { ${identity} ; } 2>/dev/null | tr -d '\\n')"`,
        `echo done=1`,
    ].join("\n");
}
function parseProbe(output) {
    const p = { complete: false, tools: new Set() };
    for (const line of output.split("\n")) {
        const i = line.indexOf("=");
        if (i < 0)
            continue;
        const [k, v] = [line.slice(0, i).trim(), line.slice(i + 1).trim()];
        if (k === "clock" && /^\d+(\.\d+)?$/.test(v))
            p.clock = Number(v);
        else if (k === "priv" && (v === "root" || v === "sudo" || v === "none"))
            p.priv = v;
        else if (k === "tool")
            p.tools.add(v);
        else if (k === "iptables_works")
            p.iptablesWorks = v === "yes";
        else if (k === "netem")
            p.netem = v === "yes";
        else if (k === "supervisor")
            p.supervisor = v === "yes";
        else if (k === "unit")
            p.unit = v;
        else if (k === "identity" && v) {
            try {
                p.identity = JSON.parse(v);
            }
            catch {
                p.identity = undefined;
            }
        }
        else if (k === "done")
            p.complete = true;
    }
    return p;
}
/** Clocks further apart than this make the report's timeline meaningless: refuse. */
exports.MAX_CLOCK_OFFSET_SECONDS = 5;
/**
 * The verdict on one host. `strict` (default: some planned fault acts on the host) makes every problem
 * refuse the plan; otherwise only evidence of another cluster does, and the rest are warnings — so a host
 * that is down or cut off (by a fault being removed, say) never blocks recovering the faults.
 */
function judgeHost(host, describe, probe, needs, scope, api, strict = [...needs].some((n) => n !== "python3")) {
    const v = { host: host.name, describe, ok: true, problems: [], warnings: [], facts: [] };
    const fail = (m) => (strict ? v.problems : v.warnings).push(m);
    const foreign = (m) => v.problems.push(m);
    if (probe.error !== undefined || probe.output === undefined) {
        fail(`not reachable over SSH (${describe}): ${(probe.error ?? "no output").split("\n").filter(Boolean).slice(-2).join(" / ")}`);
        v.ok = v.problems.length === 0;
        return v;
    }
    const p = parseProbe(probe.output);
    if (!p.complete)
        fail("the probe did not run to its end (is bash the login shell's bash? is the output cut?)");
    const j = { v, fail, foreign };
    judgePrivileges(j, host, p);
    judgeClock(j, p, probe);
    judgeTools(j, host, p, needs);
    judgeMembership(j, host, p, scope, api);
    v.ok = v.problems.length === 0;
    return v;
}
/** Privileges: root, or passwordless sudo where the inventory says sudo. */
function judgePrivileges({ v, fail }, host, p) {
    if (p.priv === "root")
        v.facts.push("root");
    else if (p.priv === "sudo")
        v.facts.push(host.sudo ? "passwordless sudo" : "passwordless sudo available but sudo: false and not root");
    if (p.priv === "none" || (!host.sudo && p.priv !== "root")) {
        fail(host.sudo
            ? `\`sudo -n true\` fails for ${host.user}: grant passwordless sudo (e.g. echo '${host.user} ALL=(ALL) NOPASSWD: ALL' | sudo tee /etc/sudoers.d/pgchaos)`
            : `${host.user} is not root and sudo is false: faults need root (set sudo: true with passwordless sudo, or connect as root)`);
    }
}
/** Clock: the host's offset from the controller's, within the handshake's uncertainty. */
function judgeClock({ v, fail }, p, probe) {
    if (p.clock !== undefined) {
        const mid = (probe.t0 + probe.t1) / 2;
        v.clockOffsetSeconds = Math.round((p.clock - mid) * 1000) / 1000;
        v.clockUncertaintySeconds = Math.round(((probe.t1 - probe.t0) / 2) * 1000) / 1000;
        v.facts.push(`clock offset ${v.clockOffsetSeconds >= 0 ? "+" : ""}${v.clockOffsetSeconds.toFixed(3)} s (±${v.clockUncertaintySeconds.toFixed(3)})`);
        if (Math.abs(v.clockOffsetSeconds) - v.clockUncertaintySeconds > exports.MAX_CLOCK_OFFSET_SECONDS) {
            fail(`clock is ${v.clockOffsetSeconds.toFixed(3)} s off the controller's (more than ${exports.MAX_CLOCK_OFFSET_SECONDS} s): the report's timeline would be wrong; sync it (chrony/systemd-timesyncd)`);
        }
    }
    else
        fail("clock not read (`date +%s.%N` printed nothing usable)");
}
/** Tools each planned fault needs on this host. */
function judgeTools({ v, fail }, host, p, needs) {
    const missing = (tool) => !p.tools.has(tool);
    const needTool = (tool, why) => {
        if (missing(tool))
            fail(`${tool} missing (needed for ${why}): ${exports.INSTALL[tool]}`);
    };
    for (const need of needs) {
        if (need === "iptables") {
            needTool("iptables", "loss/reset/partition");
            if (!missing("iptables") && p.iptablesWorks === false)
                fail("`iptables -w -S` fails as root (nftables-only kernel? try update-alternatives --set iptables /usr/sbin/iptables-legacy or install iptables-nft)");
        }
        else if (need === "python3")
            needTool("python3", "verification probes");
        else if (need === "stress-ng")
            needTool("stress-ng", "stress");
        else if (need === "delay") {
            const netem = p.tools.has("tc") && p.netem === true;
            const delayer = p.tools.has("pgchaos-delay") && p.tools.has("iptables");
            if (!netem && !delayer) {
                fail(`delay impossible: ${!p.tools.has("tc") ? `tc missing (${exports.INSTALL.tc})` : p.netem === false ? `the kernel has no sch_netem (${exports.INSTALL.netem})` : "netem not probed"}` +
                    ` and the fallback pgchaos-delay is missing (${exports.INSTALL["pgchaos-delay"]})`);
            }
            else
                v.facts.push(netem ? "delay via netem" : "delay via NFQUEUE + pgchaos-delay");
        }
        else if (need === "lifecycle") {
            if (host.lifecycle === "supervised") {
                if (!p.supervisor)
                    fail(`node-stop: no pgchaos supervisor on this host (${transport_1.SUPERVISOR_DIR}/want missing); lifecycle "supervised" is the lab's SSH mode only`);
            }
            else {
                if (missing("systemctl") || missing("systemd-run"))
                    fail(`node-stop: ${exports.INSTALL.systemd}`);
                else if (p.unit !== "active")
                    fail(`node-stop: unit ${host.serviceUnit ?? host.runs} is ${p.unit || "unknown"}, not active (set serviceUnit to the unit that runs ${host.runs})`);
            }
        }
    }
    const toolsSeen = [...p.tools].filter((t) => ["iptables", "tc", "stress-ng", "python3", "pgchaos-delay"].includes(t));
    v.facts.push(`tools: ${toolsSeen.join(" ") || "none"}`);
}
/** Membership: the host reached over SSH is the cluster member the API calls by this name, in this scope. */
function judgeMembership({ v, fail, foreign }, host, p, scope, api) {
    if (host.runs === "patroni") {
        const viaApi = api.patroni[host.name];
        const local = p.identity;
        if (!viaApi || "error" in viaApi)
            fail(`Patroni REST ${host.restUrl} did not answer: ${viaApi?.error ?? "not read"}`);
        else if (viaApi.patroni?.scope !== scope)
            foreign(`Patroni at ${host.restUrl} belongs to scope ${JSON.stringify(viaApi.patroni?.scope)}, not ${JSON.stringify(scope)}: refusing to touch another cluster`);
        else if (!local)
            fail("Patroni does not answer on the host itself (curl http://127.0.0.1:8008/patroni over SSH): is this the right host?");
        else if (local.patroni?.scope !== scope)
            foreign(`the host's own Patroni belongs to scope ${JSON.stringify(local.patroni?.scope)}, not ${JSON.stringify(scope)}`);
        else if (local.database_system_identifier !== viaApi.database_system_identifier || local.postmaster_start_time !== viaApi.postmaster_start_time) {
            foreign(`the host reached over SSH is not the Patroni member at ${host.restUrl} (system identifier / postmaster start differ)`);
        }
        else if (api.clusterMembers && !api.clusterMembers.includes(host.name)) {
            fail(`Patroni's /cluster has no member named ${host.name} (members: ${api.clusterMembers.join(", ")}): inventory names must be Patroni's member names, or roles cannot resolve`);
        }
        else
            v.facts.push(`Patroni member ${host.name} of scope ${scope}`);
    }
    else if (host.runs === "etcd") {
        const viaApi = api.etcd[host.name];
        const local = p.identity;
        if (!viaApi || "error" in viaApi)
            fail(`etcd ${host.clientUrl} did not answer: ${viaApi?.error ?? "not read"}`);
        else if (!local)
            fail("etcd does not answer on the host itself (127.0.0.1:2379 over SSH): is this the right host?");
        else if (local.header?.member_id !== viaApi.header?.member_id)
            foreign(`the host reached over SSH is not the etcd member at ${host.clientUrl} (member ids differ)`);
        else if (api.etcdMembers && !api.etcdMembers.includes(host.name))
            fail(`etcd has no member named ${host.name} (members: ${api.etcdMembers.join(", ")}): inventory names must be etcd's member names`);
        else
            v.facts.push(`etcd member ${host.name}`);
    }
    else if (!p.identity)
        fail("no haproxy process on the host");
    else
        v.facts.push("haproxy running");
}
function formatPreflight(scope, verdicts) {
    const bad = verdicts.filter((v) => !v.ok);
    const head = bad.length
        ? `preflight FAILED for ${bad.length} of ${verdicts.length} host(s) of scope ${scope}: nothing was applied`
        : `preflight OK: ${verdicts.length} host(s) of scope ${scope}`;
    return [head, ...verdicts.map((v) => [
            `  ${v.ok ? (v.warnings.length ? "warn" : "ok  ") : "FAIL"} ${v.host} (${v.describe}): ${v.facts.join("; ")}`,
            ...v.problems.map((p) => `         - ${p}`),
            ...v.warnings.map((p) => `         ~ ${p} (no planned fault acts on this host: not refused)`),
        ].join("\n"))].join("\n");
}
