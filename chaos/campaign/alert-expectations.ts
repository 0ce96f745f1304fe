// Which alerts a campaign fault window should raise: the catalog experiment of the same fault shape says.
import type { ConditionStart, ExpectedAlertSpec } from "../checkers/alert-spec";
import type { FaultSpec } from "../faults/spec";
import type { CampaignSelector } from "./definition";

/**
 * A campaign fault raises the alerts the catalog expects of the experiment with the same fault on the same
 * role (a killed primary: primary-crash's; one etcd member stopped: etcd-member-down's): the catalog stays
 * the one place that says which alert a fault should raise. Where no catalog experiment has the shape, the
 * window expects nothing and says why (never an invented expectation).
 */

/** The role the fault's member had when it was injected. */
export type FaultRole = "primary" | "replica" | "etcd" | "haproxy";

/** Alerts about one member (their series carry its `member` label): expected on the fault's own member(s). */
const PER_MEMBER_ALERTS = new Set(["TargetDown", "PostgresDown", "MemberCpuSaturated", "MemberIoSaturated", "PatroniReplicaNotStreaming"]);

export interface ExpectedWindowAlert extends ExpectedAlertSpec {
  /** Labels the firing series and the notification must carry (a subset), e.g. `{ member: "pg2" }`. */
  labels: Record<string, string>;
}

export interface WindowExpectation {
  /** The catalog experiment the expectation comes from, or undefined when none has this fault's shape. */
  catalog?: string;
  /** Why these alerts (or none): the rule that matched. */
  why: string;
  alerts: ExpectedWindowAlert[];
}

interface Shape {
  catalog?: string;
  /** Only these of the catalog's alerts (a replica raises a primary's target alerts, not its leader change). */
  only?: string[];
  why: string;
}

/** The fault's shape → the catalog experiment whose expectedAlerts apply. */
export function shapeOf(spec: FaultSpec, role: FaultRole | undefined, memberCount: number): Shape {
  switch (spec.kind) {
    case "node-stop":
      if (role === "primary") return { catalog: { stop: "primary-stop", kill: "primary-crash", pause: "primary-hang" }[spec.mode], why: `${spec.mode} of the primary` };
      if (role === "replica") {
        if (spec.mode === "stop") return { catalog: "replica-stop", why: "stop of a replica" };
        // The node goes down as a crashed or frozen primary does; no leader change is expected of a replica.
        return spec.mode === "kill"
          ? { catalog: "primary-crash", only: ["PostgresDown", "TargetDown"], why: "kill of a replica: primary-crash's alerts on the node itself, no leader change" }
          : { catalog: "primary-hang", only: ["TargetDown"], why: "pause of a replica: primary-hang's alerts on the node itself, no leader change" };
      }
      if (role === "etcd") return { catalog: "etcd-leader-stop", why: `${spec.mode} of one etcd member: its target down, etcd one failure from quorum loss` };
      if (role === "haproxy") return { catalog: "haproxy-down", why: `${spec.mode} of HAProxy` };
      return { why: `node-stop of ${role ?? "an unknown role"}: no catalog experiment` };
    case "partition":
      if (role === "primary") return { catalog: "split-brain", why: "the primary isolated" };
      // PatroniReplicaNotStreaming (replica-long-isolation) starts when the replica's WAL receiver gives up, after
      // wal_receiver_timeout (PostgreSQL's 60 s; the lab keeps it) — not at the injection the catalog counts from.
      return { why: `partition of ${role ?? "an unknown role"}: no catalog experiment whose alert condition starts at the injection` };
    case "reset":
      return role === "primary" ? { catalog: "reset-primary", why: "TCP resets around the primary" } : { why: `reset around ${role ?? "an unknown role"}: no catalog experiment` };
    case "stress":
      return { catalog: { cpu: "cpu-primary", io: "io-primary", memory: "memory-primary" }[spec.resource], why: `${spec.resource} stress (the catalog's ${spec.resource} experiment)` };
    case "loss":
      return { catalog: "loss-primary", why: "packet loss (the catalog expects no alert at the loss rates it tests)" };
    case "delay":
      return { catalog: "delay-haproxy-primary", why: "delay (the catalog expects no alert at the delays it tests)" };
    case "etcd-outage":
      if (spec.variant === "flap") return { catalog: "etcd-flapping", why: "one etcd member flapping" };
      if (spec.variant === "stop") return memberCount >= 2 ? { catalog: "etcd-quorum-loss", why: `${memberCount} etcd members stopped` } : { catalog: "etcd-member-down", why: "one etcd member stopped" };
      return { why: `etcd-outage ${spec.variant}: no catalog experiment` };
  }
}

/** The role a selector names at injection; any-patroni is told by who led the cluster then. */
export function roleOf(selector: CampaignSelector | undefined, member: string | undefined, leaderAtInjection: string | undefined, kind: FaultSpec["kind"]): FaultRole | undefined {
  if (kind === "etcd-outage") return "etcd";
  switch (selector) {
    case "primary": return "primary";
    case "replica": return "replica";
    case "any-patroni": return leaderAtInjection === undefined ? undefined : member === leaderAtInjection ? "primary" : "replica";
    case "etcd-leader": case "etcd-follower": case "any-etcd": return "etcd";
    case "haproxy": return "haproxy";
    default: return undefined;
  }
}

/** A catalog condition that names the catalog's own fault now names the campaign's. */
const renamed = (from: ConditionStart, fault: string): ConditionStart => (from.kind === "fault" || from.kind === "recover" ? { kind: from.kind, fault } : from);

/** The alerts one fault window should raise, with labels, from the catalog's expectations by experiment id. */
export function windowExpectation(spec: FaultSpec, role: FaultRole | undefined, members: string[], faultName: string, catalog: Map<string, ExpectedAlertSpec[]>): WindowExpectation {
  const shape = shapeOf(spec, role, members.length);
  if (!shape.catalog) return { why: shape.why, alerts: [] };
  const specs = catalog.get(shape.catalog);
  if (!specs) return { why: `${shape.why}: catalog experiment ${shape.catalog} not found`, alerts: [] };
  const alerts = specs.filter((s) => !shape.only || shape.only.includes(s.alert)).flatMap((s): ExpectedWindowAlert[] => {
    const from = renamed(s.from, faultName);
    return PER_MEMBER_ALERTS.has(s.alert) && members.length
      ? members.map((m) => ({ alert: s.alert, from, labels: { member: m } }))
      : [{ alert: s.alert, from, labels: {} }];
  });
  return { catalog: shape.catalog, why: shape.why, alerts };
}
