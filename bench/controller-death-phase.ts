/**
 * Pure parts of the controller-death benchmark: the seeded kill moments, the phase a kill landed in, and the
 * tally. The moments are drawn uniformly over the controller's whole run (spawn → the end of an un-killed
 * run of the same controller), so kills land before, while and after the fault acts in proportion to how
 * long each phase lasts — never chosen to pass.
 */

/** The campaign planner's seeded generator: a run's kill moments can be drawn again from its printed seed. */
export { mulberry32 as seededRandom } from "../chaos/campaign/plan";

/** Seconds after spawn to kill at: uniform over [0, runSeconds] (a moment past the end finds the controller gone). */
export const killMoment = (random: () => number, runSeconds: number): number => random() * runSeconds;

export type Phase = "before arming" | "while armed" | "during recover" | "after the end";
export const PHASES: Phase[] = ["before arming", "while armed", "during recover", "after the end"];

/** What was observed of one controller run, in epoch ms of the bench's clock. */
export interface RunTimeline {
  /** The SIGKILL, or undefined when the run was not killed (a calibration run). */
  killAt?: number;
  /** The controller's own exit, when it came before the kill. */
  exitedAt?: number;
  /** The fault's recover file first seen on its target (the watchdog is armed with it). */
  armedAt?: number;
  /** The controller's first sign of recovering: the runner's recover/rollback line, destroy's `deleting`. */
  recoverStartedAt?: number;
}

/** The phase the kill landed in; a kill after the controller's own exit is "after the end". */
export function phaseAtKill(t: RunTimeline): Phase {
  if (t.killAt === undefined || (t.exitedAt !== undefined && t.exitedAt <= t.killAt)) return "after the end";
  if (t.recoverStartedAt !== undefined && t.recoverStartedAt <= t.killAt) return "during recover";
  if (t.armedAt !== undefined && t.armedAt <= t.killAt) return "while armed";
  return "before arming";
}

/** A line of the controller's output that says it began recovering (runner) or deleting the fault (destroy). */
export const RECOVER_LINE = /\] recover |\] rollback: recovering|pgchaos:Fault \S+ deleting/;

export interface Tally {
  runs: number;
  phases: Record<Phase, number>;
  /** Faults that reached their target: armed at the kill or later (an inject the kill did not stop). */
  armed: number;
  revertedInTime: number;
  doctorLeftovers: number;
  doctorIncomplete: number;
  healthy: number;
  consistentByItself: number;
  consistentAfterNamed: number;
}

export const emptyTally = (): Tally => ({
  runs: 0, phases: Object.fromEntries(PHASES.map((p) => [p, 0])) as Record<Phase, number>, armed: 0, revertedInTime: 0,
  doctorLeftovers: 0, doctorIncomplete: 0, healthy: 0, consistentByItself: 0, consistentAfterNamed: 0,
});

export function tallyRow(controller: string, t: Tally): string {
  return `  ${controller.padEnd(8)} kills ${t.runs} (${PHASES.map((p) => `${p} ${t.phases[p]}`).join(", ")}): ` +
    `reverted within duration + 5 s ${t.revertedInTime}/${t.runs} (fault reached its target ${t.armed}); ` +
    `doctor leftovers or scan incomplete twice ${t.doctorLeftovers} (scan incomplete at the first try ${t.doctorIncomplete}); ` +
    `lab healthy ${t.healthy}/${t.runs}; next up consistent ${t.consistentByItself + t.consistentAfterNamed}/${t.runs} ` +
    `(by itself ${t.consistentByItself}, after the named command ${t.consistentAfterNamed})`;
}
