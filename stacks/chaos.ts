import * as pulumi from "@pulumi/pulumi";
import { Fault } from "../chaos/fault";
import { formatLeftovers, orphans, scanMembers } from "../chaos/doctor";
import { observe, type ApiEndpoints } from "../chaos/live";
import { blastRadius, findConflicts, planFault, type FaultPlan } from "../chaos/faults/plan";
import type { ChaosConfig } from "../chaos/faults/spec";
import { DockerExecTransport } from "../chaos/transport";
import { PlanError, resolveSelector, type Member, type World } from "../chaos/world";
import type { InventoryMember } from "../components/lab/lab";
import type { DcsConfig } from "./config";

/** Lab inventory (a lab stack's output) → chaos members reached with `docker exec`. */
export function labMembers(inventory: InventoryMember[]): { members: Member[]; endpoints: ApiEndpoints } {
  const members = inventory.map((m): Member => ({ name: m.name, kind: m.kind, ip: m.ip, ports: m.ports, transport: new DockerExecTransport(m.container) }));
  const endpoints: ApiEndpoints = {
    patroniRest: Object.fromEntries(inventory.filter((m) => m.kind === "patroni").map((m) => [m.name, `http://127.0.0.1:${m.hostPorts.rest}`])),
    etcdClient: Object.fromEntries(inventory.filter((m) => m.kind === "etcd").map((m) => [m.name, `http://127.0.0.1:${m.hostPorts.client}`])),
  };
  return { members, endpoints };
}

/** Members a delay may touch: their kernels are probed for netem so preview can show the mechanism. */
function delayTargets(config: ChaosConfig, world: World): Member[] {
  const selectors = config.faults.flatMap((f) =>
    f.kind === "delay" ? [f.target] : f.kind === "etcd-outage" && f.variant === "slow" ? ["all-etcd"] : []);
  const out = new Map<string, Member>();
  for (const s of selectors) {
    try {
      for (const m of resolveSelector(s, world)) out.set(m.name, m);
    } catch {
      // unresolvable now (e.g. no leader): planFault reports it properly
    }
  }
  return [...out.values()];
}

/** Reads the live lab, plans every fault, rejects conflicts. Runs on preview and on up. */
export async function planAll(config: ChaosConfig, members: Member[], endpoints: ApiEndpoints, dcs: DcsConfig): Promise<{ plans: FaultPlan[]; world: World }> {
  const first = await observe(endpoints, []);
  const world: World = { members, live: first };
  const netemFor = delayTargets(config, world);
  if (netemFor.length) world.live = await observe(endpoints, netemFor);
  const plans = config.faults.map((spec) => {
    try {
      return planFault(spec, { world, dcs, defaultDurationSeconds: config.defaultDurationSeconds, sabotage: config.sabotage });
    } catch (e) {
      if (e instanceof PlanError) throw new pulumi.RunError(`fault ${spec.name}: ${e.message}`);
      throw e;
    }
  });
  // Leftovers of faults this stack does not declare (a crashed run, a killed runner) falsify results.
  const { leftovers } = await scanMembers(members);
  const stray = orphans(leftovers, new Set(config.faults.map((f) => f.name)));
  if (stray.length) await pulumi.log.warn(`chaos leftovers that no fault of this stack declares (remove with \`npx tsx cli/main.ts doctor --fix --lab-stack ${config.labStack}\`):\n${formatLeftovers(stray)}`);
  const conflicts = findConflicts(plans);
  if (conflicts.length) throw new pulumi.RunError(`conflicting faults:\n  ${conflicts.join("\n  ")}`);
  return { plans, world };
}

/** The chaos stack's program: one Fault resource per configured fault, targeting the lab stack's members. */
export function chaosProgram(config: ChaosConfig) {
  const lab = new pulumi.StackReference("lab", { name: `organization/${pulumi.getProject()}/${config.labStack}` });
  const planned = pulumi.all([lab.requireOutput("inventory"), lab.requireOutput("dcs")]).apply(async ([inventory, dcs]) => {
    const { members, endpoints } = labMembers(inventory as InventoryMember[]);
    const result = await planAll(config, members, endpoints, dcs as DcsConfig);
    const summary = blastRadius(result.plans, result.world);
    await pulumi.log.info(`blast radius:\n${summary}`);
    return { ...result, summary };
  });
  const faults = config.faults.map((spec, i) => new Fault(spec.name, { plan: planned.apply((p) => p.plans[i]), verify: config.verify }));
  return {
    labStack: config.labStack,
    blastRadius: planned.apply((p) => p.summary),
    faults: faults.map((f, i) => ({
      name: config.faults[i].name,
      kind: f.kind,
      targets: f.targets,
      links: f.links,
      mechanism: f.mechanism,
      expectedEffect: f.expectedEffect,
      injections: f.injections,
      verification: f.verification,
    })),
  };
}
