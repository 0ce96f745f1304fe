#!/usr/bin/env node
// The `pgchaos` executable (package.json bin): sources scripts/env.sh (the offline Pulumi toolchain on PATH,
// the project's file backend) and runs the TypeScript CLI through tsx, so `npx pgchaos` needs no build step
// and no shell setup. Ctrl-C reaches both processes; this one waits for the CLI to recover its faults.
const { spawnSync } = require("child_process");
const path = require("path");
const root = path.join(__dirname, "..");
process.on("SIGINT", () => undefined);
process.on("SIGTERM", () => undefined);
// tsx's own CLI by absolute path: `--import tsx` would resolve from the caller's directory.
const script = `. "${path.join(root, "scripts", "env.sh")}" && exec "$0" "${require.resolve("tsx/cli")}" "${path.join(__dirname, "main.ts")}" "$@"`;
const r = spawnSync("bash", ["--norc", "-c", script, process.execPath, ...process.argv.slice(2)], { stdio: "inherit" });
process.exit(r.status ?? (r.signal ? 128 + 15 : 1));
