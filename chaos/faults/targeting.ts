// Target helpers every fault kind shares: peers, service ports, role notes, TCP probes, the member-down verification.
import type { DcsConfig } from "../../stacks/config";
import { PlanError, resolveAll, type Member, type World } from "../targets/world";
import type { ProbeSpec, Verification } from "./kind-plan";
import { httpProbeScript, tcpProbeScript } from "./probes";

/**
 * The port TCP probes connect to: one with a deep listen backlog (PostgreSQL, etcd, HAProxy stats).
 * Patroni's REST port drops bare connects even without a fault (its backlog is tiny), so it is used
 * only for HTTP probes.
 */
export const servicePort = (m: Member): number => ({ patroni: 5432, etcd: 2379, haproxy: 8404, monitoring: m.ports.http ?? 9090 })[m.kind];
/**
 * A port nothing listens on (tcpmux, long obsolete): a SYN to it is answered by the target's kernel with a
 * reset, so loss probes measure the link and not a server. PostgreSQL's accept queue overflowed under 50
 * parallel connects with no fault at all (ListenOverflows rose; 25 % of connects timed out in half the runs).
 */
export const UNLISTENED_PORT = 1;
export const serviceUrl = (m: Member) => `http://${m.ip}:${({ patroni: 8008, etcd: 2379, haproxy: 8404, monitoring: m.ports.http ?? 9090 })[m.kind]}/`;
export const tcpFrom = (from: Member, to: Member, port: number, count: number, timeoutMs: number, concurrency = 1): ProbeSpec =>
  ({ type: "tcp", script: from.transport.exec(tcpProbeScript(to.ip, port, count, timeoutMs, concurrency)) });
export const LISTENS: Record<Member["kind"], number[]> = { patroni: [5432, 8008], etcd: [2379, 2380], haproxy: [5000, 5001, 8404], monitoring: [9090, 9093] };

/** The cluster's other members: default peers and probers (monitoring containers are named explicitly or not at all). */
export const others = (world: World, exclude: Member[]) => world.members.filter((m) => m.kind !== "monitoring" && !exclude.some((e) => e.name === m.name));
export const names = (members: Member[]) => members.map((m) => m.name);
export const roleNote = (world: World, m: Member) =>
  m.name === world.live.patroniLeader ? " [primary]" : m.name === world.live.etcdLeader ? " [etcd leader]" : m.kind === "patroni" ? " [replica]" : "";
export const withRoles = (world: World, members: Member[]) => members.map((t) => `${t.name}${roleNote(world, t)}`).join(", ");

export function resolvePeers(world: World, targets: Member[], peers: string[] | undefined): Member[] {
  const resolved = peers ? resolveAll(peers, world) : others(world, targets);
  const list = resolved.filter((p) => !targets.some((t) => t.name === p.name));
  if (!list.length) throw new PlanError("no peers left after removing the targets themselves");
  return list;
}

export function failoverExpectation(world: World, dcs: DcsConfig, hit: Member[]): string {
  const leaderHit = hit.some((m) => m.name === world.live.patroniLeader);
  const bound = dcs.ttl + dcs.loopWait;
  return leaderHit
    ? `the primary is hit → Patroni should elect a new leader within ttl + loop_wait ≈ ${bound} s; writes through HAProxy fail meanwhile`
    : hit.some((m) => m.kind === "patroni")
      ? "a replica is hit → no failover expected; reads through the read-only port move to the other replicas"
      : "";
}

/** Members stopped, killed or paused: Docker's or systemd's state word, and their service no longer answering HTTP. */
export function downVerification(world: World, targets: Member[], mode: "stop" | "kill" | "pause"): Verification {
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
