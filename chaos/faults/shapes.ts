// How a fault is applied: inside its targets (watchdog armed on them) or by stopping them (watchdog outside).
import { sh } from "../../components/docker/commands";
import type { Member } from "../targets/world";
import type { KindPlan } from "./kind-plan";
import * as mech from "./mechanism";
import * as ms from "./member-scripts";
import * as nf from "./netfilter";

type Scripts = Pick<KindPlan, "mechanismCheck" | "activeSeconds" | "inject" | "recover" | "check">;

export const stamp = (member: string, clock: "member" | "controller") =>
  `printf '{"member":"%s","injectedAt":%s,"clock":"%s"}\\n' ${sh([member])} "$(${ms.TIMESTAMP})" ${clock}`;

/** A fault whose effect lives inside each target: armed watchdog, then apply; recover disarms and reverts. */
export function insideTargets(fault: string, targets: Member[], apply: (m: Member) => string, revert: (m: Member) => string, present: (m: Member) => string, seconds: number, tests: (m: Member) => mech.MechanismTest[]): Scripts {
  return {
    mechanismCheck: targets.map((m) => mech.onMember(m, mech.memberCheck(m.name, fault, tests(m), present(m)))).join("\n"),
    activeSeconds: seconds,
    inject: targets.map((m) => m.transport.exec([ms.armWatchdog(fault, revert(m), seconds), apply(m), stamp(m.name, "member")].join("\n"))).join("\n"),
    recover: targets.map((m) => m.transport.execIfUp([ms.disarmWatchdog(fault), revert(m), ms.removeStateFiles(fault)].join("\n"))).join("\n"),
    check: `present=0\n${targets.map((m) => `if ${m.transport.exec(present(m))} >/dev/null 2>&1; then present=1; fi`).join("\n")}\n[ "$present" = 1 ] || exit 3`,
  };
}

/** A fault made of iptables chains on each target (loss, reset, partition, blocked etcd client port). */
export function chainsInsideTargets(fault: string, targets: Member[], rules: nf.ChainRules, seconds: number): Scripts {
  return insideTargets(fault, targets, (m) => nf.installChains(fault, rules, m.transport.protectedTcpPorts), () => nf.removeChains(fault), () => nf.chainsPresent(fault), seconds,
    (m) => mech.chainTests(fault, rules, m.transport.protectedTcpPorts));
}

/** A fault that stops members: the watchdog lives outside them (see Lifecycle.armWatchdog). */
export function lifecycleFault(fault: string, targets: Member[], mode: "stop" | "kill" | "pause", seconds: number): Scripts {
  return {
    mechanismCheck: targets.map((m) => mech.lifecycleCheck(m, mode)).join("\n"),
    activeSeconds: seconds,
    inject: targets.map((m) => [m.transport.lifecycle.armWatchdog(fault, seconds), stamp(m.name, "controller"), m.transport.lifecycle.stop(mode)].join("\n")).join("\n"),
    recover: targets.map((m) => [m.transport.lifecycle.disarmWatchdog(fault), m.transport.lifecycle.start()].join("\n")).join("\n"),
    check: `present=0\n${targets.map((m) => `[ "$(${m.transport.lifecycle.state()} 2>/dev/null)" = running ] || present=1`).join("\n")}\n[ "$present" = 1 ] || exit 3`,
  };
}
