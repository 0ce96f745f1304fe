import { sh } from "../../components/docker/commands";
import type { DcsConfig } from "../../stacks/config";
import { PlanError, resolveAll, resolveSelector, type Member, type World } from "../targets/world";
import type { FaultSpec } from "./spec";
import { httpProbeScript, tcpProbeScript, usageProbeScript } from "./probes";
import type { Rule } from "./verify";
import { withSshKey } from "../targets/inventory";
import { HOST_WATCHDOG_DIR } from "../targets/transport";
import * as ms from "./member-scripts";
import * as nf from "./netfilter";
import * as mech from "./mechanism";

/**
 * A fault's plan: pure data built from its spec and the live cluster. Inject and recover live side by
 * side here for every kind; where they run is each member's transport. The plan is what `pulumi
 * preview` shows (blast radius) and what the fault resource executes.
 */
export interface FaultPlan {
  name: string;
  kind: FaultSpec["kind"];
  /** The spec with defaults filled in: the fault's identity (a change replaces it). */
  spec: FaultSpec & { durationSeconds: number };
  /** Members the fault acts on, and the links it cuts or degrades ("pg1 -> etcd2"). */
  targets: string[];
  links: string[];
  mechanism: string;
  /** One-line prose of what should happen, for preview and the report. */
  expectedEffect: string;
  /** Controller-side scripts. inject prints one JSON line per target: {"member","injectedAt","clock"}. */
  inject: string;
  recover: string;
  /** Exit 0 while the fault is in place, 3 when it is gone (refresh drops the resource). */
  check: string;
  /** Controller-side re-check of the mechanism: one status line per target (see mechanism.ts). */
  mechanismCheck: string;
  /** Seconds the fault acts before its own watchdog (or flapping schedule) ends it. */
  activeSeconds: number;
  /** Two faults sharing a key cannot be applied together (e.g. two delays on one interface). */
  conflictKeys: string[];
  /** How the fault's effect is measured from outside the target after inject, and gone after recover. */
  verification: Verification;
}

export interface ProbeSpec {
  type: "tcp" | "usage" | "http" | "state";
  /** Controller-side script printing the probe's result (JSON, or the state word). */
  script: string;
}

export interface Verification {
  rule: Rule;
  /** Probed just before inject (e.g. the round trip a delay adds to). */
  baseline: ProbeSpec[];
  /** Probed after inject until the rule holds or the bound passes, and again after recover. */
  probes: ProbeSpec[];
  /** Seconds inject may take to show its effect. */
  boundSeconds: number;
}

/**
 * The port TCP probes connect to: one with a deep listen backlog (PostgreSQL, etcd, HAProxy stats).
 * Patroni's REST port drops bare connects even without a fault (its backlog is tiny), so it is used
 * only for HTTP probes.
 */
export const servicePort = (m: Member): number => ({ patroni: 5432, etcd: 2379, haproxy: 8404, monitoring: m.ports.http ?? 9090 })[m.kind];
const serviceUrl = (m: Member) => `http://${m.ip}:${({ patroni: 8008, etcd: 2379, haproxy: 8404, monitoring: m.ports.http ?? 9090 })[m.kind]}/`;
const tcpFrom = (from: Member, to: Member, port: number, count: number, timeoutMs: number, concurrency = 1): ProbeSpec =>
  ({ type: "tcp", script: from.transport.exec(tcpProbeScript(to.ip, port, count, timeoutMs, concurrency)) });
const LISTENS: Record<Member["kind"], number[]> = { patroni: [5432, 8008], etcd: [2379, 2380], haproxy: [5000, 5001, 8404], monitoring: [9090, 9093] };

export interface PlanContext {
  world: World;
  dcs: DcsConfig;
  defaultDurationSeconds: number;
}

const stamp = (member: string, clock: "member" | "controller") =>
  `printf '{"member":"%s","injectedAt":%s,"clock":"%s"}\\n' ${sh([member])} "$(${ms.TIMESTAMP})" ${clock}`;

