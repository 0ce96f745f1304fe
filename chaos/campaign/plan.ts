// The campaign planner: pure and seeded; faults on, healed, again, within each menu entry's bounds.
import { createHash } from "crypto";
import type { FaultSpec } from "../faults/spec";
import { entrySpec, type Campaign, type CampaignSelector, type MenuEntry } from "./definition";

/**
 * The campaign planner: pure and seeded (mulberry32 below: a schedule needs reproducible draws, not
 * cryptographic or statistical quality, and 6 lines beat a dependency). It plans cycles of faults on then healed, never a set of concurrent faults that
 * takes away the way back, and leaves the choice of member to toggle time (role selectors).
 */

export interface Impact {
  /** etcd members and Patroni nodes the fault takes down or cuts off (stopped, killed, paused, isolated). */
  etcdDown: number;
  patroniDown: number;
}

export interface PlannedFault {
  name: string;
  cycle: number;
  /** Index of the menu entry it was drawn from. */
  entry: number;
  kind: FaultSpec["kind"];
  /** The role selector to resolve when it is injected (undefined: the fault names its members itself). */
  selector?: CampaignSelector;
  /** The schedule's draw for any-* selectors: candidate number `pick mod count` is taken at toggle time. */
  pick: number;
  startSeconds: number;
  endSeconds: number;
  impact: Impact;
  /** The fault as planned, its target still the selector; durationSeconds is the watchdog's. */
  spec: FaultSpec;
}

export interface Toggle {
  atSeconds: number;
  action: "inject" | "recover";
  faults: string[];
}

export interface Schedule {
  campaign: string;
  seed: number;
  durationSeconds: number;
  cluster: { etcd: number; patroni: number };
  cycles: number;
  faults: PlannedFault[];
  toggles: Toggle[];
}

