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
exports.reset = exports.resetSpec = void 0;
// reset: every TCP connection on some ports between targets and peers reset (iptables REJECT tcp-reset).
const zod_1 = require("zod");
const world_1 = require("../../targets/world");
const nf = __importStar(require("../netfilter"));
const shapes_1 = require("../shapes");
const spec_fields_1 = require("../spec-fields");
const targeting_1 = require("../targeting");
exports.resetSpec = zod_1.z.object({
    ...spec_fields_1.baseFields,
    kind: zod_1.z.literal("reset"),
    target: spec_fields_1.selector,
    peers: spec_fields_1.peers,
    /** TCP ports whose connections (either side) are reset; default the cluster's service ports. */
    ports: zod_1.z.array(zod_1.z.number().int().min(1).max(65535)).min(1).max(16).default([5432, 8008, 2379, 2380]),
}).strict();
function resetVerification(target, peer, ports) {
    const served = ports.find((p) => targeting_1.LISTENS[target.kind].includes(p));
    const peerServed = ports.find((p) => targeting_1.LISTENS[peer.kind].includes(p));
    // Probe a port that listens without the fault, so a refusal can only come from the fault's resets.
    const probe = served !== undefined ? (0, targeting_1.tcpFrom)(peer, target, served, 10, 1000, 5) : peerServed !== undefined ? (0, targeting_1.tcpFrom)(target, peer, peerServed, 10, 1000, 5) : undefined;
    if (!probe)
        throw new world_1.PlanError(`reset: none of ports ${ports.join(",")} is served by ${target.name} (${targeting_1.LISTENS[target.kind].join(",")}) or ${peer.name} (${targeting_1.LISTENS[peer.kind].join(",")}): the effect could not be verified`);
    return { rule: { type: "reset", configured: `tcp-reset on ${ports.join(",")}` }, baseline: [], probes: [probe], boundSeconds: 10 };
}
exports.reset = {
    plan(spec, { world, dcs }, seconds) {
        const targets = (0, world_1.resolveSelector)(spec.target, world);
        const peerList = (0, targeting_1.resolvePeers)(world, targets, spec.peers);
        return {
            ...(0, shapes_1.chainsInsideTargets)(spec.name, targets, nf.resetRules(peerList.map((p) => p.ip), spec.ports), seconds),
            targets: (0, targeting_1.names)(targets), links: targets.flatMap((t) => peerList.map((p) => `${t.name} <-> ${p.name}`)),
            mechanism: `iptables REJECT --reject-with tcp-reset on ports ${spec.ports.join(",")}`,
            expectedEffect: `every TCP connection on ports ${spec.ports.join(",")} between them is reset; ${(0, targeting_1.failoverExpectation)(world, dcs, targets) || "clients reconnect and fail"}`,
            conflictKeys: [],
            verification: resetVerification(targets[0], peerList[0], spec.ports),
        };
    },
    need: () => "iptables",
    netemSelectors: () => [],
};