/** A fault whose effect lives inside each target: armed watchdog, then apply; recover disarms and reverts. */
function insideTargets(fault: string, targets: Member[], apply: (m: Member) => string, revert: (m: Member) => string, present: (m: Member) => string, seconds: number, tests: (m: Member) => mech.MechanismTest[]) {
  return {
    mechanismCheck: targets.map((m) => mech.onMember(m, mech.memberCheck(m.name, fault, tests(m), present(m)))).join("\n"),
    activeSeconds: seconds,
    inject: targets.map((m) => m.transport.exec([ms.armWatchdog(fault, revert(m), seconds), apply(m), stamp(m.name, "member")].join("\n"))).join("\n"),
    recover: targets.map((m) => m.transport.execIfUp([ms.disarmWatchdog(fault), revert(m), ms.removeStateFiles(fault)].join("\n"))).join("\n"),
    check: `present=0\n${targets.map((m) => `if ${m.transport.exec(present(m))} >/dev/null 2>&1; then present=1; fi`).join("\n")}\n[ "$present" = 1 ] || exit 3`,
  };
}

/** A fault that stops members: the watchdog lives outside them (see Lifecycle.armWatchdog). */
function lifecycleFault(fault: string, targets: Member[], mode: "stop" | "kill" | "pause", seconds: number) {
  return {
    mechanismCheck: targets.map((m) => mech.lifecycleCheck(m, mode)).join("\n"),
    activeSeconds: seconds,
    inject: targets.map((m) => [m.transport.lifecycle.armWatchdog(fault, seconds), stamp(m.name, "controller"), m.transport.lifecycle.stop(mode)].join("\n")).join("\n"),
    recover: targets.map((m) => [m.transport.lifecycle.disarmWatchdog(fault), m.transport.lifecycle.start()].join("\n")).join("\n"),
    check: `present=0\n${targets.map((m) => `[ "$(${m.transport.lifecycle.state()} 2>/dev/null)" = running ] || present=1`).join("\n")}\n[ "$present" = 1 ] || exit 3`,
  };
}

/** How long past a flap's down phase its per-stop watchdog waits before starting the member itself. */
export const FLAP_WATCHDOG_GRACE_SECONDS = 60;

/**
 * Flapping at a fixed rhythm, which a `pulumi up` per stop and per start (seconds each) cannot give: inject
 * stops the members (cycle 1) and leaves a detached loop on the controller that starts them after
 * `downSeconds`, stops them again after `upSeconds`, `cycles` times. Every stop arms the member's
 * lifecycle watchdog (on its host for SSH targets) for downSeconds + grace, so a dead controller leaves no
 * member down for long. Recover kills the loop's whole process group (an in-flight stop included), then
 * starts every member. Verification judges the state and an HTTP probe recorded right after the first
 * stop (the loop may have restarted the member by the time the provider verifies).
 */
