#!/usr/bin/env node
// The `pgchaos` executable (package.json bin): runs the TypeScript CLI through tsx, so `npx pgchaos` needs
// no build step. Ctrl-C reaches both processes; this one waits for the CLI to recover its faults and exit.
const { spawnSync } = require("child_process");
const path = require("path");
process.on("SIGINT", () => undefined);
process.on("SIGTERM", () => undefined);
const r = spawnSync(process.execPath, ["--import", "tsx", path.join(__dirname, "main.ts"), ...process.argv.slice(2)], { stdio: "inherit" });
process.exit(r.status ?? (r.signal ? 128 + 15 : 1));
