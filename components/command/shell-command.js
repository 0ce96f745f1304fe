"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.runScript = runScript;
// Runs a bash script with extra environment values, resolving to its stdout; failures reject with exit code and stderr.
/**
 * Runs a bash script (`set -euo pipefail`) with extra environment values, resolving to its trimmed
 * stdout; a failure rejects with the exit code and the last output lines. The fault resource
 * (chaos/faults/resource.ts) runs its inject/verify/recover scripts with it; lab resources are @pulumi/command's.
 * `require` inside: the fault's dynamic provider serializes this function into Pulumi's provider host.
 */
async function runScript(script, env, timeoutSeconds) {
    const { spawn } = require("child_process");
    return await new Promise((resolve, reject) => {
        const child = spawn("bash", ["--norc", "-c", `set -euo pipefail\n${script}`], {
            env: { ...process.env, ...(env ?? {}) },
            stdio: ["ignore", "pipe", "pipe"],
        });
        let out = "";
        let err = "";
        child.stdout.on("data", (d) => (out += d.toString()));
        child.stderr.on("data", (d) => (err += d.toString()));
        const timer = setTimeout(() => child.kill("SIGKILL"), (timeoutSeconds ?? 600) * 1000);
        child.on("close", (code, signal) => {
            clearTimeout(timer);
            if (code === 0)
                resolve(out.trim());
            else {
                const detail = (err.trim() || out.trim()).split("\n").slice(-40).join("\n");
                // A plain Error: classes do not survive Pulumi's serialization into the provider host intact.
                reject(Object.assign(new Error(`script failed (${signal ? `killed by ${signal}` : `exit ${code}`}):\n${detail}`), { exitCode: code ?? -1 }));
            }
        });
    });
}
