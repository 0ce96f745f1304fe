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
exports.delay = exports.delaySpec = void 0;
exports.delayVerification = delayVerification;
// delay: added latency on packets from targets to peers — tc netem where the kernel has it, else the NFQUEUE delayer.
const zod_1 = require("zod");
const world_1 = require("../../targets/world");
const mech = __importStar(require("../mechanism"));
const ms = __importStar(require("../member-scripts"));
const nf = __importStar(require("../netfilter"));
const shapes_1 = require("../shapes");
const spec_fields_1 = require("../spec-fields");
const targeting_1 = require("../targeting");
exports.delaySpec = zod_1.z.object({
    ...spec_fields_1.baseFields,
    kind: zod_1.z.literal("delay"),
    target: spec_fields_1.selector,
    peers: spec_fields_1.peers,
    delayMs: zod_1.z.number().int().min(1).max(10_000),
    jitterMs: zod_1.z.number().int().min(0).max(5_000).default(0),
    /** auto: netem where the kernel has it, else the NFQUEUE delayer. */
    mechanism: zod_1.z.enum(["auto", "netem", "nfqueue"]).default("auto"),
}).strict().refine((d) => d.jitterMs <= d.delayMs, { message: "jitterMs must be <= delayMs", path: ["jitterMs"] });
/** A TCP connect from `prober` to `target` before and after: its round trip grows by the delay. */
function delayVerification(prober, target, delayMs, jitterMs) {
    // 9 connects, 3 at a time (each is held for the delay on its own: the delayer schedules packets by their
    // due time, so a delayer that serialised them would show here as a multiple of the delay, and fail).
    const probe = (0, targeting_1.tcpFrom)(prober, target, (0, targeting_1.servicePort)(target), 9, 3000 + 2 * delayMs, 3);
    return { rule: { type: "delay", delayMs, configured: `+${delayMs} ms${jitterMs ? ` ±${jitterMs} ms` : ""}` }, baseline: [probe], probes: [probe], boundSeconds: 10 };
}
const mechanismText = (m, f, q) => m === "netem" ? `tc netem (prio handle ${ms.tcHandle(f)}:)` : m === "nfqueue" ? `NFQUEUE ${q} + pgchaos-delay (kernel has no sch_netem)` : "netem if the kernel has it, else NFQUEUE delayer (decided at inject)";
exports.delay = {
    plan(spec, { world }, seconds) {
        const f = spec.name;
        const targets = (0, world_1.resolveSelector)(spec.target, world);
        const peerList = (0, targeting_1.resolvePeers)(world, targets, spec.peers);
        const peerIps = peerList.map((p) => p.ip);
        const mechanismFor = (m) => {
            const netem = world.live.netem[m.name];
            if (spec.mechanism === "netem" && netem === false)
                throw new world_1.PlanError(`delay ${f}: mechanism netem requested but ${m.name}'s kernel has no sch_netem`);
            if (spec.mechanism !== "auto")
                return spec.mechanism;
            return netem === undefined ? "auto" : netem ? "netem" : "nfqueue";
        };
        const q = ms.queueNumber(f);
        const netemApply = ms.netemApply(f, peerIps, spec.delayMs, spec.jitterMs);
        const nfqApply = `${nf.installChains(f, nf.nfqueueRules(peerIps, q))}\n${ms.delayerStart(f, q, spec.delayMs, spec.jitterMs)}`;
        const apply = (m) => {
            const chosen = mechanismFor(m);
            if (chosen === "netem")
                return netemApply;
            if (chosen === "nfqueue")
                return nfqApply;
            return `if [ "$(${ms.NETEM_PROBE})" = yes ]; then\n${netemApply}\nelse\n${nfqApply}\nfi`;
        };
        // Revert both mechanisms: safe (each removes only its own objects) and right after an auto choice.
        const revert = () => [ms.netemRevert(f), ms.delayerStop(f), nf.removeChains(f)].join("\n");
        const present = () => `${nf.chainsPresent(f)} || (${ms.netemPresent(f)})`;
        const nfqTests = [...mech.chainTests(f, nf.nfqueueRules(peerIps, q), []), mech.delayerTest(f)];
        const tests = (m) => ({ netem: [mech.netemTest(f)], nfqueue: nfqTests, auto: mech.eitherDelay(f, nfqTests) })[mechanismFor(m)];
        return {
            ...(0, shapes_1.insideTargets)(f, targets, apply, revert, present, seconds, tests),
            targets: (0, targeting_1.names)(targets), links: targets.flatMap((t) => peerList.map((p) => `${t.name} -> ${p.name}`)),
            mechanism: [...new Set(targets.map(mechanismFor))].map((m) => mechanismText(m, f, q)).join(" / "),
            expectedEffect: `+${spec.delayMs} ms${spec.jitterMs ? ` ±${spec.jitterMs} ms` : ""} on packets from ${(0, targeting_1.names)(targets).join(",")} to ${(0, targeting_1.names)(peerList).join(",")}: round trips grow by that much`,
            conflictKeys: targets.map((t) => `delay:${t.name}`),
            verification: delayVerification(peerList[0], targets[0], spec.delayMs, spec.jitterMs),
        };
    },
    need: () => "delay",
    netemSelectors: (spec) => [spec.target],
};
