// The campaign report's alert section: every fault window's expected alerts, and the alerts no fault explains.
import { markdownTable } from "../report/table";
import type { CampaignAlertCheck, WindowAlertStatus } from "./alert-check";

const iso = (ms: number) => new Date(ms).toISOString();
const s1 = (n: number | null | undefined) => (n === null || n === undefined ? "—" : `${n.toFixed(1)} s`);
const labelText = (labels: Record<string, string>) => Object.entries(labels).filter(([k]) => k !== "alertname" && k !== "severity").map(([k, v]) => `${k}=${v}`).join(",");

/** Unexplained episodes grouped by alert, labels and reason: a flapping alert is one row with its count. */
function unexplainedRows(check: Extract<CampaignAlertCheck, { ran: true }>, zero: number): string[][] {
  const groups = new Map<string, typeof check.unexplained>();
  for (const u of check.unexplained) {
    const key = `${u.alert}\u0000${labelText(u.labels)}\u0000${u.why.replace(/ \(.*\)$/, "")}`;
    groups.set(key, [...(groups.get(key) ?? []), u]);
  }
  return [...groups.values()].map((g) => [g[0].alert, labelText(g[0].labels), String(g.length), s1((g[0].start - zero) / 1000), s1(g.reduce((a, u) => a + (u.end - u.start), 0) / 1000), g[0].why]);
}

/** One line for the console: the verdicts by status and the unexplained episodes, or why the check did not run. */
export function alertSummaryLine(check: CampaignAlertCheck): string {
  if (!check.ran) return `alert check did not run: ${check.reason}`;
  const counts = new Map<string, number>();
  for (const v of check.windows.flatMap((w) => w.verdicts)) counts.set(v.status, (counts.get(v.status) ?? 0) + 1);
  return `alerts read ${check.afterTheRun ? "after the run" : "at the end of the run"} (${iso(check.readAt)}): ${check.windows.length} fault windows, expected alerts ${[...counts].map(([k, n]) => `${n} ${k}`).join(", ") || "none"}; ${check.unexplained.length} firing episode(s) no fault explains`;
}

/** Statuses that are anomalies (missing or late); the others are judged fine or cannot be judged. */
export const FAILING_ALERT_STATUSES: WindowAlertStatus[] = ["missing", "not fired", "late"];

/** The markdown of the alert section; `zero` is the schedule's second 0 (epoch ms). */
export function alertSection(check: CampaignAlertCheck, zero: number): string[] {
  const head = ["## Alerts per fault window", ""];
  if (!check.ran) {
    return [...head, `**The alert check did not run**: ${check.reason}. Nothing is claimed about alerts in this report; with monitoring on, re-analyse the run directory with \`pgchaos campaign --reanalyze <run-dir> --lab-stack <stack>\` while Prometheus still keeps its range.`, ""];
  }
  const when = check.afterTheRun ? `after the run, at ${iso(check.readAt)} (re-analysis)` : `at the end of the run, ${iso(check.readAt)}`;
  const verdicts = check.windows.flatMap((w) => w.verdicts);
  const counts = new Map<string, number>();
  for (const v of verdicts) counts.set(v.status, (counts.get(v.status) ?? 0) + 1);
  const rows = check.windows.flatMap((w) => w.verdicts.map((v) => [
    `${w.fault} (${w.label})`, s1((w.from - zero) / 1000), s1((w.to - w.from) / 1000), w.catalog ?? "—",
    `${v.alert}${Object.keys(v.expectedLabels).length ? `{${labelText(v.expectedLabels)}}` : ""}`,
    v.conditionAt === null ? `never (${v.conditionHow})` : `${s1((v.conditionAt - zero) / 1000)}: ${v.conditionHow}`,
    s1(v.firedAfterSeconds), s1(v.deliveredAfterSeconds), v.boundSeconds === null ? "unknown" : `${v.boundSeconds} s`,
    FAILING_ALERT_STATUSES.includes(v.status) ? `**${v.status.toUpperCase()}**` : v.status,
  ]));
  const none = check.windows.filter((w) => w.verdicts.length === 0);
  return [
    ...head,
    `Alert data read from Prometheus' ALERTS samples and the receiver's stored notifications ${when}, over ${iso(check.from)} → ${iso(check.to)}: ${check.episodes} firing episode(s), ${check.notifications} notification(s). Bounds: ${check.boundsNote}; each is 2 × scrape + 2 × evaluation + averaging window + the rule's \`for\` + group_wait, from the moment the alert's condition began (the same formula as single experiments). A window that ended before the bound is too short to judge, never missing.`, "",
    `${verdicts.length} expected alert(s) in ${check.windows.length - none.length} window(s): ${[...counts].map(([k, n]) => `${n} ${k}`).join(", ") || "none"}.`, "",
    ...(rows.length ? [markdownTable(["fault window", "from s", "length", "expected by", "alert", "condition began (s)", "fired after", "delivered after", "bound", "status"], rows), ""] : []),
    ...(none.length ? ["Windows with no expected alert (no catalog experiment of that shape expects one):", "", ...none.map((w) => `- ${w.fault} (${w.label}): ${w.why}`), ""] : []),
    "### Alerts no fault explains", "",
    check.unexplained.length
      ? [`Listed, not counted as anomalies (an alert from the machine's own load says more about the host than about the cluster): ${check.unexplained.length} episode(s).`, "", markdownTable(["alert", "labels", "episodes", "first began (s)", "firing in total", "why (first episode)"], unexplainedRows(check, zero))].join("\n")
      : "None: every firing episode began while a fault was active, or while the cluster healed from one (within the alert's bound).",
    "",
  ];
}
