// The fault as a Pulumi dynamic resource: create injects and verifies, delete recovers and verifies, read checks.
import * as pulumi from "@pulumi/pulumi";
import { runScript } from "../../components/command/shell-command";
import type { ProbeSpec, Verification } from "./kind-plan";
import type { FaultPlan } from "./plan";
import { judgeInjected, judgeRecovered, type ProbeResult } from "./verify";
import { judgeMechanism, mechanismLeftAfterRecover, type MechanismStatus } from "./mechanism";
import { providerText } from "./provider-text";

export interface Injection {
  member: string;
  /** Epoch seconds, read on the member (clock "member") or on the controller when the member is being stopped. */
  injectedAt: number;
  clock: "member" | "controller";
}

export function parseInjections(stdout: string): Injection[] {
  return stdout
    .split("\n")
    .filter((l) => l.startsWith("{") && l.includes('"injectedAt"'))
    .map((l) => JSON.parse(l) as Injection);
}

export interface VerificationOutcome {
  configured: string;
  measured: string;
  /** Seconds the probes took until the verdict. */
  seconds: number;
}

interface FaultState {
  name: string;
  inject: string;
  recover: string;
  check: string;
  /** Re-check of the mechanism (one status line per target) and how long the fault acts: see mechanism.ts. */
  mechanismCheck?: string;
  activeSeconds?: number;
  /** active | expired (its watchdog reverted it at the end) | drifted (its mechanism vanished earlier). */
  status?: MechanismStatus;
  /** When (epoch ms, controller) and why the last check found it not active. */
  drift?: { at: number; reason: string };
  diffKey: string;
  pinKey: string;
  metadata: unknown;
  verification: Verification;
  verify: boolean;
  /** Variables every script gets (the SSH key for SSH targets); secret in state. */
  environment?: Record<string, string>;
  stdout?: string;
  baseline?: ProbeResult[];
  verified?: VerificationOutcome;
  recoveryVerified?: VerificationOutcome;
}

// Helpers are plain functions (no classes): Pulumi serializes them into the dynamic-provider host.
// Probes run at once (each is a process start and a docker exec); results keep the specs' order.
async function runProbes(specs: ProbeSpec[], env?: Record<string, string>): Promise<ProbeResult[]> {
  const texts = await Promise.all(specs.map((p) => runScript(p.script, env, 60).catch(() => {
    // Unreachable is not "stopped": only Docker's or systemd's own answer says that.
    return p.type === "state" ? "unknown" : "";
  })));
  const out: ProbeResult[] = [];
  specs.forEach((p, i) => {
    const text = texts[i];
    if (p.type === "state") out.push({ type: "state", value: text.trim().split("\n").pop() ?? "" });
    else if (text) out.push({ type: p.type, value: JSON.parse(text.trim().split("\n").pop()!) } as ProbeResult);
  });
  return out;
}

