import { defineConfig } from "vitest/config";
import { E2E_ALONE } from "./test/suite/e2e-files";
import FileTimesReporter from "./test/suite/file-times-reporter";
import LongestFirstSequencer from "./test/suite/longest-first-sequencer";

// Unit files (no Docker), then the end-to-end files one at a time, longest first: each brings up its own lab
// (own stack, container names, host ports and Docker network) and nothing one does reaches another lab
// (docs/testing.md lists what was checked). Two at a time was tried in two full runs (27.6 and 28.5 min):
// two labs saturate these 2 cores (CPU pressure 50–70 %) and load-dependent measurements failed each time
// (docs/testing.md), so the e2e group keeps one worker; E2E_ALONE says which files must never share.
export default defineConfig({
  test: {
    testTimeout: 20_000,
    hookTimeout: 600_000,
    reporters: ["verbose", new FileTimesReporter()],
    sequence: { sequencer: LongestFirstSequencer },
    projects: [
      { extends: true, test: { name: "unit", include: ["test/unit/**/*.test.ts"], maxWorkers: 1, sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: "e2e", include: ["test/e2e/**/*.test.ts"], exclude: E2E_ALONE, maxWorkers: 1, sequence: { groupOrder: 1 } } },
      ...(E2E_ALONE.length ? [{ extends: true as const, test: { name: "e2e-alone", include: E2E_ALONE, maxWorkers: 1, sequence: { groupOrder: 2 } } }] : []),
    ],
  },
});
