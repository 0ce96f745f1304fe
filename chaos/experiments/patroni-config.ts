// The experiment's Patroni dynamic configuration: applied through the leader's REST API, recorded, restored after the run.
import type { Journal } from "../checkers/journal";
import type { Experiment } from "./definition";
import { configDelta, configIncludes, configProjection, getPatroniConfig, patchPatroniConfig } from "./primary-probes";
import type { ExperimentTarget } from "./target";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Sets the experiment's Patroni dynamic configuration (failsafe_mode, ttl, ...) through the leader's
 * REST API and records it; returns the function that restores the previous values (retried: the DCS may
 * still be recovering when the run ends).
 */
export async function applyPatroniConfig(exp: Experiment, target: ExperimentTarget, leader: string, journal: Journal, log: (l: string) => void): Promise<() => Promise<void>> {
  const wanted = Object.fromEntries(Object.entries(exp.patroniConfig).filter(([, v]) => v !== undefined));
  if (Object.keys(wanted).length === 0) return async () => undefined;
  const rest = (name: string) => target.patroni.find((m) => m.name === name)!.rest;
  const current = await getPatroniConfig(rest(leader));
  const { patch, restore } = configDelta(current, wanted);
  const record = { requested: wanted, before: configProjection(current, wanted), effective: { ...current } } as NonNullable<Journal["patroniConfig"]>;
  journal.patroniConfig = record;
  if (Object.keys(patch).length > 0) {
    log(`[${exp.id}] Patroni config: PATCH /config ${JSON.stringify(patch)} on ${leader}`);
    await patchPatroniConfig(rest(leader), patch);
    record.appliedAt = Date.now();
  } else log(`[${exp.id}] Patroni config already ${JSON.stringify(wanted)}`);
  // GET /config answers from the member's cached view of the DCS, which a PATCH updates on a later loop:
  // read back until every requested key shows (bounded), then give every member one more loop_wait.
  let after = await getPatroniConfig(rest(leader));
  const deadline = Date.now() + 30_000;
  while (!configIncludes(after, wanted) && Date.now() < deadline) {
    await sleep(1000);
    after = await getPatroniConfig(rest(leader));
  }
  record.effective = configProjection(after, wanted);
  if (!configIncludes(after, wanted)) journal.notes.push(`Patroni config not in effect 30 s after PATCH /config: ${JSON.stringify(record.effective)}`);
  await sleep((Number(after.loop_wait ?? 10) + 1) * 1000);
  return async () => {
    if (Object.keys(restore).length === 0) return;
    const t0 = Date.now();
    while (Date.now() - t0 < 60_000) {
      for (const m of target.patroni) {
        try {
          await patchPatroniConfig(m.rest, restore);
          record.restoredAt = Date.now();
          log(`[${exp.id}] Patroni config restored: PATCH /config ${JSON.stringify(restore)} on ${m.name}`);
          return;
        } catch {
          // DCS not writable yet, or the member is down: the next member, then again
        }
      }
      await sleep(2000);
    }
    journal.notes.push(`Patroni config NOT restored (${JSON.stringify(restore)}): set it back with PATCH /config`);
    log(`[${exp.id}] could not restore the Patroni config ${JSON.stringify(restore)}`);
  };
}
