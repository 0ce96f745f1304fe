// The chaos stack's program: members and the live view, then one fault resource per planned fault.
import * as pulumi from "@pulumi/pulumi";
import { getJson } from "../components/lab/http";
import { Fault } from "../chaos/faults/resource";
import { explainUnscanned, formatLeftovers, orphans, scanMembers } from "../chaos/targets/doctor";
import { observe, withNetem, type ApiEndpoints } from "../chaos/targets/live";
import { blastRadius, findConflicts, netemSelectors, planFault, type FaultPlan } from "../chaos/faults/plan";
import { readOwnDeployment, stateFaultsOf, successions, type StateFault } from "../chaos/faults/succession";
import type { ChaosConfig } from "../chaos/faults/spec";
import { SSH_KEY_VAR, SSH_KNOWN_HOSTS_VAR, sshMembers, withSshKey, type Targets } from "../chaos/targets/inventory";
import { preflight } from "../chaos/targets/preflight-run";
import { DockerExecTransport } from "../chaos/targets/transport";
import { PlanError, resolveSelector, type Member, type World } from "../chaos/targets/world";
import type { InventoryMember } from "../components/lab/lab";
import type { DcsConfig } from "./config";
import { openLab, startFaultProviderEarly, type OpenedLab } from "./lab-reference";

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
  const selectors = netemSelectors(config.faults);
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

/** Every controller-side script of a plan, with the SSH key prelude in front (SSH targets only). */
export function withSshKeyPlan(plan: FaultPlan): FaultPlan {
  const probes = (ps: FaultPlan["verification"]["probes"]) => ps.map((p) => ({ ...p, script: withSshKey(p.script) }));
  return {
    ...plan,
    inject: withSshKey(plan.inject), recover: withSshKey(plan.recover), check: withSshKey(plan.check), mechanismCheck: withSshKey(plan.mechanismCheck),
    verification: { ...plan.verification, baseline: probes(plan.verification.baseline), probes: probes(plan.verification.probes) },
  };
}

/** Patroni's dynamic configuration (ttl, loop_wait, ...) of a user's cluster, for the plans' expectations. */
export async function readDcs(endpoints: ApiEndpoints): Promise<DcsConfig> {
  let last = "no Patroni REST endpoint";
  for (const url of Object.values(endpoints.patroniRest)) {
    try {
      const c = await getJson<Record<string, any>>(`${url}/config`, {}, 3000);
      return {
        ttl: c.ttl ?? 30, loopWait: c.loop_wait ?? 10, retryTimeout: c.retry_timeout ?? 10,
        maximumLagOnFailover: c.maximum_lag_on_failover ?? 1048576, failsafeMode: !!c.failsafe_mode, synchronousMode: !!c.synchronous_mode,
      };
    } catch (e) {
      last = (e as Error).message;
    }
  }
  throw new pulumi.RunError(`cannot read Patroni's configuration from any restUrl of pgchaos:targets: ${last}`);
}

type Scan = Awaited<ReturnType<typeof scanMembers>>;

/** Reads the live lab, plans every fault, rejects conflicts. Runs on preview and on up. */
export async function planAll(config: ChaosConfig, members: Member[], endpoints: ApiEndpoints, dcs: DcsConfig, targets?: Targets, ownState?: Promise<StateFault[]>): Promise<{ plans: FaultPlan[]; world: World; preflight?: string; predecessors: Array<string | undefined>; state: StateFault[] }> {
  // Independent reads at once (each is a process start or an HTTP round trip): the live view and this
  // stack's state (started by the caller as early as it can); then the netem probe, which needs the
  // leaders to resolve targets. The leftover scan only warns: it runs beside all this (warnLeftovers).
  const [first, state] = await Promise.all([observe(endpoints, []), ownState ?? readOwnStateFaults()]);
  const world: World = { members, live: first };
  const netemFor = delayTargets(config, world);
  if (netemFor.length) world.live = await withNetem(first, netemFor);
  const plans = config.faults.map((spec) => {
    try {
      return planFault(spec, { world, dcs, defaultDurationSeconds: config.defaultDurationSeconds });
    } catch (e) {
      if (e instanceof PlanError) throw new pulumi.RunError(`fault ${spec.name}: ${e.message}`);
      throw e;
    }
  });
  // A user's cluster: nothing is planned onto hosts that cannot take it (preview shows this, up refuses).
  let preflightText: string | undefined;
  if (targets) {
    const pf = await preflight(targets, plans, config.verify);
    if (!pf.ok) throw new pulumi.RunError(pf.text);
    preflightText = pf.text;
    await pulumi.log.info(pf.text);
  }
  const conflicts = findConflicts(plans);
  if (conflicts.length) throw new pulumi.RunError(`conflicting faults:\n  ${conflicts.join("\n  ")}`);
  // Faults still in state count too: a new fault takes over the conflicting one it replaces (see succession.ts).
  const order = successions(state, plans.map((p) => ({ name: p.name, conflictKeys: p.conflictKeys })));
  if (order.conflicts.length) throw new pulumi.RunError(`conflicting faults:\n  ${order.conflicts.join("\n  ")}`);
  order.predecessors.forEach((old, i) => old && pulumi.log.info(`fault ${plans[i].name} replaces ${old} on ${plans[i].conflictKeys.join(", ")}: ${old} is recovered and verified gone before ${plans[i].name} is injected`));
  return { plans, world, preflight: preflightText, predecessors: order.predecessors, state };
}

