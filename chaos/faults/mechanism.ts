// Re-checks of an active fault's mechanism (not its effect): expired versus drifted.
import { sh } from "../../components/docker/commands";
import type { Member } from "../targets/world";
import * as ms from "./member-scripts";
import * as nf from "./netfilter";

/**
 * Re-checks of an active fault's mechanism (not its effect): the delay process alive, the iptables jumps
 * and rules present, the netem qdisc there, stress-ng's workers running, the member stopped or paused.
 * Each target prints one line, `<member> ok | gone | partial <reasons> | unreachable <why>`; judgeMechanism
 * tells an *expired* fault (reverted by its own watchdog at the end of its duration) from a *drifted* one
 * (its mechanism vanished, or is incomplete, while it should still act). Light: one exec per target.
 */

/** One condition the member must meet while the fault acts, and what to say when it does not. */
export interface MechanismTest {
  /** Shell condition run on the member (exit 0 = in place). */
  test: string;
  /** Shell text (inside double quotes, may use $(...)) saying what is missing. */
  missing: string;
}

/**
 * Member-side script: `ok` when every test passes; `gone` when none of the fault is left (nothing
 * `remains` and no watchdog file: its watchdog or a recover removed it); else `partial` with the reasons.
 */
export function memberCheck(member: string, fault: string, tests: MechanismTest[], remains: string): string {
  return [
    'r=""',
    ...tests.map((t) => `if ! { ${t.test}; } >/dev/null 2>&1; then r="$r; ${t.missing}"; fi`),
    `if [ -z "$r" ]; then echo ${sh([`${member} ok`])}`,
    `elif ! { ${remains}; } >/dev/null 2>&1 && [ ! -e ${ms.watchdogFile(fault)} ]; then echo ${sh([`${member} gone`])}`,
    `else echo ${sh([`${member} partial`])} "\${r#; }"; fi`,
  ].join("\n");
}

/** Controller-side: runs a member-side check through the member's transport; a failure to reach it is said, never taken as gone. */
export function onMember(m: Member, script: string): string {
  return `if out=$(${m.transport.exec(script)} 2>&1); then printf '%s\\n' "$out"; ` +
    `else echo ${sh([`${m.name} unreachable`])} "$(printf '%s' "$out" | tail -n 1)"; fi`;
}

/** The fault's iptables jumps and rules (as installChains put them) are all there. */
export function chainTests(fault: string, rules: nf.ChainRules, exemptTcpPorts: number[]): MechanismTest[] {
  return (["INPUT", "OUTPUT"] as const).flatMap((hook): MechanismTest[] => {
    const body = rules[hook];
    if (!body || body.length === 0) return [];
    const chain = nf.chainName(fault, hook);
    const expected = body.length + 2 * exemptTcpPorts.length;
    const count = `$(iptables -w -S ${chain} 2>/dev/null | grep -c '^-A' || true)`;
    return [
      { test: `iptables -w -C ${hook} ${nf.jumpWords(fault, hook)}`, missing: `jump to ${chain} missing from ${hook}` },
      { test: `[ "${count}" -ge ${expected} ]`, missing: `chain ${chain} has ${count} of ${expected} rules` },
    ];
  });
}

export const delayerTest = (fault: string): MechanismTest =>
  ({ test: ms.pidAlive(ms.pidFile(fault, "delay"), ms.delayerProcess(fault)), missing: `delay process ${ms.delayerProcess(fault)} not running` });

export const netemTest = (fault: string): MechanismTest =>
  ({ test: `( ${ms.netemPresent(fault)} )`, missing: `netem qdisc (prio ${ms.tcHandle(fault)}:) missing` });

/** Auto delay: the netem qdisc, or else the NFQUEUE chain and its delayer. */
export const eitherDelay = (fault: string, nfq: MechanismTest[]): MechanismTest[] =>
  nfq.map((t) => ({ test: `( ${ms.netemPresent(fault)} ) || { ${t.test}; }`, missing: t.missing }));

export function stressTests(fault: string, workers: number): MechanismTest[] {
  const file = ms.pidFile(fault, "stress");
  const running = `$( { pgrep -P "$(cat ${file} 2>/dev/null)" 2>/dev/null || true; } | wc -l)`;
  return [
    { test: ms.stressAlive(fault), missing: `stress-ng process ${ms.stressProcess(fault)} not running` },
    { test: `[ "${running}" -ge ${workers} ]`, missing: `stress-ng workers: ${running} of ${workers} running` },
  ];
}

/** Controller-side, for members a fault stops or pauses: Docker's or systemd's word on their state. */
export function lifecycleCheck(m: Member, mode: "stop" | "kill" | "pause"): string {
  const want = mode === "pause" ? "paused" : "stopped";
  return `s=$(${m.transport.lifecycle.state()} 2>/dev/null || echo unknown)\n` +
    `case "$s" in ${want}) echo ${sh([`${m.name} ok`])} ;; running) echo ${sh([`${m.name} gone`])} ;; ` +
    `unknown|"") echo ${sh([`${m.name} unreachable state unknown (neither Docker nor systemd answered)`])} ;; *) echo ${sh([`${m.name} partial`])} "state $s, expected ${want}" ;; esac`;
}

