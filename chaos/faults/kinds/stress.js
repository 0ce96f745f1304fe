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
exports.stress = exports.stressSpec = void 0;
// stress: CPU, I/O or memory pressure inside targets (stress-ng), verified by the target's own usage.
const zod_1 = require("zod");
const world_1 = require("../../targets/world");
const mech = __importStar(require("../mechanism"));
const ms = __importStar(require("../member-scripts"));
const probes_1 = require("../probes");
const shapes_1 = require("../shapes");
const spec_fields_1 = require("../spec-fields");
const targeting_1 = require("../targeting");
exports.stressSpec = zod_1.z.object({
    ...spec_fields_1.baseFields,
    kind: zod_1.z.literal("stress"),
    target: spec_fields_1.selector,
    resource: zod_1.z.enum(["cpu", "io", "memory"]),
    workers: zod_1.z.number().int().min(1).max(8).default(1),
    /** CPU load per worker, percent. */
    loadPercent: zod_1.z.number().int().min(1).max(100).default(100),
    /** Bytes per worker for io (file size) and memory (allocation). */
    bytes: spec_fields_1.byteSize.default("64M"),
}).strict();
function stressVerification(target, spec, what) {
    const { resource, workers, loadPercent, bytes } = spec;
    const usage = { type: "usage", script: target.transport.exec((0, probes_1.usageProbeScript)(1.5)) };
    const unit = { K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[bytes.slice(-1)];
    const totalBytes = Number(bytes.slice(0, -1)) * unit * workers;
    const rule = resource === "cpu"
        // On a shared host other members compete for the cores: 60 % of the asked load (at most 2 cores) proves it runs.
        ? { type: "usage", resource, minCores: 0.6 * Math.min(2, (workers * loadPercent) / 100), configured: what }
        : resource === "io" ? { type: "usage", resource, minBytesPerSecond: 5 * 1024 * 1024, configured: what }
            : { type: "usage", resource, minMemoryGrowthBytes: 0.5 * totalBytes, configured: what };
    return { rule, baseline: [usage], probes: [usage], boundSeconds: 15 };
}
exports.stress = {
    plan(spec, { world }, seconds) {
        const f = spec.name;
        const targets = (0, world_1.resolveSelector)(spec.target, world);
        const what = spec.resource === "cpu" ? `${spec.workers} CPU worker(s) at ${spec.loadPercent}%` : `${spec.workers} ${spec.resource} worker(s) of ${spec.bytes}`;
        return {
            ...(0, shapes_1.insideTargets)(f, targets, () => ms.stressStart(f, spec.resource, spec.workers, spec.loadPercent, spec.bytes, seconds), () => ms.stressStop(f), () => ms.stressAlive(f), seconds, () => mech.stressTests(f, spec.workers)),
            targets: (0, targeting_1.names)(targets), links: [], mechanism: `stress-ng (${ms.stressProcess(f)}), ${what}, --timeout ${seconds}s`,
            expectedEffect: `${spec.resource} pressure on ${(0, targeting_1.withRoles)(world, targets)}; on a small host every member shares the cores, so expect collateral latency elsewhere`,
            conflictKeys: targets.map((t) => `stress-${spec.resource}:${t.name}`),
            verification: stressVerification(targets[0], spec, what),
        };
    },
    need: () => "stress-ng",
    netemSelectors: () => [],
};
