// A run's outcome: PASS/FAIL on its hypothesis, or ABORTED/INVALID when the run proves nothing.
import { abortedBefore, evaluateExpectations, invalidBecause, summarizeVerdicts, type ExpectationVerdict } from "./expectations";
import type { Journal } from "./journal";
import type { ExperimentMetrics } from "./metrics";

/**
 * A run's outcome: whether its hypothesis held (PASS/FAIL), or whether the run proves nothing — ABORTED
 * (the steady state did not hold, nothing was injected), INVALID (the fault stopped acting while the
 * method ran), ERROR (the runner failed: a fault could not be injected or verified). Findings are apart
 * (findings.ts): a PASS can carry them.
 */

export type RunStatus = "PASS" | "FAIL" | "ABORTED" | "INVALID" | "ERROR";

export interface RunOutcome {
  status: RunStatus;
  /** One line for consoles and indexes, e.g. "PASS: 3/3 held". */
  text: string;
  verdicts: ExpectationVerdict[];
}

export function runOutcome(journal: Journal, m: ExperimentMetrics): RunOutcome {
  const verdicts = evaluateExpectations(m, journal.experiment.expected?.assertions ?? []);
  const aborted = abortedBefore(journal);
  const invalid = invalidBecause(journal);
  if (journal.runnerError && !aborted && !invalid) return { status: "ERROR", text: `ERROR: ${journal.runnerError}`, verdicts };
  // The text (ABORTED/INVALID/PASS/FAIL) is summarizeVerdicts' own; the status only names which it was.
  const summary = summarizeVerdicts(verdicts, aborted, invalid);
  const status: RunStatus = aborted ? "ABORTED" : invalid ? "INVALID" : summary.pass ? "PASS" : "FAIL";
  return { status, text: summary.text, verdicts };
}

/**
 * The CLI's exit code over several runs: 3 when any run proves nothing (ABORTED, INVALID, ERROR), else 1 when
 * a hypothesis failed (or, with failOnFindings, when there are findings), else 0. 2 is the CLI's usage error.
 */
export function exitCodeFor(statuses: RunStatus[], findings = 0, failOnFindings = false): 0 | 1 | 3 {
  if (statuses.some((s) => s === "ABORTED" || s === "INVALID" || s === "ERROR")) return 3;
  if (statuses.some((s) => s === "FAIL")) return 1;
  return failOnFindings && findings > 0 ? 1 : 0;
}
