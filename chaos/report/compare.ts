// One experiment under several settings, side by side in one markdown file (pure).
import { abortedBefore, evaluateExpectations, invalidBecause, summarizeVerdicts } from "../checkers/expectations";
import type { Journal } from "../checkers/journal";
import { computeMetrics, type ExperimentMetrics, type MetricsOptions } from "../checkers/metrics";
import { demotionAt, DEMOTED_PROBES } from "../checkers/demotion";
import { markdownTable } from "./table";
import { faultWriteAvailability } from "../checkers/operations";

/**
 * One experiment under several settings (variants: failsafe_mode off vs on, default vs tuned ttl, ...),
 * side by side in one markdown file. Pure: rendered from the saved journals alone, like every report.
 */

export interface ComparisonEntry {
  /** Column header: the variant's name or title. */
  label: string;
  journal: Journal;
  /** Link to the variant's own report, relative to the comparison file. */
  reportPath?: string;
}

export interface ComparisonInput {
  experimentId: string;
  title: string;
  entries: ComparisonEntry[];
  metricsOptions?: MetricsOptions;
}

/** A measure of the comparison: one value per variant, or why there is none. */
export interface Measure {
  key: string;
  label: string;
  unit: "s" | "%" | "count";
  how: string;
  /** Smaller is better (for the "better" column); undefined: neither. */
  lowerIsBetter?: boolean;
  values: ({ value: number; note?: string } | { value: null; reason: string })[];
}

const seconds = (ms: number) => ms / 1000;

export { demotionAt, DEMOTED_PROBES } from "../checkers/demotion";
export { faultWriteAvailability } from "../checkers/operations";


export function comparisonMeasures(entries: { journal: Journal; metrics: ExperimentMetrics }[]): Measure[] {
  const fromScalar = (key: keyof ExperimentMetrics["scalars"], unit: Measure["unit"], lowerIsBetter?: boolean): Measure => {
    const first = entries[0]?.metrics.scalars[key];
    return {
      key, label: first?.label ?? key, unit, how: first?.how ?? "", lowerIsBetter,
      values: entries.map(({ metrics }) => {
        const s = metrics.scalars[key];
        return s.value === null ? { value: null, reason: s.reason ?? "not measured" } : { value: s.value };
      }),
    };
  };
  return [
    {
      key: "writeAvailability", label: "Write availability during the fault", unit: "%", lowerIsBetter: false,
      how: "acknowledged / sent, over the writes sent through HAProxy in the fault phase (first inject → last recover)",
      values: entries.map(({ metrics }) => {
        const a = faultWriteAvailability(metrics);
        return a === null ? { value: null, reason: "no write was sent in the fault phase" } : { value: a.percent, note: `${a.ok}/${a.sent}` };
      }),
    },
    {
      key: "primaryDemotion", label: "Primary demotion", unit: "s", lowerIsBetter: undefined,
      how: `injection → the primary before the fault stops accepting writes (direct probes of its own port: first of ≥ ${DEMOTED_PROBES} probes without an accepted write; else the first write refused as read-only or by a shutdown)`,
      values: entries.map(({ journal, metrics }) => {
        const d = demotionAt(journal, metrics);
        if (metrics.anchors.injectionAt === null) return { value: null, reason: "no fault was injected" };
        return d === null ? { value: null, reason: `${metrics.leaderBefore ?? "the primary"} never demoted` } : { value: seconds(d.at - metrics.anchors.injectionAt), note: d.how };
      }),
    },
    fromScalar("writeUnavailabilitySeconds", "s", true),
    {
      key: "recovery", label: "Write recovery after the fault was removed", unit: "s", lowerIsBetter: true,
      how: "start of the last recover action (the fault's removal begins: e.g. etcd members started) → first write acknowledged after the last failed write",
      values: entries.map(({ journal, metrics }) => {
        const o = metrics.writeOutage;
        const recover = journal.faults.filter((f) => f.action === "recover").sort((a, b) => b.startedAt - a.startedAt)[0];
        if (!recover || metrics.anchors.recoveryEndAt === null) return { value: null, reason: "the fault was not recovered in this run" };
        if (o === null) return { value: null, reason: "no write failed" };
        if (o.firstAckAfterAt === null) return { value: null, reason: "writes never came back before the run ended" };
        if (o.firstAckAfterAt < recover.startedAt) return { value: null, reason: "writes were back before the fault was removed" };
        return { value: seconds(o.firstAckAfterAt - recover.startedAt) };
      }),
    },
    fromScalar("catchUpSeconds", "s", true),
    fromScalar("failedWrites", "count", true),
    fromScalar("lostAckedWrites", "count", true),
    {
      ...fromScalar("patroniLeaderChanges", "count", true),
      label: "Patroni leader changes (false failovers where none is expected)",
    },
    fromScalar("etcdLeaderChanges", "count"),
    fromScalar("timeToNewLeaderSeconds", "s", true),
    fromScalar("doubleWritableIntervals", "count", true),
  ];
}

function formatValue(v: Measure["values"][number], unit: Measure["unit"]): string {
  if (v.value === null) return `n/a (${v.reason})`;
  const n = unit === "count" ? String(v.value) : unit === "%" ? `${v.value.toFixed(1)} %` : `${v.value.toFixed(3)} s`;
  return v.note && unit === "%" ? `${n} (${v.note})` : n;
}