function flapFault(fault: string, targets: Member[], prober: Member, mode: "stop" | "kill" | "pause", cycles: number, downS: number, upS: number) {
  const loop = `"$WD"/${sh([`flap-${fault}.sh`])}`;
  const recorded = (m: Member, what: "state" | "http") => `"$WD"/${sh([`flap-${fault}.${m.name}.${what}`])}`;
  const stopAll = targets.map((m) => [m.transport.lifecycle.armWatchdog(fault, downS + FLAP_WATCHDOG_GRACE_SECONDS), m.transport.lifecycle.stop(mode)].join("\n")).join("\n");
  const startAll = targets.map((m) => [m.transport.lifecycle.disarmWatchdog(fault), m.transport.lifecycle.start()].join("\n")).join("\n");
  const body = withSshKey([
    // $1: when cycle 1's stop ended (inject probed the effect since): its down phase is only the rest.
    `first=$(awk -v d=${downS} -v t="$1" -v n="$(date +%s.%N)" 'BEGIN { r = d - (n - t); print (r > 0 ? r : 0) }')`,
    "i=1",
    "while :; do",
    `  if [ "$i" = 1 ]; then sleep "$first"; else sleep ${downS}; fi`,
    `  ${startAll}`,
    `  echo "up $i $(date +%s.%N)" >> "$0.log"`,
    `  [ "$i" -ge ${cycles} ] && break`,
    `  sleep ${upS}`,
    "  i=$((i + 1))",
    `  ${stopAll}`,
    `  echo "down $i $(date +%s.%N)" >> "$0.log"`,
    "done",
    `rm -f "$0.pid"`,
  ].join("\n"));
  const loopPid = `p=$(cat ${loop}.pid 2>/dev/null || true)`;
  return {
    mechanismCheck: `WD=${HOST_WATCHDOG_DIR}\n${mech.flapCheck(loop, targets, upS)}`,
    activeSeconds: cycles * (downS + upS),
    inject: [
      `WD=${HOST_WATCHDOG_DIR}; mkdir -p "$WD"`,
      ...targets.map((m) => stamp(m.name, "controller")),
      stopAll,
      "stopped_at=$(date +%s.%N)",
      // What the first stop did, measured now: verification reads it (see above).
      ...targets.map((m) => `${m.transport.lifecycle.state()} > ${recorded(m, "state")} 2>/dev/null || echo unknown > ${recorded(m, "state")}\n` +
        `${prober.transport.exec(httpProbeScript(serviceUrl(m), 2, 1000))} > ${recorded(m, "http")} 2>/dev/null || true`),
      `printf '%s' ${sh([body])} > ${loop}`,
      `echo "down 1 $(date +%s.%N)" > ${loop}.log`,
      `setsid nohup bash ${loop} "$stopped_at" >/dev/null 2>&1 < /dev/null &`,
      `echo $! > ${loop}.pid`,
    ].join("\n"),
    recover: [
      `WD=${HOST_WATCHDOG_DIR}`,
      // setsid made the loop a process-group leader: the group takes an in-flight docker stop / ssh with it.
      `${loopPid}; if [ -n "$p" ] && tr '\\0' ' ' < /proc/$p/cmdline 2>/dev/null | grep -qF -- ${sh([`flap-${fault}.sh`])}; then kill -TERM -- "-$p" 2>/dev/null || true; sleep 1; fi`,
      startAll,
      `rm -f ${loop} ${loop}.pid ${loop}.log ${targets.map((m) => `${recorded(m, "state")} ${recorded(m, "http")}`).join(" ")}`,
    ].join("\n"),
    check: [
      `WD=${HOST_WATCHDOG_DIR}; present=0`,
      `${loopPid}; if [ -n "$p" ] && kill -0 "$p" 2>/dev/null; then present=1; fi`,
      ...targets.map((m) => `[ "$(${m.transport.lifecycle.state()} 2>/dev/null)" = running ] || present=1`),
      `[ "$present" = 1 ] || exit 3`,
    ].join("\n"),
    verification: {
      rule: { type: "down", state: mode === "pause" ? "paused" : "stopped", configured: `${names(targets).join(",")} ${mode} (first of ${cycles} cycles)` },
      baseline: [],
      // After recover the recorded files are gone and the state probe reads the live state.
      probes: targets.flatMap((m): ProbeSpec[] => [
        { type: "state", script: `WD=${HOST_WATCHDOG_DIR}; if [ -f ${recorded(m, "state")} ]; then cat ${recorded(m, "state")}; else ${m.transport.lifecycle.state()}; fi` },
        { type: "http", script: `WD=${HOST_WATCHDOG_DIR}; cat ${recorded(m, "http")} 2>/dev/null || true` },
      ]),
      boundSeconds: 45,
    } satisfies Verification,
  };
}

/** The cluster's other members: default peers and probers (monitoring containers are named explicitly or not at all). */
const others = (world: World, exclude: Member[]) => world.members.filter((m) => m.kind !== "monitoring" && !exclude.some((e) => e.name === m.name));
const names = (ms_: Member[]) => ms_.map((m) => m.name);
const roleNote = (world: World, m: Member) =>
  m.name === world.live.patroniLeader ? " [primary]" : m.name === world.live.etcdLeader ? " [etcd leader]" : m.kind === "patroni" ? " [replica]" : "";

function resolvePeers(world: World, targets: Member[], peers: string[] | undefined): Member[] {
  const resolved = peers ? resolveAll(peers, world) : others(world, targets);
  const list = resolved.filter((p) => !targets.some((t) => t.name === p.name));
  if (!list.length) throw new PlanError("no peers left after removing the targets themselves");
  return list;
}

function failoverExpectation(world: World, dcs: DcsConfig, hit: Member[]): string {
  const leaderHit = hit.some((m) => m.name === world.live.patroniLeader);
  const bound = dcs.ttl + dcs.loopWait;
  return leaderHit
    ? `the primary is hit → Patroni should elect a new leader within ttl + loop_wait ≈ ${bound} s; writes through HAProxy fail meanwhile`
    : hit.some((m) => m.kind === "patroni")
      ? "a replica is hit → no failover expected; reads through the read-only port move to the other replicas"
      : "";
}

