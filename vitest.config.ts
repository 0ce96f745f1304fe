import { defineConfig } from "vitest/config";
import FileTimesReporter from "./test/suite/file-times-reporter";
import LongestFirstSequencer from "./test/suite/longest-first-sequencer";

/**
 * Unit files first, in parallel (no Docker). Then the end-to-end files, two at a time: each brings up its
 * own lab (own stack names, container names, host ports, Docker network), and nothing they do reaches
 * another lab (docs/testing.md lists what was checked). Files whose bounds need a machine without a
 * second lab beside them run last, one at a time.
 */
const E2E_ALONE: string[] = [];

export default defineConfig({
  test: {
    testTimeout: 20_000,
    hookTimeout: 600_000,
    reporters: ["verbose", new FileTimesReporter()],
    sequence: { sequencer: LongestFirstSequencer },
    projects: [
      { extends: true, test: { name: "unit", include: ["test/unit/**/*.test.ts"], maxWorkers: 2, sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: "e2e", include: ["test/e2e/**/*.test.ts"], exclude: E2E_ALONE, maxWorkers: 2, sequence: { groupOrder: 1 } } },
      ...(E2E_ALONE.length ? [{ extends: true as const, test: { name: "e2e-alone", include: E2E_ALONE, maxWorkers: 1, sequence: { groupOrder: 2 } } }] : []),
    ],
  },
});
