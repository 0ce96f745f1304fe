"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.isLeaderRole = void 0;
exports.patroniCluster = patroniCluster;
exports.patroniLeader = patroniLeader;
// Patroni's REST API as the program reads it: /cluster from the first member that answers, which roles lead, the leader.
const http_1 = require("../lab/http");
/** A member holding the leader key: "leader" (Patroni ≥ 3; "master"/"primary" before), or "standby_leader" of a standby cluster. */
const isLeaderRole = (role) => role === "leader" || role === "master" || role === "primary" || role === "standby_leader";
exports.isLeaderRole = isLeaderRole;
/**
 * Patroni's /cluster members from the first member that answers — with `until`, the first whose answer
 * meets it. Throws the last error when no member answered (or none met `until`).
 */
async function patroniCluster(restUrls, opts = {}) {
    let lastError = "no Patroni REST endpoint";
    for (const url of restUrls) {
        try {
            const members = (await (0, http_1.getJson)(`${url}/cluster`, {}, opts.timeoutMs ?? 2000)).members ?? [];
            if (!opts.until || opts.until(members))
                return members;
            lastError = `${url}/cluster names no leader`;
        }
        catch (e) {
            lastError = e.message;
        }
    }
    throw new Error(lastError);
}
const leaderIn = (members) => members.find((m) => (0, exports.isLeaderRole)(m.role))?.name;
/**
 * The Patroni leader per /cluster. By default the first member that answers decides (undefined: it names
 * none); with `untilLeader`, members are asked in turn until one names a leader (a member cut off from the
 * others may answer without one).
 */
async function patroniLeader(restUrls, opts = {}) {
    return leaderIn(await patroniCluster(restUrls, { timeoutMs: opts.timeoutMs, until: opts.untilLeader ? (ms) => leaderIn(ms) !== undefined : undefined }));
}