/**
 * Inject never leaves a fault half-applied: when any step fails (on any target), recover runs for all
 * targets (it is idempotent) and the original error is what the user sees.
 */
export const INJECT_RECOVER_FAILED = "RECOVERING THE FAILED INJECT FAILED TOO: run pgchaos doctor --fix";

export function atomicInject(inject: string, recover: string): string {
  return [
    "set +e",
    `( set -e\n${inject}\n)`,
    "rc=$?",
    "set -e",
    // A recover that fails here is said (never hidden): the fault may be half-applied.
    `if [ "$rc" -ne 0 ]; then echo "inject failed (exit $rc): recovering what was applied" >&2; if ! ( ${recover}\n) >&2; then echo "${INJECT_RECOVER_FAILED}" >&2; fi; exit "$rc"; fi`,
  ].join("\n");
}

export function planFault(spec: FaultSpec, ctx: PlanContext): FaultPlan {
  const plan = planFaultSteps(spec, ctx);
  const monitors = plan.targets.filter((t) => ctx.world.members.find((m) => m.name === t)?.kind === "monitoring");
  if (spec.kind !== "node-stop" && monitors.length) throw new PlanError(`${spec.name}: ${spec.kind} cannot target ${monitors.join(", ")}: the monitoring containers take node-stop faults only`);
  return { ...plan, inject: atomicInject(plan.inject, plan.recover) };
}

