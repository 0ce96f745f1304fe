// Finds chaos leftovers on members (chains, qdiscs, processes, files) and removes those no live fault owns.
import { sh } from "../../components/docker/commands";
import * as ms from "../faults/member-scripts";
import * as nf from "../faults/netfilter";
import { runControllerScript, runControllerScripts } from "./live";
import type { Member } from "./world";

/**
 * Finds chaos leftovers — iptables chains, qdiscs, processes and files that carry a fault's name — on
 * the lab's members, and removes those no live fault resource owns. It only ever matches the names our
 * faults create (PGC-<name>-I/O, /var/lib/pgchaos/<name>.*, pgchaos-delay-<name>, pgchaos-stress-<name>),
 * so what anyone else created is never listed nor touched.
 */

export interface Leftover {
  member: string;
  fault: string;
  /** What was found: "chain PGC-x-O", "file x.watchdog.sh", "process pgchaos-delay-x (pid 12)". */
  what: string[];
}

/** Member-side scan: one line per object, "<kind> <fault> <detail>". */
export const SCAN_SCRIPT = [
  `iptables -w -S 2>/dev/null | sed -n 's/^-N PGC-\\(.*\\)-\\([IO]\\)$/chain \\1 PGC-\\1-\\2/p' || true`,
  `ls -1 ${ms.STATE_DIR} 2>/dev/null | sed -n 's/^\\([a-z][a-z0-9-]*\\)\\(\\..*\\)\\{0,1\\}$/file \\1 \\1\\2/p' || true`,
  // awk matches the process's own argv[0]: the scanning shell (whose text holds the pattern) is not it.
  `ps -eo pid=,args= 2>/dev/null | awk '$2 ~ /^pgchaos-(delay|stress)-[a-z]/ { n = $2; sub(/^pgchaos-(delay|stress)-/, "", n); print "process " n " " $2 "(pid " $1 ")" } ` +
    `$2 == "bash" && $3 ~ /^\\/var\\/lib\\/pgchaos\\/[a-z][a-z0-9-]*\\.watchdog\\.sh$/ { n = $3; sub(/^\\/var\\/lib\\/pgchaos\\//, "", n); sub(/\\.watchdog\\.sh$/, "", n); print "process " n " watchdog(pid " $1 ")" }' || true`,
].join("\n");

export function parseScan(member: string, output: string): Leftover[] {
  const byFault = new Map<string, string[]>();
  for (const line of output.split("\n")) {
    const m = /^(chain|file|process) ([a-z][a-z0-9-]{0,19}) (.+)$/.exec(line.trim());
    if (!m) continue;
    const [, kind, fault, detail] = m;
    byFault.set(fault, [...(byFault.get(fault) ?? []), `${kind} ${detail}`]);
  }
  return [...byFault.entries()].map(([fault, what]) => ({ member, fault, what }));
}

/** Removes everything a fault of this name can leave on a member, and nothing else. Idempotent. */
export function cleanupScript(fault: string): string {
  return [
    ms.disarmWatchdog(fault),
    ms.delayerStop(fault),
    ms.stressStop(fault),
    // Processes whose pid file is gone: exact argv[0] match only.
    `ps -eo pid=,args= | awk -v a=${sh([ms.delayerProcess(fault)])} -v b=${sh([ms.stressProcess(fault)])} -v w=${sh([ms.watchdogFile(fault)])} '$2 == a || $2 == b || ($2 == "bash" && $3 == w) { print $1 }' | while read -r pid; do kill "$pid" 2>/dev/null || true; done`,
    ms.netemRevert(fault),
    nf.removeChains(fault),
    ms.removeStateFiles(fault),
  ].join("\n");
}

const SCAN_TIMEOUT_MS = 30_000;

/**
 * Scans every member. One that cannot be scanned — unreachable, or stopped (its files and the host's
 * watchdogs outlive it) — is listed in `unreachable` ("pg1: <why>"), never counted as clean.
 */
export async function scanMembers(members: Member[]): Promise<{ leftovers: Leftover[]; unreachable: string[] }> {
  const leftovers: Leftover[] = [];
  const unreachable: string[] = [];
  // Monitoring containers only ever take node-stop faults, whose watchdogs live on the host: nothing to scan inside.
  const scanned = members.filter((m) => m.kind !== "monitoring");
  const results = await runControllerScripts(scanned.map((m) => m.transport.exec(SCAN_SCRIPT)), SCAN_TIMEOUT_MS);
  scanned.forEach((m, i) => {
    const r = results[i];
    if (r.ok) leftovers.push(...parseScan(m.name, r.stdout));
    else unreachable.push(`${m.name}: ${r.error}`);
  });
  return { leftovers: leftovers.sort((a, b) => a.member.localeCompare(b.member) || a.fault.localeCompare(b.fault)), unreachable };
}

/** Leftovers whose fault name no live fault owns. */
export const orphans = (leftovers: Leftover[], owned: Set<string>) => leftovers.filter((l) => !owned.has(l.fault));

export async function removeLeftovers(members: Member[], leftovers: Leftover[]): Promise<void> {
  for (const l of leftovers) {
    const m = members.find((x) => x.name === l.member);
    if (m) await runControllerScript(m.transport.execIfUp(cleanupScript(l.fault)), 60_000);
  }
}

export function formatLeftovers(leftovers: Leftover[]): string {
  return leftovers.map((l) => `  ${l.member}: fault ${l.fault}: ${l.what.join(", ")}`).join("\n");
}

/**
 * Unscanned members ("pg1: <why>") with the fault that stopped or paused them, when a fault of this stack
 * holds their lifecycle (conflict key `lifecycle:<member>`): then the gap is expected while it acts.
 */
export function explainUnscanned(unreachable: string[], faults: Array<{ name: string; conflictKeys: string[] }>): string[] {
  return unreachable.map((entry) => {
    const member = entry.slice(0, entry.indexOf(":"));
    const owners = faults.filter((f) => f.conflictKeys.includes(`lifecycle:${member}`)).map((f) => f.name);
    return owners.length ? `${entry} (held by this stack's fault ${[...new Set(owners)].join(", ")}: expected while it acts)` : entry;
  });
}
