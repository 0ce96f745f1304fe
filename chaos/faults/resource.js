"use strict";
var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __setModuleDefault = (this && this.__setModuleDefault) || (Object.create ? (function(o, v) {
    Object.defineProperty(o, "default", { enumerable: true, value: v });
}) : function(o, v) {
    o["default"] = v;
});
var __importStar = (this && this.__importStar) || (function () {
    var ownKeys = function(o) {
        ownKeys = Object.getOwnPropertyNames || function (o) {
            var ar = [];
            for (var k in o) if (Object.prototype.hasOwnProperty.call(o, k)) ar[ar.length] = k;
            return ar;
        };
        return ownKeys(o);
    };
    return function (mod) {
        if (mod && mod.__esModule) return mod;
        var result = {};
        if (mod != null) for (var k = ownKeys(mod), i = 0; i < k.length; i++) if (k[i] !== "default") __createBinding(result, mod, k[i]);
        __setModuleDefault(result, mod);
        return result;
    };
})();
Object.defineProperty(exports, "__esModule", { value: true });
exports.Fault = exports.faultProvider = void 0;
exports.parseInjections = parseInjections;
// The fault as a Pulumi dynamic resource: create injects and verifies, delete recovers and verifies, read checks.
const pulumi = __importStar(require("@pulumi/pulumi"));
const shell_command_1 = require("../../components/command/shell-command");
const verify_1 = require("./verify");
const mechanism_1 = require("./mechanism");
const provider_text_1 = require("./provider-text");
function parseInjections(stdout) {
    return stdout
        .split("\n")
        .filter((l) => l.startsWith("{") && l.includes('"injectedAt"'))
        .map((l) => JSON.parse(l));
}
// Helpers are plain functions (no classes): Pulumi serializes them into the dynamic-provider host.
// Probes run at once (each is a process start and a docker exec); results keep the specs' order.
async function runProbes(specs, env) {
    const texts = await Promise.all(specs.map((p) => (0, shell_command_1.runScript)(p.script, env, 60).catch(() => {
        // Unreachable is not "stopped": only Docker's or systemd's own answer says that.
        return p.type === "state" ? "unknown" : "";
    })));
    const out = [];
    specs.forEach((p, i) => {
        const text = texts[i];
        if (p.type === "state")
            out.push({ type: "state", value: text.trim().split("\n").pop() ?? "" });
        else if (text)
            out.push({ type: p.type, value: JSON.parse(text.trim().split("\n").pop()) });
    });
    return out;
}
async function verifyUntil(state, phase) {
    const v = state.verification;
    const started = Date.now();
    const deadline = started + v.boundSeconds * 1000;
    for (;;) {
        const results = await runProbes(v.probes, state.environment);
        const verdict = phase === "injected" ? (0, verify_1.judgeInjected)(v.rule, state.baseline ?? [], results) : (0, verify_1.judgeRecovered)(v.rule, state.baseline ?? [], results);
        const outcome = { configured: verdict.configured, measured: verdict.measured, seconds: Math.round((Date.now() - started) / 100) / 10 };
        if (verdict.achieved || Date.now() > deadline)
            return { achieved: verdict.achieved, outcome };
        // A failed round is retried soon: a round of probes itself takes 0.2–2 s.
        await new Promise((r) => setTimeout(r, 200));
    }
}
/** Runs the fault's mechanism check (state written before it existed has none: undefined). */
async function checkMechanism(state) {
    if (!state.mechanismCheck || state.activeSeconds === undefined)
        return undefined;
    const out = await (0, shell_command_1.runScript)(state.mechanismCheck, state.environment, 60);
    const injectedAt = parseInjections(state.stdout ?? "").map((i) => i.injectedAt);
    const verdict = (0, mechanism_1.judgeMechanism)(out, { injectedAt: injectedAt.length ? Math.min(...injectedAt) : undefined, activeSeconds: state.activeSeconds, now: Date.now() / 1000 });
    return { status: verdict.status, drift: { at: Date.now(), reason: verdict.reason } };
}
/** The state with its status; `drift` only when not active (undefined values cannot cross the provider's wire). */
function withStatus(state, status, drift) {
    const { drift: _old, ...rest } = state;
    return status === "active" || !drift ? { ...rest, status } : { ...rest, status, drift };
}
const same = (a, b) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
exports.faultProvider = {
    async create(inputs) {
        const state = { ...inputs };
        if (state.verify)
            state.baseline = await runProbes(state.verification.baseline, state.environment);
        // Atomic: recovers itself on failure; the error names the fault and says whether that recover worked.
        state.stdout = await (0, shell_command_1.runScript)(state.inject, state.environment, 180).catch((e) => {
            const recovered = e.message.includes("RECOVERING THE FAILED INJECT FAILED TOO") ? "and recovering it FAILED too (run `pgchaos doctor --fix`)" : "it was recovered";
            throw new Error(`fault ${state.name}: inject failed, ${recovered} — ${e.message}`);
        });
        if (state.verify) {
            const { achieved, outcome } = await verifyUntil(state, "injected");
            state.verified = outcome;
            if (!achieved) {
                const recovered = await (0, shell_command_1.runScript)(state.recover, state.environment, 180).then(() => "it was recovered", (e) => `and recovering it FAILED too: ${e.message}`);
                throw new Error(`fault ${state.name}: effect not achieved within ${state.verification.boundSeconds} s — expected ${outcome.configured}, measured ${outcome.measured}; ${recovered}`);
            }
        }
        return { id: `${state.name}-${Date.now().toString(36)}`, outs: withStatus(state, "active") };
    },
    async diff(_id, olds, news) {
        // Plain `up` never calls read: the mechanism is re-checked here, and a drifted fault is replaced
        // (recovered, then injected again and verified); an expired one is kept and marked, never re-injected.
        const now = await checkMechanism({ ...olds, environment: news.environment ?? olds.environment });
        const drifted = now?.status === "drifted";
        const replaced = drifted || !same(olds.diffKey, news.diffKey);
        if (now && !replaced && now.status !== (olds.status ?? "active"))
            return { changes: true, replaces: [], deleteBeforeReplace: true };
        const newScripts = same(olds.pinKey, news.pinKey) && (!same(olds.recover, news.recover) || !same(olds.check, news.check) || !same(olds.verification, news.verification));
        // A new SSH key (rotated) is adopted so recover can still reach the hosts.
        const newEnvironment = !same(olds.environment, news.environment);
        return { changes: replaced || newScripts || newEnvironment, replaces: drifted ? ["status"] : replaced ? ["diffKey"] : [], deleteBeforeReplace: true };
    },
    async update(_id, olds, news) {
        // Never re-inject: only adopt fixed recover/check/verification scripts for the same targets.
        const adopted = same(olds.pinKey, news.pinKey)
            ? { ...olds, recover: news.recover, check: news.check, verification: news.verification, mechanismCheck: news.mechanismCheck ?? olds.mechanismCheck, activeSeconds: news.activeSeconds ?? olds.activeSeconds }
            : olds;
        const now = await checkMechanism({ ...adopted, environment: news.environment });
        // No undefined values: they cannot cross the provider's wire ("Unexpected struct type").
        const outs = news.environment ? { ...adopted, environment: news.environment } : (({ environment: _e, ...rest }) => rest)(adopted);
        return { outs: now ? withStatus(outs, now.status, now.drift) : outs };
    },
    async delete(_id, props) {
        await (0, shell_command_1.runScript)(props.recover, props.environment, 180).catch((e) => {
            // Failing keeps the resource in state; the message says so and what to run once the target is fixed.
            throw new Error(`fault ${props.name}: RECOVER FAILED — ${e.message.trim()}\nthe fault stays in state: fix the target, then run \`pulumi destroy\` (or up) again, or \`pgchaos doctor\``);
        });
        if (!props.verify)
            return;
        const { achieved, outcome } = await verifyUntil(props, "recovered");
        if (!achieved) {
            // Failing keeps the resource in state, so the next `up`/`destroy` runs recover again.
            throw new Error(`fault ${props.name}: RECOVER DID NOT REMOVE THE EFFECT within ${props.verification.boundSeconds} s — measured ${outcome.measured}; the fault stays in state: run \`pulumi destroy\` (or up) again, or \`pgchaos doctor\``);
        }
    },
    async read(id, props) {
        // Refresh shows the fault as it is: active, expired (kept, not re-injected) or drifted (next `up` re-injects).
        const now = await checkMechanism(props);
        if (now)
            return { id, props: withStatus(props, now.status, props.status === now.status && props.drift ? props.drift : now.drift) };
        try {
            await (0, shell_command_1.runScript)(props.check, props.environment, 60);
            return { id, props };
        }
        catch (e) {
            if (e.exitCode === 3)
                return { id: "", props: {} }; // reverted by its watchdog
            throw e;
        }
    },
};
/**
 * What `pulumi.dynamic.Resource` declares (same type token, so the same URNs and state), with the provider's
 * text from provider-text.ts instead of serializing the provider in every run.
 */
class FaultCommand extends pulumi.CustomResource {
    constructor(name, args, opts) {
        const outputs = { stdout: undefined, baseline: undefined, verified: undefined, status: undefined, drift: undefined };
        super("pulumi-nodejs:dynamic/pgchaos:Fault", name, { ...args, ...outputs, __provider: (0, provider_text_1.providerText)(exports.faultProvider) }, { ...opts, deleteBeforeReplace: true, additionalSecretOutputs: ["environment"] });
    }
}
/**
 * One fault as a Pulumi resource: create injects and verifies the effect from outside the target,
 * delete recovers and verifies the effect is gone (from the scripts stored at create), refresh drops
 * it when the watchdog already reverted it. Its identity is the spec: changing a parameter recovers the
 * old fault before injecting the new one (delete-before-replace), never both at once.
 */
class Fault extends pulumi.ComponentResource {
    constructor(name, args, opts) {
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
        const meta = command.metadata;
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
exports.Fault = Fault;