function planFaultSteps(spec: FaultSpec, ctx: PlanContext): FaultPlan {
  const { world, dcs } = ctx;
  const seconds = spec.durationSeconds ?? ctx.defaultDurationSeconds;
  const full = { ...spec, durationSeconds: seconds } as FaultPlan["spec"];
  const f = spec.name;
  const exempt = (m: Member) => m.transport.protectedTcpPorts;
  const install = (m: Member, rules: nf.ChainRules) => nf.installChains(f, rules, exempt(m));
  const chains = (rules: nf.ChainRules) => (m: Member) => mech.chainTests(f, rules, exempt(m));
  const base = { name: f, kind: spec.kind, spec: full };

  switch (spec.kind) {
    case "node-stop": {
      const targets = resolveSelector(spec.target, world);
      return {
        ...base, ...lifecycleFault(f, targets, spec.mode, seconds),
        targets: names(targets), links: [], mechanism: `${spec.mode} (${targets.map((t) => t.transport.describe).join(", ")})`,
        expectedEffect: `${targets.map((t) => `${t.name}${roleNote(world, t)}`).join(", ")} ${spec.mode === "pause" ? "frozen" : spec.mode === "kill" ? "killed (SIGKILL)" : "stopped"}; ${failoverExpectation(world, dcs, targets) || "its service stops answering"}`,
        conflictKeys: targets.map((t) => `lifecycle:${t.name}`),
        verification: downVerification(world, targets, spec.mode),
      };
    }
    case "loss":
    case "reset":
    case "delay": {
      const targets = resolveSelector(spec.target, world);
      const peers = resolvePeers(world, targets, spec.peers);
      const peerIps = peers.map((p) => p.ip);
      const arrow = spec.kind === "loss" ? { in: "<-", out: "->", both: "<->" }[spec.direction] : spec.kind === "delay" ? "->" : "<->";
      const links = targets.flatMap((t) => peers.map((p) => `${t.name} ${arrow} ${p.name}`));
      if (spec.kind === "loss") {
        return {
          ...base, ...insideTargets(f, targets, (m) => install(m, nf.lossRules(peerIps, spec.percent, spec.direction)), () => nf.removeChains(f), () => nf.chainsPresent(f), seconds, chains(nf.lossRules(peerIps, spec.percent, spec.direction))),
          targets: names(targets), links, mechanism: `iptables statistic DROP (chains ${nf.chainName(f, "INPUT")}/${nf.chainName(f, "OUTPUT")})`,
          expectedEffect: `${spec.percent}% of packets ${spec.direction === "both" ? "both ways" : spec.direction === "in" ? "from the peers" : "to the peers"} dropped; TCP retransmits, latency and replication lag rise`,
          conflictKeys: [],
          // A connect from a peer needs its SYN in and the SYN-ACK out: one lossy crossing, or two for "both".
          verification: {
            rule: { type: "fail-share", expectedShare: spec.direction === "both" ? 1 - (1 - spec.percent / 100) ** 2 : spec.percent / 100, configured: `${spec.percent}% loss ${spec.direction}` },
            baseline: [], probes: [tcpFrom(peers[0], targets[0], servicePort(targets[0]), 200, 300, 25)], boundSeconds: 10,
          },
        };
      }
      if (spec.kind === "reset") {
        return {
          ...base, ...insideTargets(f, targets, (m) => install(m, nf.resetRules(peerIps, spec.ports)), () => nf.removeChains(f), () => nf.chainsPresent(f), seconds, chains(nf.resetRules(peerIps, spec.ports))),
          targets: names(targets), links, mechanism: `iptables REJECT --reject-with tcp-reset on ports ${spec.ports.join(",")}`,
          expectedEffect: `every TCP connection on ports ${spec.ports.join(",")} between them is reset; ${failoverExpectation(world, dcs, targets) || "clients reconnect and fail"}`,
          conflictKeys: [],
          verification: resetVerification(targets[0], peers[0], spec.ports),
        };
      }
      const mechanismFor = (m: Member): "netem" | "nfqueue" | "auto" => {
        const netem = world.live.netem[m.name];
        if (spec.mechanism === "netem" && netem === false) throw new PlanError(`delay ${f}: mechanism netem requested but ${m.name}'s kernel has no sch_netem`);
        if (spec.mechanism !== "auto") return spec.mechanism;
        return netem === undefined ? "auto" : netem ? "netem" : "nfqueue";
      };
      const q = ms.queueNumber(f);
      const netemApply = ms.netemApply(f, peerIps, spec.delayMs, spec.jitterMs);
      const nfqApply = `${nf.installChains(f, nf.nfqueueRules(peerIps, q))}\n${ms.delayerStart(f, q, spec.delayMs, spec.jitterMs)}`;
      const apply = (m: Member) => {
        const mech = mechanismFor(m);
        if (mech === "netem") return netemApply;
        if (mech === "nfqueue") return nfqApply;
        return `if [ "$(${ms.NETEM_PROBE})" = yes ]; then\n${netemApply}\nelse\n${nfqApply}\nfi`;
      };
      // Revert both mechanisms: safe (each removes only its own objects) and right after an auto choice.
      const revert = () => [ms.netemRevert(f), ms.delayerStop(f), nf.removeChains(f)].join("\n");
      const present = () => `${nf.chainsPresent(f)} || (${ms.netemPresent(f)})`;
      const mechs = [...new Set(targets.map(mechanismFor))];
      const nfqTests = (m: Member) => [...mech.chainTests(f, nf.nfqueueRules(peerIps, q), []), mech.delayerTest(f)];
      const tests = (m: Member) => ({ netem: [mech.netemTest(f)], nfqueue: nfqTests(m), auto: mech.eitherDelay(f, nfqTests(m)) })[mechanismFor(m)];
      return {
        ...base, ...insideTargets(f, targets, apply, revert, present, seconds, tests),
        targets: names(targets), links,
        mechanism: mechs.map((m) => m === "netem" ? `tc netem (prio handle ${ms.tcHandle(f)}:)` : m === "nfqueue" ? `NFQUEUE ${q} + pgchaos-delay (kernel has no sch_netem)` : "netem if the kernel has it, else NFQUEUE delayer (decided at inject)").join(" / "),
        expectedEffect: `+${spec.delayMs} ms${spec.jitterMs ? ` ±${spec.jitterMs} ms` : ""} on packets from ${names(targets).join(",")} to ${names(peers).join(",")}: round trips grow by that much`,
        conflictKeys: targets.map((t) => `delay:${t.name}`),
        verification: delayVerification(peers[0], targets[0], spec.delayMs, spec.jitterMs),
      };
    }
    case "partition": {
      const a = resolveAll(spec.groupA, world);
      const b = (spec.groupB ? resolveAll(spec.groupB, world) : others(world, a)).filter((m) => !a.some((x) => x.name === m.name));
      if (!b.length) throw new PlanError(`partition ${f}: group B is empty once group A is removed from it`);
      const bIps = b.map((m) => m.ip);
      const symmetric = spec.mode === "symmetric";
      return {
        ...base, ...insideTargets(f, a, (m) => install(m, nf.partitionRules(bIps, symmetric)), () => nf.removeChains(f), () => nf.chainsPresent(f), seconds, chains(nf.partitionRules(bIps, symmetric))),
        targets: names(a), links: a.flatMap((x) => b.map((y) => `${x.name} ${symmetric ? "<-/->" : "-/->"} ${y.name}`)),
        mechanism: `iptables DROP (chains ${nf.chainName(f, "INPUT")}/${nf.chainName(f, "OUTPUT")} on ${names(a).join(",")})`,
        expectedEffect: `{${names(a).join(",")}} cut off from {${names(b).join(",")}}${symmetric ? "" : " (one way: A → B)"}; ${failoverExpectation(world, dcs, a)}`,
        conflictKeys: [],
        // From B to A: symmetric drops the SYN, one-way drops A's SYN-ACK; either way nothing connects.
        verification: {
          rule: { type: "blocked", configured: `${spec.mode} partition {${names(a).join(",")}} / {${names(b).join(",")}}` },
          baseline: [], probes: [tcpFrom(b[0], a[0], servicePort(a[0]), 10, 300, 10)], boundSeconds: 10,
        },
      };
    }
    case "stress": {
      const targets = resolveSelector(spec.target, world);
      const what = spec.resource === "cpu" ? `${spec.workers} CPU worker(s) at ${spec.loadPercent}%` : `${spec.workers} ${spec.resource} worker(s) of ${spec.bytes}`;
      return {
        ...base, ...insideTargets(f, targets, () => ms.stressStart(f, spec.resource, spec.workers, spec.loadPercent, spec.bytes, seconds), () => ms.stressStop(f), () => ms.stressAlive(f), seconds, () => mech.stressTests(f, spec.workers)),
        targets: names(targets), links: [], mechanism: `stress-ng (${ms.stressProcess(f)}), ${what}, --timeout ${seconds}s`,
        expectedEffect: `${spec.resource} pressure on ${targets.map((t) => `${t.name}${roleNote(world, t)}`).join(", ")}; on a small host every member shares the cores, so expect collateral latency elsewhere`,
        conflictKeys: targets.map((t) => `stress-${spec.resource}:${t.name}`),
        verification: stressVerification(targets[0], spec.resource, spec.workers, spec.loadPercent, spec.bytes, what),
      };
    }
    case "etcd-outage": {
      const etcd = world.members.filter((m) => m.kind === "etcd");
      const chooseMembers = (): Member[] => {
        if (Array.isArray(spec.members)) return resolveAll(spec.members, world);
        if (spec.members > etcd.length) throw new PlanError(`etcd-outage ${f}: members = ${spec.members} but etcd has ${etcd.length}`);
        const followersFirst = [...etcd.filter((m) => m.name !== world.live.etcdLeader), ...etcd.filter((m) => m.name === world.live.etcdLeader)];
        return followersFirst.slice(0, spec.members);
      };
      const quorumLost = (n: number) => n > etcd.length - Math.floor(etcd.length / 2) - 1;
      if (spec.variant === "stop") {
        const targets = chooseMembers();
        const lost = quorumLost(targets.length);
        return {
          ...base, ...lifecycleFault(f, targets, spec.mode, seconds),
          targets: names(targets), links: [], mechanism: `${spec.mode} etcd member(s)`,
          expectedEffect: lost
            ? `${targets.length} of ${etcd.length} etcd members down → quorum lost; Patroni cannot renew the leader key: the primary demotes after ttl (${dcs.ttl} s) unless failsafe_mode is on`
            : `${targets.length} of ${etcd.length} etcd members down → quorum kept; no failover expected`,
          conflictKeys: targets.map((t) => `lifecycle:${t.name}`),
          verification: downVerification(world, targets, spec.mode),
        };
      }
      if (spec.variant === "block-client") {
        const from = resolveAll(spec.from, world);
        const ips = etcd.map((m) => m.ip);
        return {
          ...base, ...insideTargets(f, from, (m) => install(m, nf.blockPortRules(ips, 2379)), () => nf.removeChains(f), () => nf.chainsPresent(f), seconds, chains(nf.blockPortRules(ips, 2379))),
          targets: names(from), links: from.flatMap((x) => etcd.map((e) => `${x.name} -/-> ${e.name}:2379`)),
          mechanism: "iptables DROP to etcd's client port",
          expectedEffect: `${names(from).join(",")} cannot reach etcd → ${from.some((m) => m.name === world.live.patroniLeader) ? `the primary cannot renew its leader key: it demotes after ttl (${dcs.ttl} s) unless failsafe_mode lets it stay` : "those replicas cannot see the DCS; no failover expected"}`,
          conflictKeys: [],
          // The rule sits in the Patroni node's OUTPUT: only a connect from there can show it.
          verification: {
            rule: { type: "blocked", configured: `${names(from).join(",")} → etcd:2379 dropped` },
            baseline: [], probes: [tcpFrom(from[0], etcd[0], 2379, 5, 300, 5)], boundSeconds: 10,
          },
        };
      }
      if (spec.variant === "flap") {
        const targets = chooseMembers();
        const total = spec.cycles * (spec.downSeconds + spec.upSeconds);
        if (seconds < total) throw new PlanError(`etcd-outage ${f}: durationSeconds = ${seconds} is shorter than cycles × (downSeconds + upSeconds) = ${total}: raise durationSeconds or shorten the flapping`);
        const lost = quorumLost(targets.length);
        const { verification, ...scripts } = flapFault(f, targets, others(world, targets)[0], spec.mode, spec.cycles, spec.downSeconds, spec.upSeconds);
        return {
          ...base, ...scripts, verification,
          targets: names(targets), links: [],
          mechanism: `flapping: ${spec.cycles} × (${spec.mode} for ${spec.downSeconds} s, up for ${spec.upSeconds} s) driven by a loop on the controller; each stop arms a watchdog (${spec.downSeconds + FLAP_WATCHDOG_GRACE_SECONDS} s)`,
          expectedEffect: `${targets.map((t) => `${t.name}${roleNote(world, t)}`).join(", ")} down and up ${spec.cycles} times over ≈ ${total} s; ${lost ? "quorum is lost while they are down: the primary demotes after ttl unless failsafe_mode is on" : "quorum kept: etcd re-elects when its leader goes down; no Patroni failover expected"}`,
          conflictKeys: targets.map((t) => `lifecycle:${t.name}`),
        };
      }
      // slow: a delay on every chosen etcd member's traffic.
      const targets = chooseMembers();
      const peers = spec.slowFor === "clients" ? ["all-patroni"] : undefined;
      const perTarget = targets.map((t) => planFaultSteps({ kind: "delay", name: f, target: t.name, peers, delayMs: spec.delayMs, jitterMs: 0, mechanism: "auto", durationSeconds: seconds }, ctx));
      const etcdCount = world.members.filter((m) => m.kind === "etcd").length;
      const perMemberTimeout = dcs.retryTimeout / Math.max(1, etcdCount);
      return {
        ...base,
        inject: perTarget.map((p) => p.inject).join("\n"),
        recover: perTarget.map((p) => p.recover).join("\n"),
        check: `present=0\n${perTarget.map((p) => `if (${p.check}) >/dev/null 2>&1; then present=1; fi`).join("\n")}\n[ "$present" = 1 ] || exit 3`,
        mechanismCheck: perTarget.map((p) => p.mechanismCheck).join("\n"), activeSeconds: seconds,
        targets: names(targets), links: perTarget.flatMap((p) => p.links), mechanism: perTarget[0].mechanism,
        expectedEffect: `etcd answers Patroni ${spec.delayMs} ms slower; Patroni's etcd client gives each member retry_timeout / members ≈ ${perMemberTimeout.toFixed(2)} s per request: ` +
          `${spec.delayMs / 1000 >= perMemberTimeout / 2 ? "a request needing two delayed round trips (a new connection) can time out on every member: the primary may demote (a false failover)" : "well below it, no failover expected"}` +
          `${spec.slowFor === "everyone" ? `; etcd's own peer traffic is delayed too: near etcd's election timeout (1 s by default) etcd cannot keep a leader — an etcd outage, not a slow etcd` : ""}`,
        conflictKeys: perTarget.flatMap((p) => p.conflictKeys),
        verification: delayVerification(world.members.find((m) => m.kind === "patroni") ?? others(world, targets)[0], targets[0], spec.delayMs, 0),
      };
    }
  }
}

