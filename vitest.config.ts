import { defineConfig } from "vitest/config";
import { E2E_ALONE } from "./test/suite/e2e-files";
import FileTimesReporter from "./test/suite/file-times-reporter";
import LongestFirstSequencer from "./test/suite/longest-first-sequencer";

// Unit files (no Docker) one at a time (flap.test.ts checks real bash loops' rhythm to ±1 s), then the
// end-to-end files two at a time, longest first: each brings up its own lab (own stack, container names,
// host ports and Docker network) and nothing one does reaches another lab (docs/testing.md lists what was
// checked). Files in E2E_ALONE, whose bounds need the machine without a second lab, run after them, one at
// a time. Every failure of the earlier two-worker runs was traced and fixed, none loosened (e2e-files.ts).
export default defineConfig({
  test: {
    testTimeout: 20_000,
    hookTimeout: 600_000,
    reporters: ["verbose", new FileTimesReporter()],
    sequence: { sequencer: LongestFirstSequencer },
    projects: [
      { extends: true, test: { name: "unit", include: ["test/unit/**/*.test.ts"], maxWorkers: 1, sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: "e2e", include: ["test/e2e/**/*.test.ts"], exclude: E2E_ALONE, maxWorkers: 2, sequence: { groupOrder: 1 } } },
      ...(E2E_ALONE.length ? [{ extends: true as const, test: { name: "e2e-alone", include: E2E_ALONE, maxWorkers: 1, sequence: { groupOrder: 2 } } }] : []),
    ],
  },
});
