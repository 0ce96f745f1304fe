"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.HAPROXY_MEMBER = exports.patroniNodeNames = exports.etcdMemberNames = void 0;
exports.labNaming = labNaming;
exports.memberHostNumber = memberHostNumber;
function labNaming(scope, project, stack) {
    const prefix = `${scope}-${stack}`;
    return {
        prefix,
        owner: `${project}/${stack}`,
        network: `${prefix}-net`,
        container: (member) => `${prefix}-${member}`,
        volume: (member) => `${prefix}-${member}-data`,
    };
}
const etcdMemberNames = (n) => Array.from({ length: n }, (_, i) => `etcd${i + 1}`);
exports.etcdMemberNames = etcdMemberNames;
const patroniNodeNames = (n) => Array.from({ length: n }, (_, i) => `pg${i + 1}`);
exports.patroniNodeNames = patroniNodeNames;
exports.HAPROXY_MEMBER = "haproxy";
/**
 * A lab member's fixed host number on the lab's /24 (etcd i → 10+i, pg i → 20+i, haproxy → 30). Docker
 * hands out addresses again on every `docker start`, in start order: two members stopped and started in
 * another order swap addresses, and fault rules and probes naming the old ones hit the wrong member.
 * Fixed addresses (`--ip`, below the network's dynamic range) keep the inventory true across restarts.
 */
function memberHostNumber(member) {
    const m = /^(etcd|pg)(\d+)$/.exec(member);
    if (m)
        return (m[1] === "etcd" ? 10 : 20) + Number(m[2]);
    if (member === exports.HAPROXY_MEMBER)
        return 30;
    throw new Error(`no fixed address for lab member ${member}`);
}
