import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // End-to-end files share one Docker engine and the Pulumi backend: run files one at a time.
    fileParallelism: false,
    testTimeout: 20_000,
    hookTimeout: 600_000,
    reporters: ["verbose"],
  },
});