function downVerification(world: World, targets: Member[], mode: "stop" | "kill" | "pause"): Verification {
  const prober = others(world, targets)[0];
  return {
    rule: { type: "down", state: mode === "pause" ? "paused" : "stopped", configured: `${names(targets).join(",")} ${mode}` },
    baseline: [],
    probes: targets.flatMap((t): ProbeSpec[] => [
      { type: "state", script: t.transport.lifecycle.state() },
      { type: "http", script: prober.transport.exec(httpProbeScript(serviceUrl(t), 2, 1000)) },
    ]),
    boundSeconds: 45, // a graceful stop waits for PostgreSQL's shutdown
  };
}

function resetVerification(target: Member, peer: Member, ports: number[]): Verification {
  const served = ports.find((p) => LISTENS[target.kind].includes(p));
  const peerServed = ports.find((p) => LISTENS[peer.kind].includes(p));
  // Probe a port that listens without the fault, so a refusal can only come from the fault's resets.
  const probe = served !== undefined ? tcpFrom(peer, target, served, 10, 1000, 5) : peerServed !== undefined ? tcpFrom(target, peer, peerServed, 10, 1000, 5) : undefined;
  if (!probe) throw new PlanError(`reset: none of ports ${ports.join(",")} is served by ${target.name} (${LISTENS[target.kind].join(",")}) or ${peer.name} (${LISTENS[peer.kind].join(",")}): the effect could not be verified`);
  return { rule: { type: "reset", configured: `tcp-reset on ${ports.join(",")}` }, baseline: [], probes: [probe], boundSeconds: 10 };
}

