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
exports.loss = exports.lossSpec = void 0;
// loss: a share of packets between targets and peers dropped (iptables statistic match), one way or both.
const zod_1 = require("zod");
const world_1 = require("../../targets/world");
const nf = __importStar(require("../netfilter"));
const shapes_1 = require("../shapes");
const spec_fields_1 = require("../spec-fields");
const targeting_1 = require("../targeting");
exports.lossSpec = zod_1.z.object({
    ...spec_fields_1.baseFields,
    kind: zod_1.z.literal("loss"),
    target: spec_fields_1.selector,
    peers: spec_fields_1.peers,
    // `pulumi config set --path` stores decimals as strings: accept "12.5" as 12.5.
    percent: zod_1.z.preprocess((v) => (typeof v === "string" && /^\d+(\.\d+)?$/.test(v) ? Number(v) : v), zod_1.z.number().min(0).max(100)),
    direction: zod_1.z.enum(["in", "out", "both"]).default("both"),
}).strict();
exports.loss = {
    plan(spec, { world }, seconds) {
        const f = spec.name;
        const targets = (0, world_1.resolveSelector)(spec.target, world);
        const peerList = (0, targeting_1.resolvePeers)(world, targets, spec.peers);
        const arrow = { in: "<-", out: "->", both: "<->" }[spec.direction];
        const ways = spec.direction === "both" ? "both ways" : spec.direction === "in" ? "from the peers" : "to the peers";
        return {
            ...(0, shapes_1.chainsInsideTargets)(f, targets, nf.lossRules(peerList.map((p) => p.ip), spec.percent, spec.direction), seconds),
            targets: (0, targeting_1.names)(targets), links: targets.flatMap((t) => peerList.map((p) => `${t.name} ${arrow} ${p.name}`)),
            mechanism: `iptables statistic DROP (chains ${nf.chainName(f, "INPUT")}/${nf.chainName(f, "OUTPUT")})`,
            expectedEffect: `${spec.percent}% of packets ${ways} dropped; TCP retransmits, latency and replication lag rise`,
            conflictKeys: [],
            // A connect from a peer needs its SYN in and the SYN-ACK out: one lossy crossing, or two for "both".
            verification: {
                rule: { type: "fail-share", expectedShare: spec.direction === "both" ? 1 - (1 - spec.percent / 100) ** 2 : spec.percent / 100, configured: `${spec.percent}% loss ${spec.direction}` },
                // 200 connects (the share's tolerance depends on the count), 50 at a time: each dropped SYN costs its
                // worker the 300 ms timeout, so at 25 workers a round took ≈ 1.2 s of waiting, at 50 ≈ 0.6 s.
                baseline: [], probes: [(0, targeting_1.tcpFrom)(peerList[0], targets[0], (0, targeting_1.servicePort)(targets[0]), 200, 300, 50)], boundSeconds: 10,
            },
        };
    },
    need: () => "iptables",
    netemSelectors: () => [],
};
