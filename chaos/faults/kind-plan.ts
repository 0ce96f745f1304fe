// The contract every fault kind fulfils: the plan parts it builds from its spec, its verification, its registry entry.
import type { DcsConfig } from "../../stacks/config";
import type { World } from "../targets/world";
import type { Rule } from "./verify";

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

export interface PlanContext {
  world: World;
  dcs: DcsConfig;
  defaultDurationSeconds: number;
}

/** What a kind builds: everything of a fault's plan but its name, kind and spec (plan.ts adds those). */
export interface KindPlan {
  /** Controller-side re-check of the mechanism: one status line per target (see mechanism.ts). */
  mechanismCheck: string;
  /** Seconds the fault acts before its own watchdog (or flapping schedule) ends it. */
  activeSeconds: number;
  /** Controller-side scripts. inject prints one JSON line per target: {"member","injectedAt","clock"}. */
  inject: string;
  recover: string;
  /** Exit 0 while the fault is in place, 3 when it is gone (refresh drops the resource). */
  check: string;
  /** Members the fault acts on, and the links it cuts or degrades ("pg1 -> etcd2"). */
  targets: string[];
  links: string[];
  mechanism: string;
  /** One-line prose of what should happen, for preview and the report. */
  expectedEffect: string;
  /** Two faults sharing a key cannot be applied together (e.g. two delays on one interface). */
  conflictKeys: string[];
  /** How the fault's effect is measured from outside the target after inject, and gone after recover. */
  verification: Verification;
}

/** The tool a kind needs on its targets (preflight checks it is there). */
export type ToolNeed = "lifecycle" | "delay" | "stress-ng" | "iptables";

/** One row of the registry: how a kind plans, what it needs, which members' kernels it probes for netem. */
export interface FaultKindDef<S> {
  /** `seconds`: the fault's duration, defaults filled in. */
  plan(spec: S, ctx: PlanContext, seconds: number): KindPlan;
  need(spec: S): ToolNeed;
  /** Selectors whose kernels are probed for sch_netem before planning (delays only). */
  netemSelectors(spec: S): string[];
}
