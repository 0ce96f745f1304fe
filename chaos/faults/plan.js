"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.netemSelectors = exports.toolNeed = exports.INJECT_RECOVER_FAILED = void 0;
exports.atomicInject = atomicInject;
exports.planFault = planFault;
exports.findConflicts = findConflicts;
exports.blastRadius = blastRadius;
// A fault's plan: its kind's plan (kinds/) with name, kind and spec, inject made atomic; conflicts and the blast radius.
const world_1 = require("../targets/world");
const kinds_1 = require("./kinds");
/**
 * Inject never leaves a fault half-applied: when any step fails (on any target), recover runs for all
 * targets (it is idempotent) and the original error is what the user sees.
 */
exports.INJECT_RECOVER_FAILED = "RECOVERING THE FAILED INJECT FAILED TOO: run pgchaos doctor --fix";
function atomicInject(inject, recover) {
    return [
        "set +e",
        `( set -e\n${inject}\n)`,
        "rc=$?",
        "set -e",
        // A recover that fails here is said (never hidden): the fault may be half-applied.
        `if [ "$rc" -ne 0 ]; then echo "inject failed (exit $rc): recovering what was applied" >&2; if ! ( ${recover}\n) >&2; then echo "${exports.INJECT_RECOVER_FAILED}" >&2; fi; exit "$rc"; fi`,
    ].join("\n");
}
function planFault(spec, ctx) {
    const seconds = spec.durationSeconds ?? ctx.defaultDurationSeconds;
    const full = { ...spec, durationSeconds: seconds };
    const plan = { name: spec.name, kind: spec.kind, spec: full, ...(0, kinds_1.kindOf)(spec).plan(spec, ctx, seconds) };
    const monitors = plan.targets.filter((t) => ctx.world.members.find((m) => m.name === t)?.kind === "monitoring");
    if (spec.kind !== "node-stop" && monitors.length)
        throw new world_1.PlanError(`${spec.name}: ${spec.kind} cannot target ${monitors.join(", ")}: the monitoring containers take node-stop faults only`);
    return { ...plan, inject: atomicInject(plan.inject, plan.recover) };
}
/** The tool a planned fault needs on its targets (preflight). */
const toolNeed = (plan) => (0, kinds_1.kindOf)(plan.spec).need(plan.spec);
exports.toolNeed = toolNeed;
/** Selectors whose kernels are probed for sch_netem before planning, so preview can show a delay's mechanism. */
const netemSelectors = (specs) => specs.flatMap((s) => (0, kinds_1.kindOf)(s).netemSelectors(s));
exports.netemSelectors = netemSelectors;
/** Rejects faults that cannot be applied together, naming both. */
function findConflicts(plans) {
    const owner = new Map();
    const problems = [];
    for (const p of plans) {
        for (const key of p.conflictKeys) {
            const other = owner.get(key);
            if (other && other !== p.name)
                problems.push(`faults ${other} and ${p.name} conflict on ${key.replace(":", " of ")}`);
            else
                owner.set(key, p.name);
        }
    }
    return problems;
}
/** The blast-radius summary `pulumi preview` prints and the stack exports. */
function blastRadius(plans, world) {
    if (!plans.length)
        return "no faults configured: nothing is touched";
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