async function verifyUntil(state: FaultState, phase: "injected" | "recovered"): Promise<{ achieved: boolean; outcome: VerificationOutcome }> {
  const v = state.verification;
  const started = Date.now();
  const deadline = started + v.boundSeconds * 1000;
  for (;;) {
    const results = await runProbes(v.probes, state.environment);
    const verdict = phase === "injected" ? judgeInjected(v.rule, state.baseline ?? [], results) : judgeRecovered(v.rule, state.baseline ?? [], results);
    const outcome = { configured: verdict.configured, measured: verdict.measured, seconds: Math.round((Date.now() - started) / 100) / 10 };
    if (verdict.achieved || Date.now() > deadline) return { achieved: verdict.achieved, outcome };
    // A failed round is retried soon: a round of probes itself takes 0.2–2 s.
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Runs the fault's mechanism check (state written before it existed has none: undefined). */
async function checkMechanism(state: FaultState): Promise<{ status: MechanismStatus; drift: { at: number; reason: string } } | undefined> {
  if (!state.mechanismCheck || state.activeSeconds === undefined) return undefined;
  const out = await runScript(state.mechanismCheck, state.environment, 60);
  const injectedAt = parseInjections(state.stdout ?? "").map((i) => i.injectedAt);
  const verdict = judgeMechanism(out, { injectedAt: injectedAt.length ? Math.min(...injectedAt) : undefined, activeSeconds: state.activeSeconds, now: Date.now() / 1000 });
  return { status: verdict.status, drift: { at: Date.now(), reason: verdict.reason } };
}

/** After a recover: what of the fault's mechanism is still on a target ("" when all is gone, or there is no check). */
async function mechanismLeft(state: FaultState): Promise<string> {
  return state.mechanismCheck ? mechanismLeftAfterRecover(await runScript(state.mechanismCheck, state.environment, 60)) : "";
}

/** The state with its status; `drift` only when not active (undefined values cannot cross the provider's wire). */
function withStatus(state: FaultState, status: MechanismStatus, drift?: { at: number; reason: string }): FaultState {
  const { drift: _old, ...rest } = state;
  return status === "active" || !drift ? { ...rest, status } : { ...rest, status, drift };
}

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

export const faultProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: FaultState) {
    const state: FaultState = { ...inputs };
    if (state.verify) state.baseline = await runProbes(state.verification.baseline, state.environment);
    // Atomic: recovers itself on failure; the error names the fault and says whether that recover worked.
    state.stdout = await runScript(state.inject, state.environment, 180).catch((e: Error) => {
      const recovered = e.message.includes("RECOVERING THE FAILED INJECT FAILED TOO") ? "and recovering it FAILED too (run `pgchaos doctor --fix`)" : "it was recovered";
      throw new Error(`fault ${state.name}: inject failed, ${recovered} — ${e.message}`);
    });
    if (state.verify) {
      const { achieved, outcome } = await verifyUntil(state, "injected");
      state.verified = outcome;
      if (!achieved) {
        const recovered = await runScript(state.recover, state.environment, 180).then(() => "it was recovered", (e: Error) => `and recovering it FAILED too: ${e.message}`);
        throw new Error(`fault ${state.name}: effect not achieved within ${state.verification.boundSeconds} s — expected ${outcome.configured}, measured ${outcome.measured}; ${recovered}`);
      }
    }
    return { id: `${state.name}-${Date.now().toString(36)}`, outs: withStatus(state, "active") };
  },

  async diff(_id: string, olds: FaultState, news: FaultState) {
    // Plain `up` never calls read: the mechanism is re-checked here, and a drifted fault is replaced
    // (recovered, then injected again and verified); an expired one is kept and marked, never re-injected.
    const now = await checkMechanism({ ...olds, environment: news.environment ?? olds.environment });
    const drifted = now?.status === "drifted";
    const replaced = drifted || !same(olds.diffKey, news.diffKey);
    if (now && !replaced && now.status !== (olds.status ?? "active")) return { changes: true, replaces: [], deleteBeforeReplace: true };
    const newScripts = same(olds.pinKey, news.pinKey) && (!same(olds.recover, news.recover) || !same(olds.check, news.check) || !same(olds.verification, news.verification));
    // A new SSH key (rotated) is adopted so recover can still reach the hosts.
    const newEnvironment = !same(olds.environment, news.environment);
    return { changes: replaced || newScripts || newEnvironment, replaces: drifted ? ["status"] : replaced ? ["diffKey"] : [], deleteBeforeReplace: true };
  },

  async update(_id: string, olds: FaultState, news: FaultState) {
    // Never re-inject: only adopt fixed recover/check/verification scripts for the same targets.
    const adopted = same(olds.pinKey, news.pinKey)
      ? { ...olds, recover: news.recover, check: news.check, verification: news.verification, mechanismCheck: news.mechanismCheck ?? olds.mechanismCheck, activeSeconds: news.activeSeconds ?? olds.activeSeconds }
      : olds;
    const now = await checkMechanism({ ...adopted, environment: news.environment });
    // No undefined values: they cannot cross the provider's wire ("Unexpected struct type").
    const outs = news.environment ? { ...adopted, environment: news.environment } : (({ environment: _e, ...rest }) => rest)(adopted);
    return { outs: now ? withStatus(outs, now.status, now.drift) : outs };
  },

  async delete(_id: string, props: FaultState) {
    await runScript(props.recover, props.environment, 180).catch((e: Error) => {
      // Failing keeps the resource in state; the message says so and what to run once the target is fixed.
      throw new Error(`fault ${props.name}: RECOVER FAILED — ${e.message.trim()}\nthe fault stays in state: fix the target, then run \`pulumi destroy\` (or up) again, or \`pgchaos doctor\``);
    });
    if (!props.verify) return;
    const { achieved, outcome } = await verifyUntil(props, "recovered");
    // A usage effect (stress) is a share of the host's CPU or IO: a saturated host can push it under the bound while
    // the workers still run (seen with two labs on 2 cores), so its mechanism must be gone too.
    const left = achieved && props.verification.rule.type === "usage" ? await mechanismLeft(props) : "";
    if (!achieved || left) {
      // Failing keeps the resource in state, so the next `up`/`destroy` runs recover again.
      throw new Error(`fault ${props.name}: RECOVER DID NOT REMOVE THE EFFECT within ${props.verification.boundSeconds} s — measured ${outcome.measured}${left ? `, but ${left}` : ""}; the fault stays in state: run \`pulumi destroy\` (or up) again, or \`pgchaos doctor\``);
    }
  },

  async read(id: string, props: FaultState) {
    // Refresh shows the fault as it is: active, expired (kept, not re-injected) or drifted (next `up` re-injects).
    const now = await checkMechanism(props);
    if (now) return { id, props: withStatus(props, now.status, props.status === now.status && props.drift ? props.drift : now.drift) };
    try {
      await runScript(props.check, props.environment, 60);
      return { id, props };
    } catch (e) {
      if ((e as { exitCode?: number }).exitCode === 3) return { id: "", props: {} }; // reverted by its watchdog
      throw e;
    }
  },
};

