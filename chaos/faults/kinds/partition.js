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
exports.partition = exports.partitionSpec = void 0;
// partition: group A cut off from group B (iptables DROP on A's members), both ways or A → B only.
const zod_1 = require("zod");
const world_1 = require("../../targets/world");
const nf = __importStar(require("../netfilter"));
const shapes_1 = require("../shapes");
const spec_fields_1 = require("../spec-fields");
const targeting_1 = require("../targeting");
exports.partitionSpec = zod_1.z.object({
    ...spec_fields_1.baseFields,
    kind: zod_1.z.literal("partition"),
    groupA: zod_1.z.array(spec_fields_1.selector).min(1).max(16),
    /** Default: every other member of the cluster. */
    groupB: zod_1.z.array(spec_fields_1.selector).min(1).max(16).optional(),
    /** one-way: only packets from A to B are dropped. */
    mode: zod_1.z.enum(["symmetric", "one-way"]).default("symmetric"),
}).strict();
exports.partition = {
    plan(spec, { world, dcs }, seconds) {
        const f = spec.name;
        const a = (0, world_1.resolveAll)(spec.groupA, world);
        const b = (spec.groupB ? (0, world_1.resolveAll)(spec.groupB, world) : (0, targeting_1.others)(world, a)).filter((m) => !a.some((x) => x.name === m.name));
        if (!b.length)
            throw new world_1.PlanError(`partition ${f}: group B is empty once group A is removed from it`);
        const symmetric = spec.mode === "symmetric";
        return {
            ...(0, shapes_1.chainsInsideTargets)(f, a, nf.partitionRules(b.map((m) => m.ip), symmetric), seconds),
            targets: (0, targeting_1.names)(a), links: a.flatMap((x) => b.map((y) => `${x.name} ${symmetric ? "<-/->" : "-/->"} ${y.name}`)),
            mechanism: `iptables DROP (chains ${nf.chainName(f, "INPUT")}/${nf.chainName(f, "OUTPUT")} on ${(0, targeting_1.names)(a).join(",")})`,
            expectedEffect: `{${(0, targeting_1.names)(a).join(",")}} cut off from {${(0, targeting_1.names)(b).join(",")}}${symmetric ? "" : " (one way: A → B)"}; ${(0, targeting_1.failoverExpectation)(world, dcs, a)}`,
            conflictKeys: [],
            // From B to A: symmetric drops the SYN, one-way drops A's SYN-ACK; either way nothing connects.
            verification: {
                rule: { type: "blocked", configured: `${spec.mode} partition {${(0, targeting_1.names)(a).join(",")}} / {${(0, targeting_1.names)(b).join(",")}}` },
                baseline: [], probes: [(0, targeting_1.tcpFrom)(b[0], a[0], (0, targeting_1.servicePort)(a[0]), 10, 300, 10)], boundSeconds: 10,
            },
        };
    },
    need: () => "iptables",
    netemSelectors: () => [],
};
