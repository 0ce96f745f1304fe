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
exports.stamp = void 0;
exports.insideTargets = insideTargets;
exports.chainsInsideTargets = chainsInsideTargets;
exports.lifecycleFault = lifecycleFault;
// How a fault is applied: inside its targets (watchdog armed on them) or by stopping them (watchdog outside).
const commands_1 = require("../../components/docker/commands");
const mech = __importStar(require("./mechanism"));
const ms = __importStar(require("./member-scripts"));
const nf = __importStar(require("./netfilter"));
const stamp = (member, clock) => `printf '{"member":"%s","injectedAt":%s,"clock":"%s"}\\n' ${(0, commands_1.sh)([member])} "$(${ms.TIMESTAMP})" ${clock}`;
exports.stamp = stamp;
/** A fault whose effect lives inside each target: armed watchdog, then apply; recover disarms and reverts. */
function insideTargets(fault, targets, apply, revert, present, seconds, tests) {
    return {
        mechanismCheck: targets.map((m) => mech.onMember(m, mech.memberCheck(m.name, fault, tests(m), present(m)))).join("\n"),
        activeSeconds: seconds,
        inject: targets.map((m) => m.transport.exec([ms.armWatchdog(fault, revert(m), seconds), apply(m), (0, exports.stamp)(m.name, "member")].join("\n"))).join("\n"),
        recover: targets.map((m) => m.transport.execIfUp([ms.disarmWatchdog(fault), revert(m), ms.removeStateFiles(fault)].join("\n"))).join("\n"),
        check: `present=0\n${targets.map((m) => `if ${m.transport.exec(present(m))} >/dev/null 2>&1; then present=1; fi`).join("\n")}\n[ "$present" = 1 ] || exit 3`,
    };
}
/** A fault made of iptables chains on each target (loss, reset, partition, blocked etcd client port). */
function chainsInsideTargets(fault, targets, rules, seconds) {
    return insideTargets(fault, targets, (m) => nf.installChains(fault, rules, m.transport.protectedTcpPorts), () => nf.removeChains(fault), () => nf.chainsPresent(fault), seconds, (m) => mech.chainTests(fault, rules, m.transport.protectedTcpPorts));
}
/** A fault that stops members: the watchdog lives outside them (see Lifecycle.armWatchdog). */
function lifecycleFault(fault, targets, mode, seconds) {
    return {
        mechanismCheck: targets.map((m) => mech.lifecycleCheck(m, mode)).join("\n"),
        activeSeconds: seconds,
        inject: targets.map((m) => [m.transport.lifecycle.armWatchdog(fault, seconds), (0, exports.stamp)(m.name, "controller"), m.transport.lifecycle.stop(mode)].join("\n")).join("\n"),
        recover: targets.map((m) => [m.transport.lifecycle.disarmWatchdog(fault), m.transport.lifecycle.start()].join("\n")).join("\n"),
        check: `present=0\n${targets.map((m) => `[ "$(${m.transport.lifecycle.state()} 2>/dev/null)" = running ] || present=1`).join("\n")}\n[ "$present" = 1 ] || exit 3`,
    };
}