function delayVerification(prober: Member, target: Member, delayMs: number, jitterMs: number): Verification {
  const probe = tcpFrom(prober, target, servicePort(target), 9, 3000 + 2 * delayMs);
  return { rule: { type: "delay", delayMs, configured: `+${delayMs} ms${jitterMs ? ` ±${jitterMs} ms` : ""}` }, baseline: [probe], probes: [probe], boundSeconds: 10 };
}

function stressVerification(target: Member, resource: "cpu" | "io" | "memory", workers: number, loadPercent: number, bytes: string, what: string): Verification {
  const usage: ProbeSpec = { type: "usage", script: target.transport.exec(usageProbeScript(1.5)) };
  const unit = { K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[bytes.slice(-1) as "K" | "M" | "G"];
  const totalBytes = Number(bytes.slice(0, -1)) * unit * workers;
  const rule: Rule = resource === "cpu"
    // On a shared host other members compete for the cores: 60 % of the asked load (at most 2 cores) proves it runs.
    ? { type: "usage", resource, minCores: 0.6 * Math.min(2, (workers * loadPercent) / 100), configured: what }
    : resource === "io" ? { type: "usage", resource, minBytesPerSecond: 5 * 1024 * 1024, configured: what }
    : { type: "usage", resource, minMemoryGrowthBytes: 0.5 * totalBytes, configured: what };
  return { rule, baseline: [usage], probes: [usage], boundSeconds: 15 };
}

/** Rejects faults that cannot be applied together, naming both. */
export function findConflicts(plans: FaultPlan[]): string[] {
  const owner = new Map<string, string>();
  const problems: string[] = [];
  for (const p of plans) {
    for (const key of p.conflictKeys) {
      const other = owner.get(key);
      if (other && other !== p.name) problems.push(`faults ${other} and ${p.name} conflict on ${key.replace(":", " of ")}`);
      else owner.set(key, p.name);
    }
  }
  return problems;
}

/** The blast-radius summary `pulumi preview` prints and the stack exports. */
export function blastRadius(plans: FaultPlan[], world: World): string {
  if (!plans.length) return "no faults configured: nothing is touched";
  const header = world.live.reachable
    ? `roles resolved from the live lab: primary ${world.live.patroniLeader ?? "?"}, etcd leader ${world.live.etcdLeader ?? "?"}`
    : `live lab not reachable (${world.live.notes.join("; ")}): roles not resolved`;
  return [header, ...plans.map((p) => [
    `- ${p.name} (${p.kind}, reverts after ${p.spec.durationSeconds} s): targets ${p.targets.join(", ")}`,
    p.links.length ? `    links: ${p.links.join(", ")}` : "",
    `    mechanism: ${p.mechanism}`,
    `    expect: ${p.expectedEffect}`,
  ].filter(Boolean).join("\n"))].join("\n");
}
