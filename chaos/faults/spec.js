"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.chaosConfigSchema = exports.faultSpec = void 0;
// Fault declarations as they appear in stack config (`pgchaos:faults`): the union of every kind's schema, and the chaos stack's config.
const zod_1 = require("zod");
const inventory_1 = require("../targets/inventory");
const kinds_1 = require("./kinds");
/**
 * Validated at the edge: nothing here reaches a shell before passing these schemas; numbers are bounded
 * so a typo cannot take the host down (e.g. stress workers, memory bytes). Each kind's schema lives in
 * its own file under kinds/.
 */
exports.faultSpec = zod_1.z.discriminatedUnion("kind", kinds_1.KIND_SCHEMAS);
exports.chaosConfigSchema = zod_1.z.object({
    kind: zod_1.z.literal("chaos"),
    /** The lab stack whose members are the targets (same project, same backend). */
    labStack: zod_1.z.string().regex(/^[A-Za-z0-9_.-]{1,100}$/, "must be a stack name").default("dev"),
    defaultDurationSeconds: zod_1.z.number().int().min(5).max(86_400).default(600),
    /** Measure each fault's effect after inject and after recover (fail the update when not achieved). */
    verify: zod_1.z.boolean().default(true),
    faults: zod_1.z.array(exports.faultSpec).max(16).default([]),
    /**
     * A user's own cluster reached over SSH (see chaos/targets/inventory.ts): when set, the faults target these
     * hosts and `labStack` is not read. The key is the secret config value `pgchaos:sshPrivateKey`.
     */
    targets: inventory_1.targetsSchema.optional(),
}).strict().superRefine((c, ctx) => (0, inventory_1.rejectDuplicateNames)(ctx, "faults", c.faults, "fault"));