/** mulberry32: a 32-bit seeded generator; the same seed gives the same sequence on every platform. */
export type RandomGenerator = () => number;
export function mulberry32(seed: number): RandomGenerator {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A uniform integer in [from, to]. */
export const uniformInt = (rng: RandomGenerator, from: number, to: number) => from + Math.floor(rng() * (to - from + 1));

const KIND_TAG: Record<string, (s: FaultSpec) => string> = {
  "node-stop": (s) => (s.kind === "node-stop" ? s.mode : "stop"),
  partition: () => "part",
  delay: () => "delay",
  loss: () => "loss",
  reset: () => "reset",
  stress: (s) => (s.kind === "stress" ? (s.resource === "memory" ? "mem" : s.resource) : "stress"),
  "etcd-outage": (s) => (s.kind === "etcd-outage" ? `etcd-${s.variant === "block-client" ? "block" : s.variant}` : "etcd"),
};

const ETCD_SELECTORS = new Set<string>(["etcd-leader", "etcd-follower", "any-etcd"]);
const PATRONI_SELECTORS = new Set<string>(["primary", "replica", "any-patroni"]);
/** Selectors that always name the same single member at one instant: two faults on one would collide. */
const SINGLE_MEMBER = new Set<string>(["primary", "etcd-leader", "haproxy"]);

/** What a fault takes away, counted per class of member (the planner's safety arithmetic). */
export function impactOf(spec: FaultSpec, selector: string | undefined, cluster: Campaign["cluster"]): Impact {
  const none = { etcdDown: 0, patroniDown: 0 };
  const one = (s: string | undefined): Impact => ({ etcdDown: s && ETCD_SELECTORS.has(s) ? 1 : 0, patroniDown: s && PATRONI_SELECTORS.has(s) ? 1 : 0 });
  switch (spec.kind) {
    case "node-stop":
    case "partition":
      return one(selector);
    case "etcd-outage": {
      const count = typeof spec.members === "number" ? spec.members : spec.members.length;
      if (spec.variant === "stop" || spec.variant === "flap") return { etcdDown: Math.min(count, cluster.etcd), patroniDown: 0 };
      if (spec.variant === "block-client") return { etcdDown: 0, patroniDown: spec.from.includes("all-patroni") ? cluster.patroni : Math.min(spec.from.length, cluster.patroni) };
      return none;
    }
    default:
      return none;
  }
}

/** Why a set of concurrent faults would leave no way back, or undefined when it is allowed. */
export function wayBackProblem(impacts: Impact[], cluster: Campaign["cluster"], allowEtcdQuorumLoss: boolean): string | undefined {
  const etcd = impacts.reduce((a, i) => a + i.etcdDown, 0);
  const patroni = impacts.reduce((a, i) => a + i.patroniDown, 0);
  const minority = Math.floor((cluster.etcd - 1) / 2);
  if (etcd >= cluster.etcd && patroni >= cluster.patroni) return `every etcd member (${etcd}/${cluster.etcd}) and every Patroni node (${patroni}/${cluster.patroni}) down at once`;
  if (!allowEtcdQuorumLoss && etcd > minority) return `${etcd} of ${cluster.etcd} etcd members down: more than a minority (${minority}) without allowEtcdQuorumLoss`;
  return undefined;
}

const touchesEtcd = (f: Pick<PlannedFault, "kind" | "selector">) => f.kind === "etcd-outage" || (f.selector !== undefined && ETCD_SELECTORS.has(f.selector));

/** Whether `next` may join `active` (safety, and no two faults that would fight over one member). */
function admissible(next: PlannedFault, active: PlannedFault[], c: Campaign): boolean {
  if (wayBackProblem([...active, next].map((f) => f.impact), c.cluster, c.allowEtcdQuorumLoss)) return false;
  if (next.selector && SINGLE_MEMBER.has(next.selector) && active.some((f) => f.selector === next.selector)) return false;
  // An etcd outage picks its own members: alone among faults on etcd, so none collides with it.
  if (next.kind === "etcd-outage" && active.some(touchesEtcd)) return false;
  if (touchesEtcd(next) && active.some((f) => f.kind === "etcd-outage")) return false;
  const classOf = (sel?: string) => (sel && ETCD_SELECTORS.has(sel) ? "etcd" : sel && PATRONI_SELECTORS.has(sel) ? "patroni" : undefined);
  const cls = classOf(next.selector);
  // Each targeted fault needs a member of its class of its own.
  if (cls && active.filter((f) => classOf(f.selector) === cls).length + 1 > c.cluster[cls]) return false;
  if (next.selector === "replica" && active.filter((f) => f.selector === "replica").length + 1 > c.cluster.patroni - 1) return false;
  return true;
}

function weightedEntry(rng: RandomGenerator, menu: MenuEntry[]): number {
  const total = menu.reduce((a, e) => a + e.weight, 0);
  let r = uniformInt(rng, 1, total);
  for (let i = 0; i < menu.length; i++) {
    r -= menu[i].weight;
    if (r <= 0) return i;
  }
  return menu.length - 1;
}

const jittered = (rng: RandomGenerator, base: number, jitter: number) => base + (jitter ? uniformInt(rng, -jitter, jitter) : 0);

/** Draws up to `count` admissible faults for one cycle [start, start + on). */
function planCycle(rng: RandomGenerator, c: Campaign, cycle: number, start: number, on: number, count: number): PlannedFault[] {
  const chosen: PlannedFault[] = [];
  for (let slot = 0; slot < count; slot++) {
    for (let attempt = 0; attempt < 12; attempt++) {
      const entry = weightedEntry(rng, c.faults);
      const menu = c.faults[entry];
      const selector = menu.targets ? (menu.targets[uniformInt(rng, 0, menu.targets.length - 1)] as CampaignSelector) : undefined;
      const offset = slot === 0 ? 0 : uniformInt(rng, 0, Math.floor(on / 2));
      const pick = uniformInt(rng, 0, 0x7fffffff);
      const startSeconds = start + offset;
      const endSeconds = start + on;
      const probe = entrySpec(menu, "planned", selector, 60);
      const name = `c${cycle}-${slot}-${KIND_TAG[menu.kind](probe)}`;
      const spec = entrySpec(menu, name, selector, endSeconds - startSeconds + c.watchdogSlackSeconds);
      const fault: PlannedFault = { name, cycle, entry, kind: spec.kind, selector, pick, startSeconds, endSeconds, impact: impactOf(spec, selector, c.cluster), spec };
      if (!admissible(fault, chosen, c)) continue;
      chosen.push(fault);
      break;
    }
  }
  // Degradations go in first: their verification measures connects to peers, which a member another fault
  // took down would fail (measured: a 30% loss read as 0 of 0 connects beside an etcd member stopped).
  const offsets = chosen.map((f) => f.startSeconds).sort((a, b) => a - b);
  const order = [...chosen].sort((a, b) => Number(a.impact.etcdDown + a.impact.patroniDown > 0) - Number(b.impact.etcdDown + b.impact.patroniDown > 0));
  return order.map((f, i) => {
    const startSeconds = offsets[i];
    return { ...f, startSeconds, spec: { ...f.spec, durationSeconds: f.endSeconds - startSeconds + c.watchdogSlackSeconds } };
  });
}

/** The schedule of a campaign: the same campaign (seed included) always gives the same schedule. */
export function planCampaign(c: Campaign): Schedule {
  const rng = mulberry32(c.seed);
  const faults: PlannedFault[] = [];
  const toggles: Toggle[] = [];
  let t = 0;
  let cycle = 0;
  while (t < c.durationSeconds) {
    let on = jittered(rng, c.period.onSeconds, c.period.jitterSeconds);
    const off = jittered(rng, c.period.offSeconds, c.period.jitterSeconds);
    if (t + on > c.durationSeconds) on = c.durationSeconds - t;
    if (on < 10) break; // too short to inject, verify and recover
    const count = uniformInt(rng, 1, c.maxConcurrent);
    const planned = planCycle(rng, c, cycle, t, on, count);
    faults.push(...planned);
    const starts = [...new Set(planned.map((f) => f.startSeconds))].sort((a, b) => a - b);
    for (const at of starts) toggles.push({ atSeconds: at, action: "inject", faults: planned.filter((f) => f.startSeconds === at).map((f) => f.name) });
    if (planned.length) toggles.push({ atSeconds: t + on, action: "recover", faults: planned.map((f) => f.name) });
    cycle++;
    t += on + off;
  }
  return { campaign: c.id, seed: c.seed, durationSeconds: c.durationSeconds, cluster: c.cluster, cycles: cycle, faults, toggles };
}

/** A short fingerprint of a schedule: equal for equal schedules (printed, and compared by reruns). */
export function scheduleHash(s: Schedule): string {
  return createHash("sha256").update(JSON.stringify({ ...s })).digest("hex").slice(0, 16);
}

/** The faults active at `atSeconds` (inject toggle at or before it, recover after it). */
export function activeAt(s: Pick<Schedule, "faults">, atSeconds: number): PlannedFault[] {
  return s.faults.filter((f) => f.startSeconds <= atSeconds && atSeconds < f.endSeconds);
}
