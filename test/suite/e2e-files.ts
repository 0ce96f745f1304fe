// Which end-to-end files run when: pure data for vitest.config.ts and the sequencer (unit-tested).

/**
 * Every end-to-end file, longest first: ordered by each file's wall time with its hooks in the serial run of
 * 2026-12-02 01:50 (the reporter's per-file table; docs/testing.md), planted-primary's as it is since its
 * planted run stopped waiting 180 s for a health it cannot reach. With two workers the run ends when the last
 * file does, so the long ones must start first; vitest's own order (cached durations, else file size) has no
 * cache on a clean clone.
 */
export const E2E_LONGEST_FIRST = [
  "resync", "ssh", "gameday", "fault-drift", "campaign", "faults", "planted-primary", "stuck-recover", "experiment",
  "monitoring", "lab", "conformance-docker", "engine", "conformance-command", "conformance-random", "docker",
].map((name) => `test/e2e/${name}.test.ts`);

/**
 * Files whose bounds need a machine without a second lab beside them: they run after the others, one at
 * a time (docs/testing.md says why each is here). fault-drift was here after a two-worker run where 32.5 %
 * of a broken loss fault's connects timed out with no rule reached: that was PostgreSQL's accept queue
 * overflowing under the probe, not the load (loss probes now target a port nothing listens on).
 */
export const E2E_ALONE: string[] = [
  // Beside another lab (load 5–34): stress reached 0.426 cores (bound 0.48, the fault's own verification),
  // then the lab did not recover in time; an alert's firing delay measured 2.88 s against its `for` of 4 s.
  "test/e2e/faults.test.ts",
  "test/e2e/monitoring.test.ts",
  // Two workers, 2026-12-02 (CPU pressure 50–70 %): a 50 % stress worker's CPU share fell under its bound while
  // stress-ng still ran (its recover then passed: a provider gap, closed since — a stress recover also needs its
  // mechanism gone). Like faults', its stress bounds need the cores without a second lab.
  "test/e2e/stuck-recover.test.ts",
];

/** Position of a test file in E2E_LONGEST_FIRST; files not listed (unit files) come after, in their order. */
export function e2eRank(file: string): number {
  const i = E2E_LONGEST_FIRST.findIndex((f) => file.endsWith(f));
  return i < 0 ? E2E_LONGEST_FIRST.length : i;
}