/**
 * Warns of leftovers of faults neither declared nor in state (a crashed run, a killed runner falsify
 * results) and of members the scan could not reach. Nothing is planned from it, so it is not waited for
 * before the faults act (≈ 0.5 s of docker execs per `up`, bench/toggle.ts); the program's outputs wait for it.
 */
export async function warnLeftovers(scan: Promise<Scan>, planned: { plans: FaultPlan[]; state: StateFault[] }, config: ChaosConfig, doctorHint: string): Promise<void> {
  const { leftovers, unreachable } = await scan;
  if (unreachable.length) await pulumi.log.warn(`leftover scan incomplete: could not scan ${explainUnscanned(unreachable, [...planned.state, ...planned.plans]).join("; ")}`);
  const stray = orphans(leftovers, new Set([...config.faults.map((f) => f.name), ...planned.state.map((f) => f.name)]));
  if (stray.length) await pulumi.log.warn(`chaos leftovers that no fault of this stack declares (remove with \`${doctorHint}\`):\n${formatLeftovers(stray)}`);
}

/** One leftover scan per program run, started by whichever step first knows the members. */
function scanOnce(): (members: Member[]) => Promise<Scan> {
  let scan: Promise<Scan> | undefined;
  return (members) => (scan ??= scanMembers(members));
}

const readOwnStateFaults = (): Promise<StateFault[]> => readOwnDeployment(pulumi.getStack(), pulumi.getProject()).then(stateFaultsOf);

/** True when the engine says the key is not a secret (the list of secret keys is known and lacks it). */
function isPlainConfig(key: string): boolean {
  const names = [key, key.replace(":", ":config:")];
  const raw = process.env.PULUMI_CONFIG_SECRET_KEYS;
  if (raw) return !(JSON.parse(raw) as string[]).some((k) => names.includes(k));
  const internal = (require("@pulumi/pulumi/runtime/config") as { isConfigSecret?: (k: string) => boolean }).isConfigSecret;
  return internal ? !names.some((k) => internal(k)) : false;
}

/**
 * The SSH key from the secret config value `pgchaos:sshPrivateKey` (refused when stored in plain text),
 * put into this program's environment for its own probes (preview's preflight and live view).
 */
function sshSecrets(targets: Targets): Record<string, string> {
  const key = "pgchaos:sshPrivateKey";
  const value = new pulumi.Config("pgchaos").get("sshPrivateKey");
  if (!value) throw new pulumi.RunError(`${key} is not set: pgchaos:targets needs the SSH private key as a secret (pulumi config set --secret sshPrivateKey < key-file)`);
  if (isPlainConfig(key)) throw new pulumi.RunError(`${key} is stored in plain text: set it with \`pulumi config set --secret\``);
  const env = { [SSH_KEY_VAR]: value.endsWith("\n") ? value.slice(0, -1) : value, [SSH_KNOWN_HOSTS_VAR]: targets.knownHosts.join("\n") };
  Object.assign(process.env, env);
  return env;
}

