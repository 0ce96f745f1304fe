import { mustRun, runProgram } from "../common/process";

/** `docker inspect`-like JSON of one object, or undefined when Docker says there is no such object. */
export async function inspect<T = Record<string, any>>(kind: "container" | "network" | "volume" | "image", ref: string): Promise<T | undefined> {
  const r = await runProgram(["docker", kind, "inspect", ref]);
  if (r.code === 0) return (JSON.parse(r.stdout) as T[])[0];
  if (/no such|not found/i.test(r.stderr)) return undefined;
  throw new Error(`docker ${kind} inspect ${ref} exited ${r.code}: ${r.stderr.trim()}`);
}

export const docker = (args: string[], opts: Parameters<typeof mustRun>[1] = {}) => mustRun(["docker", ...args], opts);

/** Runs a docker command that may find its object gone already (the real provider ignores "No such …"). */
export async function dockerIgnoringGone(args: string[]): Promise<void> {
  const r = await runProgram(["docker", ...args]);
  if (r.code !== 0 && !/no such|not found/i.test(r.stderr)) throw new Error(`docker ${args.join(" ")} exited ${r.code}: ${r.stderr.trim()}`);
}

/** Labels of the real provider's schema (a list of {label, value}) as a map, and back. */
export const labelMap = (labels?: Array<{ label: string; value: string }>): Record<string, string> =>
  Object.fromEntries((labels ?? []).map((l) => [l.label, l.value]));
