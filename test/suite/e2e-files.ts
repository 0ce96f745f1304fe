// Which end-to-end files run when: pure data for vitest.config.ts and the sequencer (unit-tested).

/**
 * Every end-to-end file, longest first: ordered by the test bodies' times of the serial run of 2026-12-01
 * plus what each beforeAll runs (a lab, a game day, a campaign); re-order from the per-file table the
 * reporter prints (docs/testing.md). With two workers the run ends when the last file does, so the long
 * ones must start first; vitest's own order (cached durations, else file size) has no cache on a clean clone.
 */
export const E2E_LONGEST_FIRST = [
  "gameday", "ssh", "fault-drift", "campaign", "planted-primary", "resync", "faults", "experiment",
  "stuck-recover", "monitoring", "lab", "conformance-docker", "conformance-command", "conformance-random", "engine", "docker",
].map((name) => `test/e2e/${name}.test.ts`);

/**
 * Files whose bounds need a machine without a second lab beside them: they run after the others, one at
 * a time (docs/testing.md says why each is here).
 */
export const E2E_ALONE: string[] = [
  // Its fault-watch test expects the killed delayer to be named by the mechanism check; with a second lab
  // beside it (load 5–34) the effect check noticed first (2.4 s, within the 5 s bound): docs/testing.md.
  "test/e2e/fault-drift.test.ts",
  // Beside another lab (load 5–34): stress reached 0.426 cores (bound 0.48, the fault's own verification),
  // then the lab did not recover in time; an alert's firing delay measured 2.88 s against its `for` of 4 s.
  "test/e2e/faults.test.ts",
  "test/e2e/monitoring.test.ts",
];

/** Position of a test file in E2E_LONGEST_FIRST; files not listed (unit files) come after, in their order. */
export function e2eRank(file: string): number {
  const i = E2E_LONGEST_FIRST.findIndex((f) => file.endsWith(f));
  return i < 0 ? E2E_LONGEST_FIRST.length : i;
}
