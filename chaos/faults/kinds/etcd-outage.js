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
exports.etcdOutage = exports.etcdOutageSpec = void 0;
// etcd-outage: the DCS taken away — members stopped, Patroni's client port blocked, etcd slowed, or members flapping.
const zod_1 = require("zod");
const world_1 = require("../../targets/world");
const flapping_1 = require("../flapping");
const nf = __importStar(require("../netfilter"));
const shapes_1 = require("../shapes");
const spec_fields_1 = require("../spec-fields");
const targeting_1 = require("../targeting");
const delay_1 = require("./delay");
exports.etcdOutageSpec = zod_1.z.object({
    ...spec_fields_1.baseFields,
    kind: zod_1.z.literal("etcd-outage"),
    /**
     * stop: stop `members` etcd members; block-client: Patroni nodes in `from` cannot reach etcd; slow: delay
     * etcd traffic; flap: stop and start `members` `cycles` times (down `downSeconds`, up `upSeconds`).
     */
    variant: zod_1.z.enum(["stop", "block-client", "slow", "flap"]),
    /** For stop/slow/flap: selectors or a count of members (followers first, then the leader). */
    members: zod_1.z.union([zod_1.z.number().int().min(1).max(5), zod_1.z.array(spec_fields_1.selector).min(1).max(5)]).default(1),
    from: zod_1.z.array(spec_fields_1.selector).min(1).max(7).default(["all-patroni"]),
    delayMs: zod_1.z.number().int().min(1).max(10_000).default(200),
    /**
     * slow: whose traffic from etcd is delayed — `clients` (the Patroni nodes: a slow DCS) or `everyone`
     * (the etcd peers too: a delay near etcd's election timeout leaves etcd without a leader — an outage).
     */
    slowFor: zod_1.z.enum(["clients", "everyone"]).default("clients"),
    mode: spec_fields_1.lifecycleMode,
    /** flap: how many stop/start cycles, and how long each down and up phase lasts (seconds). */
    cycles: zod_1.z.number().int().min(1).max(50).default(3),
    downSeconds: zod_1.z.number().int().min(2).max(600).default(5),
    upSeconds: zod_1.z.number().int().min(2).max(600).default(5),
}).strict();
const etcdOf = (world) => world.members.filter((m) => m.kind === "etcd");
/** The members a stop/slow/flap acts on: named ones, or a count (followers first, then the leader). */
function chooseMembers(spec, world) {
    const etcd = etcdOf(world);
    if (Array.isArray(spec.members))
        return (0, world_1.resolveAll)(spec.members, world);
    if (spec.members > etcd.length)
        throw new world_1.PlanError(`etcd-outage ${spec.name}: members = ${spec.members} but etcd has ${etcd.length}`);
    const followersFirst = [...etcd.filter((m) => m.name !== world.live.etcdLeader), ...etcd.filter((m) => m.name === world.live.etcdLeader)];
    return followersFirst.slice(0, spec.members);
}
const quorumLost = (world, n) => { const size = etcdOf(world).length; return n > size - Math.floor(size / 2) - 1; };
function planStop(spec, world, dcs, seconds) {
    const targets = chooseMembers(spec, world);
    const size = etcdOf(world).length;
    return {
        ...(0, shapes_1.lifecycleFault)(spec.name, targets, spec.mode, seconds),
        targets: (0, targeting_1.names)(targets), links: [], mechanism: `${spec.mode} etcd member(s)`,
        expectedEffect: quorumLost(world, targets.length)
            ? `${targets.length} of ${size} etcd members down → quorum lost; Patroni cannot renew the leader key: the primary demotes after ttl (${dcs.ttl} s) unless failsafe_mode is on`
            : `${targets.length} of ${size} etcd members down → quorum kept; no failover expected`,
        conflictKeys: targets.map((t) => `lifecycle:${t.name}`),
        verification: (0, targeting_1.downVerification)(world, targets, spec.mode),
    };
}
function planBlockClient(spec, world, dcs, seconds) {
    const from = (0, world_1.resolveAll)(spec.from, world);
    const etcd = etcdOf(world);
    const hitsPrimary = from.some((m) => m.name === world.live.patroniLeader);
    return {
        ...(0, shapes_1.chainsInsideTargets)(spec.name, from, nf.blockPortRules(etcd.map((m) => m.ip), 2379), seconds),
        targets: (0, targeting_1.names)(from), links: from.flatMap((x) => etcd.map((e) => `${x.name} -/-> ${e.name}:2379`)),
        mechanism: "iptables DROP to etcd's client port",
        expectedEffect: `${(0, targeting_1.names)(from).join(",")} cannot reach etcd → ${hitsPrimary ? `the primary cannot renew its leader key: it demotes after ttl (${dcs.ttl} s) unless failsafe_mode lets it stay` : "those replicas cannot see the DCS; no failover expected"}`,
        conflictKeys: [],
        // The rule sits in the Patroni node's OUTPUT: only a connect from there can show it.
        verification: {
            rule: { type: "blocked", configured: `${(0, targeting_1.names)(from).join(",")} → etcd:2379 dropped` },
            baseline: [], probes: [(0, targeting_1.tcpFrom)(from[0], etcd[0], 2379, 5, 300, 5)], boundSeconds: 10,
        },
    };
}
function planFlap(spec, world, seconds) {
    const targets = chooseMembers(spec, world);
    const total = spec.cycles * (spec.downSeconds + spec.upSeconds);
    if (seconds < total)
        throw new world_1.PlanError(`etcd-outage ${spec.name}: durationSeconds = ${seconds} is shorter than cycles × (downSeconds + upSeconds) = ${total}: raise durationSeconds or shorten the flapping`);
    const { verification, ...scripts } = (0, flapping_1.flapFault)(spec.name, targets, (0, targeting_1.others)(world, targets)[0], spec.mode, spec.cycles, spec.downSeconds, spec.upSeconds);
    return {
        ...scripts, verification,
        targets: (0, targeting_1.names)(targets), links: [],
        mechanism: `flapping: ${spec.cycles} × (${spec.mode} for ${spec.downSeconds} s, up for ${spec.upSeconds} s) driven by a loop on the controller; each stop arms a watchdog (${spec.downSeconds + flapping_1.FLAP_WATCHDOG_GRACE_SECONDS} s)`,
        expectedEffect: `${(0, targeting_1.withRoles)(world, targets)} down and up ${spec.cycles} times over ≈ ${total} s; ${quorumLost(world, targets.length) ? "quorum is lost while they are down: the primary demotes after ttl unless failsafe_mode is on" : "quorum kept: etcd re-elects when its leader goes down; no Patroni failover expected"}`,
        conflictKeys: targets.map((t) => `lifecycle:${t.name}`),
    };
}
/** slow: a delay on every chosen etcd member's traffic (to the Patroni nodes, or to everyone). */
function planSlow(spec, ctx, seconds) {
    const { world, dcs } = ctx;
    const targets = chooseMembers(spec, world);
    const peers = spec.slowFor === "clients" ? ["all-patroni"] : undefined;
    const perTarget = targets.map((t) => delay_1.delay.plan({ kind: "delay", name: spec.name, target: t.name, peers, delayMs: spec.delayMs, jitterMs: 0, mechanism: "auto", durationSeconds: seconds }, ctx, seconds));
    const perMemberTimeout = dcs.retryTimeout / Math.max(1, etcdOf(world).length);
    return {
        inject: perTarget.map((p) => p.inject).join("\n"),
        recover: perTarget.map((p) => p.recover).join("\n"),
        check: `present=0\n${perTarget.map((p) => `if (${p.check}) >/dev/null 2>&1; then present=1; fi`).join("\n")}\n[ "$present" = 1 ] || exit 3`,
        mechanismCheck: perTarget.map((p) => p.mechanismCheck).join("\n"), activeSeconds: seconds,
        targets: (0, targeting_1.names)(targets), links: perTarget.flatMap((p) => p.links), mechanism: perTarget[0].mechanism,
        expectedEffect: `etcd answers Patroni ${spec.delayMs} ms slower; Patroni's etcd client gives each member retry_timeout / members ≈ ${perMemberTimeout.toFixed(2)} s per request: ` +
            `${spec.delayMs / 1000 >= perMemberTimeout / 2 ? "a request needing two delayed round trips (a new connection) can time out on every member: the primary may demote (a false failover)" : "well below it, no failover expected"}` +
            `${spec.slowFor === "everyone" ? `; etcd's own peer traffic is delayed too: near etcd's election timeout (1 s by default) etcd cannot keep a leader — an etcd outage, not a slow etcd` : ""}`,
        conflictKeys: perTarget.flatMap((p) => p.conflictKeys),
        verification: (0, delay_1.delayVerification)(world.members.find((m) => m.kind === "patroni") ?? (0, targeting_1.others)(world, targets)[0], targets[0], spec.delayMs, 0),
    };
}
exports.etcdOutage = {
    plan(spec, ctx, seconds) {
        switch (spec.variant) {
            case "stop": return planStop(spec, ctx.world, ctx.dcs, seconds);
            case "block-client": return planBlockClient(spec, ctx.world, ctx.dcs, seconds);
            case "flap": return planFlap(spec, ctx.world, seconds);
            case "slow": return planSlow(spec, ctx, seconds);
        }
    },
    need: (spec) => (spec.variant === "stop" ? "lifecycle" : spec.variant === "slow" ? "delay" : "iptables"),
    netemSelectors: (spec) => (spec.variant === "slow" ? ["all-etcd"] : []),
};