export type MechanismStatus = "active" | "expired" | "drifted";

export interface MechanismVerdict {
  status: MechanismStatus;
  /** Why, per member ("pg1: delay process pgchaos-delay-d not running"). */
  reason: string;
}

/** Seconds of slack between a watchdog's revert and the fault's nominal end (clock reads, script start). */
export const EXPIRY_SLACK_SECONDS = 5;

/** The check's member lines (`<member> ok|gone|partial|unreachable [why]`); a check that printed none is an error, never "gone". */
function memberLines(output: string): RegExpExecArray[] {
  const lines = output.split("\n").map((l) => /^(\S+) (ok|gone|partial|unreachable)(?: (.*))?$/.exec(l.trim())).filter((m): m is RegExpExecArray => m !== null);
  if (!lines.length) throw new Error(`the mechanism check printed no member status: ${JSON.stringify(output.slice(-300))}`);
  return lines;
}

/** After a recover: what of the mechanism is still on a target ("" when every target says gone). */
export function mechanismLeftAfterRecover(output: string): string {
  const left = memberLines(output).filter((l) => l[2] !== "gone").map((l) => l[0]);
  return left.length ? `its mechanism is not gone (${left.join("; ")})` : "";
}

/**
 * The verdict on a mechanism check's output. `injectedAt`/`now` in epoch seconds; `activeSeconds`: how
 * long the fault acts before its own watchdog (or schedule) ends it.
 */
export function judgeMechanism(output: string, t: { injectedAt?: number; activeSeconds: number; now: number }): MechanismVerdict {
  const lines = memberLines(output);
  if (lines.every((l) => l[2] === "ok")) return { status: "active", reason: `in place on ${lines.map((l) => l[1]).join(", ")}` };
  const age = t.injectedAt === undefined ? undefined : t.now - t.injectedAt;
  if (lines.every((l) => l[2] === "gone")) {
    if (age !== undefined && age >= t.activeSeconds - EXPIRY_SLACK_SECONDS) {
      return { status: "expired", reason: `reverted at the end of its duration (${t.activeSeconds} s; injected ${age.toFixed(0)} s ago)` };
    }
    return { status: "drifted", reason: `gone from ${lines.map((l) => l[1]).join(", ")} ${age === undefined ? "" : `${age.toFixed(1)} s after injection, `}before the end of its duration (${t.activeSeconds} s): removed by something else than its watchdog` };
  }
  return { status: "drifted", reason: lines.filter((l) => l[2] !== "ok").map((l) => `${l[1]}: ${l[2] === "partial" ? l[3] : l[2] === "gone" ? "nothing of the fault left" : `unreachable (${l[3] ?? "no answer"})`}`).join("; ") };
}

/**
 * Controller-side, for a flapping fault: its loop alive, and each member's state against the loop's own
 * schedule (the last "down i t" / "up i t" line of its log), 3 s after a transition at the earliest; no
 * judgement while the loop is starting the member ("starting i t") or stopping it (an up phase's last second on).
 */
export function flapCheck(loop: string, targets: Member[], upSeconds: number): string {
  const who = "flap-loop";
  return [
    `p=$(cat ${loop}.pid 2>/dev/null || true)`,
    `if [ -n "$p" ] && kill -0 "$p" 2>/dev/null; then`,
    `  last=$(tail -n 1 ${loop}.log 2>/dev/null || true); ph=\${last%% *}; at=\${last##* }`,
    `  age=$(awk -v t="$at" -v n="$(date +%s.%N)" 'BEGIN { print int(n - t) }'); r=""`,
    ...targets.map((m) => `  s=$(${m.transport.lifecycle.state()} 2>/dev/null || echo unknown)\n` +
      `  if [ "$ph" = down ] && [ "$age" -ge 3 ] && [ "$s" != stopped ] && [ "$s" != paused ]; then r="$r; ${m.name} $s $age s into a down phase"; fi\n` +
      `  if [ "$ph" = up ] && [ "$age" -ge 3 ] && [ "$age" -lt ${Math.max(0, upSeconds - 1)} ] && [ "$s" != running ]; then r="$r; ${m.name} $s $age s into an up phase"; fi`),
    `  if [ -z "$r" ]; then echo '${who} ok'; else echo '${who} partial' "\${r#; }"; fi`,
    "else",
    `  n=0; ${targets.map((m) => `[ "$(${m.transport.lifecycle.state()} 2>/dev/null || echo unknown)" = running ] || n=$((n + 1))`).join("; ")}`,
    `  if [ "$n" = 0 ]; then echo '${who} gone'; else echo '${who} partial' "flap loop not running while $n member(s) are not running"; fi`,
    "fi",
  ].join("\n");
}
