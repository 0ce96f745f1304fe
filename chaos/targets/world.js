"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.PlanError = void 0;
exports.resolveSelector = resolveSelector;
exports.resolveAll = resolveAll;
class PlanError extends Error {
}
exports.PlanError = PlanError;
/** Resolves a role selector or member name to members, against the live view. */
function resolveSelector(selector, world) {
    const { members, live } = world;
    const byKind = (k) => members.filter((m) => m.kind === k);
    const need = (what, v) => {
        if (!v)
            throw new PlanError(`cannot resolve '${selector}': no ${what} found in the live cluster${live.notes.length ? ` (${live.notes.join("; ")})` : ""}`);
        return v;
    };
    switch (selector) {
        case "primary":
            return members.filter((m) => m.name === need("Patroni leader", live.patroniLeader));
        case "replica":
        case "any-replica": {
            const leader = need("Patroni leader", live.patroniLeader);
            const replicas = byKind("patroni").filter((m) => m.name !== leader);
            if (!replicas.length)
                throw new PlanError(`cannot resolve '${selector}': the cluster has no replica`);
            return selector === "replica" ? replicas : replicas.slice(0, 1);
        }
        case "etcd-leader":
            return members.filter((m) => m.name === need("etcd leader", live.etcdLeader));
        case "etcd-follower": {
            const leader = need("etcd leader", live.etcdLeader);
            const followers = byKind("etcd").filter((m) => m.name !== leader);
            if (!followers.length)
                throw new PlanError("cannot resolve 'etcd-follower': etcd has a single member");
            return followers.slice(0, 1);
        }
        case "all-etcd":
            return byKind("etcd");
        case "all-patroni":
            return byKind("patroni");
        case "haproxy":
            return byKind("haproxy");
        default: {
            const m = members.find((x) => x.name === selector);
            if (!m)
                throw new PlanError(`unknown target '${selector}': not a role selector nor a member (${members.map((x) => x.name).join(", ")})`);
            return [m];
        }
    }
}
/** Resolves several selectors, without duplicates, keeping inventory order. */
function resolveAll(selectors, world) {
    const names = new Set(selectors.flatMap((s) => resolveSelector(s, world)).map((m) => m.name));
    return world.members.filter((m) => names.has(m.name));
}
