// A fault's plan: its kind's plan (kinds/) with name, kind and spec, inject made atomic; conflicts and the blast radius.
import { PlanError, type World } from "../targets/world";
import type { KindPlan, PlanContext, ToolNeed } from "./kind-plan";
import { kindOf } from "./kinds";
import type { FaultSpec } from "./spec";

/**
 * Pure data built from the spec and the live cluster; inject and recover live side by side in each kind's
 * file, where they run is each member's transport. The plan is what `pulumi preview` shows (blast radius)
 * and what the fault resource executes.
 */
export interface FaultPlan extends KindPlan {
  name: string;
  kind: FaultSpec["kind"];
  /** The spec with defaults filled in: the fault's identity (a change replaces it). */
  spec: FaultSpec & { durationSeconds: number };
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
  const seconds = spec.durationSeconds ?? ctx.defaultDurationSeconds;
  const full = { ...spec, durationSeconds: seconds } as FaultPlan["spec"];
  const plan: FaultPlan = { name: spec.name, kind: spec.kind, spec: full, ...kindOf(spec).plan(spec, ctx, seconds) };
  const monitors = plan.targets.filter((t) => ctx.world.members.find((m) => m.name === t)?.kind === "monitoring");
  if (spec.kind !== "node-stop" && monitors.length) throw new PlanError(`${spec.name}: ${spec.kind} cannot target ${monitors.join(", ")}: the monitoring containers take node-stop faults only`);
  return { ...plan, inject: atomicInject(plan.inject, plan.recover) };
}

/** The tool a planned fault needs on its targets (preflight). */
export const toolNeed = (plan: FaultPlan): ToolNeed => kindOf(plan.spec).need(plan.spec);

/** Selectors whose kernels are probed for sch_netem before planning, so preview can show a delay's mechanism. */
export const netemSelectors = (specs: FaultSpec[]): string[] => specs.flatMap((s) => kindOf(s).netemSelectors(s));

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