/** The chaos program against a user's cluster (pgchaos:targets): members reached over SSH. */
function sshChaosProgram(config: ChaosConfig, targets: Targets) {
  void startFaultProviderEarly();
  const env = sshSecrets(targets);
  const { members, endpoints } = sshMembers(targets);
  const scan = scanMembers(members);
  scan.catch(() => {}); // awaited by warnLeftovers below
  const planned = pulumi.output((async () => {
    // With no fault configured the update can only recover: an unreachable API must not block it.
    const patroniDefaults: DcsConfig = { ttl: 30, loopWait: 10, retryTimeout: 10, maximumLagOnFailover: 1048576, failsafeMode: false, synchronousMode: false };
    const dcs = config.faults.length ? await readDcs(endpoints) : await readDcs(endpoints).catch(() => patroniDefaults);
    const result = await planAll(config, members, endpoints, dcs, targets);
    const summary = blastRadius(result.plans, result.world);
    await pulumi.log.info(`blast radius:\n${summary}`);
    return { ...result, plans: result.plans.map(withSshKeyPlan), summary };
  })());
  const leftoversWarned = planned.apply((p) => warnLeftovers(scan, p, config, `npx pgchaos doctor --fix --chaos-stack ${pulumi.getStack()}`));
  const faults = config.faults.map((spec, i) => new Fault(spec.name, { plan: planned.apply((p) => p.plans[i]), verify: config.verify, environment: pulumi.secret(env) }, succeeding(spec.name, planned.apply((p) => p.predecessors[i]))));
  return {
    scope: targets.scope,
    hosts: targets.hosts.map((h) => h.name),
    preflight: planned.apply((p) => p.preflight ?? ""),
    blastRadius: pulumi.all([planned, leftoversWarned]).apply(([p]) => p.summary),
    faults: faultOutputs(config, faults),
  };
}

/** An alias to the fault this one takes over; a name no fault can have when there is none (fault names are ≤ 20 characters). */
function succeeding(name: string, predecessor: pulumi.Output<string | undefined>): pulumi.ComponentResourceOptions {
  return { aliases: [pulumi.createUrn(predecessor.apply((old) => old ?? `${name}-has-no-predecessor`), "pgchaos:chaos:Fault")] };
}

function faultOutputs(config: ChaosConfig, faults: Fault[]) {
  return faults.map((f, i) => ({
    name: config.faults[i].name,
    kind: f.kind,
    targets: f.targets,
    links: f.links,
    mechanism: f.mechanism,
    expectedEffect: f.expectedEffect,
    injections: f.injections,
    verification: f.verification,
    status: f.status,
    drift: f.drift,
  }));
}

/** The chaos stack's program: one Fault resource per configured fault, targeting the lab stack's members. */
export function chaosProgram(config: ChaosConfig, opened?: OpenedLab) {
  if (config.targets) return sshChaosProgram(config, config.targets);
  // This stack's state is read while the engine reads the lab's outputs (both are independent of them).
  const ownState = readOwnStateFaults();
  ownState.catch(() => {}); // its error is reported where planAll awaits it, not as an unhandled rejection
  const lab = opened?.labStack === config.labStack ? opened.reference : openLab(config.labStack).lab.reference;
  const scan = scanOnce();
  const planned = pulumi.all([lab.getOutput("inventory"), lab.getOutput("dcs")]).apply(async ([inventory, dcs]) => {
    if (!inventory || !dcs) throw new pulumi.RunError(`lab stack ${config.labStack} has no ${inventory ? "dcs" : "inventory"} output: is it up? (\`pulumi up --stack ${config.labStack}\`)`);
    const { members, endpoints } = labMembers(inventory as InventoryMember[]);
    scan(members).catch(() => {}); // started now, awaited by warnLeftovers below
    const result = await planAll(config, members, endpoints, dcs as DcsConfig, undefined, ownState);
    const summary = blastRadius(result.plans, result.world);
    await pulumi.log.info(`blast radius:\n${summary}`);
    return { ...result, summary };
  });
  const leftoversWarned = planned.apply((p) => warnLeftovers(scan(p.world.members), p, config, `npx pgchaos doctor --fix --lab-stack ${config.labStack}`));
  const faults = config.faults.map((spec, i) => new Fault(spec.name, { plan: planned.apply((p) => p.plans[i]), verify: config.verify }, succeeding(spec.name, planned.apply((p) => p.predecessors[i]))));
  return {
    labStack: config.labStack,
    blastRadius: pulumi.all([planned, leftoversWarned]).apply(([p]) => p.summary),
    faults: faultOutputs(config, faults),
  };
}
