import { BaseSequencer, type TestSpecification } from "vitest/node";

/**
 * End-to-end files, longest first (measured per file, hooks included: docs/benchmarks.md). With two
 * workers the run ends when the last file does, so the long ones must start first; vitest's own order
 * (cached durations, else file size) has no cache on a clean clone. Files not listed run after these.
 */
export const E2E_LONGEST_FIRST = [
  "gameday", "ssh", "fault-drift", "campaign", "planted-primary", "resync", "faults", "experiment",
  "stuck-recover", "monitoring", "lab", "conformance-docker", "conformance-command", "conformance-random", "engine", "docker",
].map((name) => `test/e2e/${name}.test.ts`);

const rank = (spec: TestSpecification): number => {
  const i = E2E_LONGEST_FIRST.findIndex((f) => spec.moduleId.endsWith(f));
  return i < 0 ? E2E_LONGEST_FIRST.length : i;
};

export default class LongestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    // Stable: unit files keep vitest's order; groups (sequence.groupOrder) stay in theirs.
    return sorted.sort((a, b) => a.project.config.sequence.groupOrder - b.project.config.sequence.groupOrder || rank(a) - rank(b));
  }
}
