import { spawn } from "child_process";

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program (no shell) and collects its output; never throws on a non-zero exit. */
export function runProgram(argv: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; stdin?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { env: opts.env ?? process.env, cwd: opts.cwd, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = opts.timeoutMs ? setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs) : undefined;
    child.on("error", reject);
    child.on("close", (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : -1), stdout, stderr });
    });
    // A program that exits without reading its stdin closes the pipe first: that EPIPE is no failure (its exit
    // code says how it ended), and unhandled it would crash the whole plugin (seen under load in the unit run).
    child.stdin.on("error", () => undefined);
    child.stdin.end(opts.stdin ?? "");
  });
}

/** Runs a program and throws, with its output, when it fails. */
export async function mustRun(argv: string[], opts: Parameters<typeof runProgram>[1] = {}): Promise<string> {
  const r = await runProgram(argv, opts);
  if (r.code !== 0) throw new Error(`${argv.slice(0, 3).join(" ")} … exited ${r.code}:\n${(r.stderr.trim() || r.stdout.trim()).split("\n").slice(-30).join("\n")}`);
  return r.stdout;
}