/**
 * What `pulumi.dynamic.Resource` declares (same type token, so the same URNs and state), with the provider's
 * text from provider-text.ts instead of serializing the provider in every run.
 */
class FaultCommand extends pulumi.CustomResource {
  declare public readonly stdout: pulumi.Output<string>;
  declare public readonly metadata: pulumi.Output<any>;
  declare public readonly inject: pulumi.Output<string>;
  declare public readonly recover: pulumi.Output<string>;
  declare public readonly verified: pulumi.Output<VerificationOutcome | undefined>;
  declare public readonly status: pulumi.Output<MechanismStatus | undefined>;
  declare public readonly drift: pulumi.Output<{ at: number; reason: string } | undefined>;

  constructor(name: string, args: pulumi.Inputs, opts?: pulumi.CustomResourceOptions) {
    const outputs = { stdout: undefined, baseline: undefined, verified: undefined, status: undefined, drift: undefined };
    super("pulumi-nodejs:dynamic/pgchaos:Fault", name, { ...args, ...outputs, __provider: providerText(faultProvider) },
      { ...opts, deleteBeforeReplace: true, additionalSecretOutputs: ["environment"] });
  }
}

/**
 * One fault as a Pulumi resource: create injects and verifies the effect from outside the target,
 * delete recovers and verifies the effect is gone (from the scripts stored at create), refresh drops
 * it when the watchdog already reverted it. Its identity is the spec: changing a parameter recovers the
 * old fault before injecting the new one (delete-before-replace), never both at once.
 */
export class Fault extends pulumi.ComponentResource {
  public readonly kind: pulumi.Output<string>;
  public readonly targets: pulumi.Output<string[]>;
  public readonly links: pulumi.Output<string[]>;
  public readonly mechanism: pulumi.Output<string>;
  public readonly expectedEffect: pulumi.Output<string>;
  public readonly injections: pulumi.Output<Injection[]>;
  public readonly verification: pulumi.Output<VerificationOutcome | undefined>;
  public readonly injectCommand: pulumi.Output<string>;
  public readonly recoverCommand: pulumi.Output<string>;
  /** active | expired | drifted, as the last up/refresh found the mechanism; drift says when and why. */
  public readonly status: pulumi.Output<MechanismStatus | undefined>;
  public readonly drift: pulumi.Output<{ at: number; reason: string } | undefined>;

  constructor(name: string, args: { plan: pulumi.Output<FaultPlan>; verify: boolean; environment?: pulumi.Input<Record<string, string>> }, opts?: pulumi.ComponentResourceOptions) {
    super("pgchaos:chaos:Fault", name, {}, opts);
    const { plan } = args;
    const command = new FaultCommand(`${name}-fault`, {
      name,
      inject: plan.inject,
      recover: plan.recover,
      check: plan.check,
      mechanismCheck: plan.mechanismCheck,
      activeSeconds: plan.activeSeconds,
      conflictKeys: plan.conflictKeys,
      verification: plan.verification,
      verify: args.verify,
      ...(args.environment ? { environment: pulumi.secret(args.environment) } : {}),
      diffKey: plan.apply((p) => JSON.stringify(p.spec)),
      pinKey: plan.apply((p) => JSON.stringify(p.targets)),
      // What the fault really did, stored with it: after a failover the program may resolve "primary"
      // elsewhere, but outputs must describe the fault as injected.
      metadata: plan.apply(({ kind, targets, links, mechanism, expectedEffect }) => ({ kind, targets, links, mechanism, expectedEffect })),
    }, { parent: this });
    const meta = command.metadata as pulumi.Output<Pick<FaultPlan, "kind" | "targets" | "links" | "mechanism" | "expectedEffect">>;
    this.kind = meta.kind;
    this.targets = meta.targets;
    this.links = meta.links;
    this.mechanism = meta.mechanism;
    this.expectedEffect = meta.expectedEffect;
    this.injections = command.stdout.apply((out) => parseInjections(out ?? ""));
    this.verification = command.verified;
    this.injectCommand = command.inject;
    this.recoverCommand = command.recover;
    this.status = command.status;
    this.drift = command.drift;
    this.registerOutputs({ targets: this.targets, mechanism: this.mechanism, injections: this.injections, verification: this.verification });
  }
}
