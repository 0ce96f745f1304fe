// When the primary from before the fault stopped accepting writes (comparisons and alert timing use it).
import type { Journal } from "./journal";
import type { ExperimentMetrics } from "./metrics";

/** When the primary from before the fault stopped accepting writes: comparisons and alert timing both use it. */

/**
 * When the primary before the fault stopped taking writes. With direct probes: the first probe after the
 * injection that it did not accept a write on (in recovery, refused, shutting down or silent), starting
 * a run of at least DEMOTED_PROBES such probes — a demoting primary often shuts down and stays silent
 * until the partition heals, so waiting to see it in recovery would measure the healing, not the
 * demotion; one lost probe under load is not a demotion. Without probes: the first write through HAProxy
 * refused as read-only or by a shutdown. null: it never stopped during the run.
 */
export function demotionAt(journal: Journal, m: ExperimentMetrics): { at: number; how: string } | null {
  const t0 = m.anchors.injectionAt;
  if (t0 === null) return null;
  const old = m.leaderBefore;
  if (journal.primaryProbes && journal.primaryProbes.length > 0 && old) {
    const probes = journal.primaryProbes.filter((s) => s.node === old && s.at >= t0).sort((a, b) => a.at - b.at);
    for (let i = 0; i + DEMOTED_PROBES <= probes.length; i++) {
      const run = probes.slice(i, i + DEMOTED_PROBES);
      if (run.every((p) => !p.writeOk)) {
        const p = probes[i];
        const state = p.inRecovery === true ? "in recovery" : p.inRecovery === false ? "write refused" : "no answer";
        return { at: p.at, how: `probe of ${old}: no write accepted from here on for ≥ ${DEMOTED_PROBES} probes (first: ${state})` };
      }
    }
    return null;
  }
  const w = journal.writes.filter((x) => (x.error === "read_only" || x.error === "admin_shutdown") && (x.doneAt ?? x.sentAt) >= t0).sort((a, b) => (a.doneAt ?? a.sentAt) - (b.doneAt ?? b.sentAt))[0];
  return w ? { at: w.doneAt ?? w.sentAt, how: `first write refused (${w.error === "read_only" ? "read-only" : "server shutting down"})` } : null;
}

/** Consecutive probes without an accepted write that make a demotion (not one probe lost to load). */
export const DEMOTED_PROBES = 3;

