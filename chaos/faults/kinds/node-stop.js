"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.nodeStop = exports.nodeStopSpec = void 0;
// node-stop: stop, kill (SIGKILL) or pause members through their lifecycle (Docker or systemd).
const zod_1 = require("zod");
const world_1 = require("../../targets/world");
const shapes_1 = require("../shapes");
const spec_fields_1 = require("../spec-fields");
const targeting_1 = require("../targeting");
exports.nodeStopSpec = zod_1.z.object({
    ...spec_fields_1.baseFields,
    kind: zod_1.z.literal("node-stop"),
    target: spec_fields_1.selector,
    mode: spec_fields_1.lifecycleMode,
}).strict();
exports.nodeStop = {
    plan(spec, { world, dcs }, seconds) {
        const targets = (0, world_1.resolveSelector)(spec.target, world);
        const effect = spec.mode === "pause" ? "frozen" : spec.mode === "kill" ? "killed (SIGKILL)" : "stopped";
        return {
            ...(0, shapes_1.lifecycleFault)(spec.name, targets, spec.mode, seconds),
            targets: (0, targeting_1.names)(targets), links: [], mechanism: `${spec.mode} (${targets.map((t) => t.transport.describe).join(", ")})`,
            expectedEffect: `${(0, targeting_1.withRoles)(world, targets)} ${effect}; ${(0, targeting_1.failoverExpectation)(world, dcs, targets) || "its service stops answering"}`,
            conflictKeys: targets.map((t) => `lifecycle:${t.name}`),
            verification: (0, targeting_1.downVerification)(world, targets, spec.mode),
        };
    },
    need: () => "lifecycle",
    netemSelectors: () => [],
};