/** How the variants differ on one measure, against the first variant (the baseline). */
function difference(m: Measure, labels: string[]): string {
  const base = m.values[0];
  const parts: string[] = [];
  for (let i = 1; i < m.values.length; i++) {
    const v = m.values[i];
    if (base.value === null && v.value === null) parts.push(`${labels[i]}: same (n/a)`);
    else if (base.value === null || v.value === null) parts.push(`${labels[i]}: no number to compare (n/a in ${base.value === null ? labels[0] : labels[i]})`);
    else {
      const d = v.value - base.value;
      const unit = m.unit === "count" ? "" : m.unit === "%" ? " pp" : " s";
      const q = m.unit === "count" ? String(Math.abs(d)) : Math.abs(d).toFixed(m.unit === "%" ? 1 : 3);
      parts.push(d === 0 ? `${labels[i]}: same` : `${labels[i]}: ${d > 0 ? "+" : "−"}${q}${unit}`);
    }
  }
  return parts.join("; ");
}

const iso = (t: number) => new Date(t).toISOString();

export function renderComparison(input: ComparisonInput): string {
  const entries = input.entries.map((e) => ({ ...e, metrics: computeMetrics(e.journal, input.metricsOptions) }));
  const labels = entries.map((e) => e.label);
  const measures = comparisonMeasures(entries);
  const out = [`# Comparison: ${input.title}`, ""];
  out.push(`Experiment \`${input.experimentId}\` under ${entries.length} settings, the same workload and method; every number comes from the runs' journals (first column = baseline).`, "");
  out.push("## Settings", "");
  out.push(markdownTable(["Variant", "Patroni configuration in effect", "Run", "Report", "Verdict"], entries.map((e) => {
    const pc = e.journal.patroniConfig;
    const verdict = summarizeVerdicts(evaluateExpectations(e.metrics, e.journal.experiment.expected?.assertions ?? []), abortedBefore(e.journal), invalidBecause(e.journal)).text;
    return [e.label, pc ? Object.entries(pc.effective).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(", ") : "lab defaults", `${iso(e.journal.startedAt)} → ${iso(e.journal.endedAt)}`, e.reportPath ? `[report](${e.reportPath})` : "—", verdict];
  })), "");
  out.push("## Side by side", "");
  out.push(markdownTable(["Measure", ...labels, "Difference vs " + labels[0]], measures.map((m) => [m.label, ...m.values.map((v) => formatValue(v, m.unit)), entries.length > 1 ? difference(m, labels) : "—"])), "");
  out.push(...resyncComparison(entries));
  out.push("## How each measure is computed", "", ...measures.map((m) => `- **${m.label}**: ${m.how}.`), "");
  const notes = entries.flatMap((e) => e.journal.notes.map((n) => `- ${e.label}: ${n}`));
  out.push("## Summary", "", ...summaryLines(measures, labels), "");
  if (notes.length) out.push("## Runner notes", "", ...notes, "");
  return `${out.join("\n").replace(/\n{3,}/g, "\n\n").trimEnd()}\n`;
}

const mib = (n: number | null) => (n === null ? "—" : `${(n / 1048576).toFixed(1)} MiB`);

/** Replica resync per variant (runs that sampled the primary): method, catch-up, lag, WAL held, pg_wal peak. */
export function resyncComparison(entries: { label: string; journal: Journal; metrics: ExperimentMetrics }[]): string[] {
  if (!entries.some((e) => e.metrics.resync !== null)) return [];
  const rows = entries.map(({ label, journal, metrics }) => {
    const sc = metrics.scalars;
    const reinits = journal.resync?.reinits ?? [];
    const v = (k: "resyncCatchUpSeconds") => (sc[k].value === null ? `n/a (${sc[k].reason})` : `${sc[k].value!.toFixed(3)} s`);
    return [
      label, metrics.categories.resyncMethod.value ?? `n/a (${metrics.categories.resyncMethod.reason})`, v("resyncCatchUpSeconds"),
      mib(sc.resyncPeakLagBytes.value), mib(sc.primaryPeakRetainedWalBytes.value), mib(sc.primaryPeakWalDirBytes.value),
      journal.resync?.bursts.length ? journal.resync.bursts.map((b) => `${mib(b.bytes)} written → pg_wal ${mib(b.walDirBytesAfter ?? null)}`).join("; ") : "—",
      reinits.length === 0 ? "none" : reinits.map((r) => `${r.member} (HTTP ${r.status})`).join(", "),
    ];
  });
  return [
    "## Replica resync", "",
    markdownTable(["Variant", "Resync method", "Caught up after healing", "Peak lag", "Peak WAL held by its slot (primary)", "Peak pg_wal (primary)", "WAL burst → pg_wal after its CHECKPOINT", "Reinitialized by the runner"], rows), "",
    "Method, catch-up and sizes from the primary's samples (pg_stat_replication, pg_replication_slots, pg_ls_waldir()); each variant's report shows the evidence.", "",
  ];
}

/** Prose from the numbers: where the settings made a difference. */
export function summaryLines(measures: Measure[], labels: string[]): string[] {
  const byKey = (k: string) => measures.find((m) => m.key === k)!;
  const out: string[] = [];
  const avail = byKey("writeAvailability");
  const demo = byKey("primaryDemotion");
  const lost = byKey("lostAckedWrites");
  const ff = byKey("patroniLeaderChanges");
  labels.forEach((label, i) => {
    const a = avail.values[i];
    const d = demo.values[i];
    const parts = [
      a.value === null ? "write availability not measured" : `${a.value.toFixed(1)} % of writes acknowledged during the fault`,
      d.value === null ? `the primary did not demote (${d.reason})` : `the primary demoted ${d.value.toFixed(3)} s after the injection`,
      lost.values[i].value === null ? "lost writes not measured" : `${lost.values[i].value} acknowledged writes lost`,
      ff.values[i].value === null ? "" : `${ff.values[i].value} Patroni leader change(s)`,
    ].filter(Boolean);
    out.push(`- **${label}**: ${parts.join("; ")}.`);
  });
  return out;
}
