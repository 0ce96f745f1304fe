// What the runner reads once the run is over: the run's rows on the final primary, the expected alerts from monitoring.
import { alertDelays, resolvedDelays } from "../../components/monitoring/alerts";
import type { AlertObservation, Journal } from "../checkers/journal";
import { expectedAlertSpecs, type Experiment } from "./definition";
import { currentLeaderName, directQuery } from "./hypothesis";
import { readMonitoringSettings } from "./monitoring-settings";
import type { ExperimentTarget } from "./target";
import { WRITES_TABLE } from "./workload";

/** The rows of this run as the primary has them after recovery, read directly from it. */
export async function readFinalRows(target: ExperimentTarget, runId: string, journal: Journal, log: (l: string) => void, id: string): Promise<void> {
  try {
    const leader = await currentLeaderName(target);
    const rows = await directQuery(target, leader, `select id from ${WRITES_TABLE} where id like $1`, [`${runId}-%`]);
    journal.finalRowIds = rows.map((r) => r.id as string);
    journal.finalReadFrom = leader;
    log(`[${id}] ${journal.finalRowIds.length} rows of this run on the primary ${leader}`);
  } catch (e) {
    journal.notes.push(`final rows not read: ${(e as Error).message}`);
  }
}

/**
 * When monitoring is on: for each alert the experiment expects, when it fired in Prometheus (its ALERTS
 * samples keep the exact evaluation) and when its firing and resolved notifications reached the receiver.
 * Read once after the run: both sides keep timestamps, so nothing is lost by not polling during it.
 */
export async function collectAlerts(exp: Experiment, target: ExperimentTarget, journal: Journal, log: (l: string) => void): Promise<AlertObservation[]> {
  const inject = journal.faults.find((f) => f.action === "inject");
  const monitoring = target.monitoring;
  const names = [...new Set(expectedAlertSpecs(exp).map((a) => a.alert))];
  if (!monitoring || !inject || names.length === 0) return [];
  const injectedAt = new Date(Math.min(...(inject.injectedAt?.length ? inject.injectedAt : [inject.startedAt])));
  const recoverAt = journal.faults.find((f) => f.action === "recover")?.startedAt ?? journal.endedAt;
  try {
    journal.monitoringSettings = await readMonitoringSettings(monitoring.prometheus, monitoring.alertmanager);
  } catch (e) {
    journal.notes.push(`monitoring settings not read (alert bounds unknown): ${(e as Error).message}`);
  }
  try {
    const fired = await alertDelays({ prometheusUrl: monitoring.prometheus, receiverUrl: monitoring.receiver, injectedAt, expected: names, timeoutSeconds: 0 });
    const resolved = await resolvedDelays({ receiverUrl: monitoring.receiver, since: new Date(recoverAt), expected: names, timeoutSeconds: 0 });
    const ms = (iso?: string) => (iso ? Date.parse(iso) : undefined);
    const out = fired.map((a, i): AlertObservation => ({
      alert: a.alertname, labels: a.labels ?? a.expectedLabels, firedAt: ms(a.firedAt), receivedAt: ms(a.receivedAt), resolvedReceivedAt: ms(resolved[i]?.receivedAt),
    }));
    log(`[${exp.id}] alerts: ${out.map((a) => `${a.alert} ${a.receivedAt ? `delivered +${((a.receivedAt - injectedAt.getTime()) / 1000).toFixed(1)}s` : "NOT delivered"}`).join(", ")}`);
    return out;
  } catch (e) {
    journal.notes.push(`alerts not read from monitoring: ${(e as Error).message}`);
    return [];
  }
}
