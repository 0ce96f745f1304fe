"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.lifecycleMode = exports.byteSize = exports.baseFields = exports.peers = exports.selector = exports.ROLE_SELECTORS = void 0;
// The zod fields every fault kind's schema shares: names, selectors, peers, duration, sizes.
const zod_1 = require("zod");
/** Role selectors resolved against the live cluster when the fault is applied, or a member name. */
exports.ROLE_SELECTORS = ["primary", "replica", "any-replica", "etcd-leader", "etcd-follower", "all-etcd", "all-patroni", "haproxy"];
exports.selector = zod_1.z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,30}$/, `must be a role (${exports.ROLE_SELECTORS.join(", ")}) or a member name (a-z, 0-9, -)`);
const faultName = zod_1.z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,19}$/, "must be 1-20 chars of a-z, 0-9 and '-', starting with a letter (it names iptables chains)");
exports.peers = zod_1.z.array(exports.selector).min(1).max(16).optional();
exports.baseFields = {
    name: faultName,
    /** Seconds after which the watchdog on the target reverts the fault, whatever happens to the controller. */
    durationSeconds: zod_1.z.number().int().min(5).max(86_400).optional(),
};
exports.byteSize = zod_1.z.string().regex(/^[1-9][0-9]{0,5}[KMG]$/, "must be a size like 64M or 1G");
exports.lifecycleMode = zod_1.z.enum(["stop", "kill", "pause"]).default("stop");
