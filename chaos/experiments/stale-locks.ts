// Locks a killed `pulumi` left on a stack of the local file backend: found, told, and removed only when stale.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { z } from "zod";
import { backendRoot } from "./state-sidecars";

/**
 * A `pulumi` killed during `up` or `destroy` (SIGKILL, OOM, a closed laptop) leaves its lock file in a file
 * backend, and every later `up` of that stack fails with "the stack is currently locked … `pulumi cancel`".
 * A lock is stale when it was taken on this host by a process that no longer exists: only such locks are
 * removed — a lock of a live process or of another host (a shared backend) is never touched.
 */

/** What Pulumi's file backend writes in `.pulumi/locks/organization/<project>/<stack>/<uuid>.json`. */
const lockContent = z.object({ pid: z.number().int().positive(), username: z.string(), hostname: z.string(), timestamp: z.string() });

export interface StackLock {
  file: string;
  pid: number;
  hostname: string;
  timestamp: string;
}

/** The stack's lock folder in a `file://` backend; undefined for any other backend (its locks are its own). */
export function lockDir(backendUrl: string | undefined, project: string, stack: string): string | undefined {
  const root = backendRoot(backendUrl);
  return root === undefined ? undefined : path.join(root, ".pulumi", "locks", "organization", project, stack);
}

/** The locks in the folder; a file that is not a lock of this shape is left out (never removed). */
export function readLocks(dir: string): StackLock[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((n) => n.endsWith(".json"));
  } catch {
    return [];
  }
  return names.flatMap((n) => {
    const file = path.join(dir, n);
    try {
      const lock = lockContent.parse(JSON.parse(fs.readFileSync(file, "utf8")));
      return [{ file, pid: lock.pid, hostname: lock.hostname, timestamp: lock.timestamp }];
    } catch {
      return [];
    }
  });
}

/** Signal 0 probes a pid: ESRCH says it is gone; EPERM says it exists (someone else's). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

export const isStale = (lock: StackLock, here: { hostname: string; alive: (pid: number) => boolean }): boolean =>
  lock.hostname === here.hostname && !here.alive(lock.pid);

export const describeLock = (l: StackLock) => `pid ${l.pid} on ${l.hostname}, since ${l.timestamp}`;

/** The project's name, from its Pulumi.yaml (a lock folder is per project). */
export const projectName = (projectDir: string): string => z.object({ name: z.string() }).parse(parse(fs.readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8"))).name;

/** The stale locks of a stack (none for a backend other than file://). */
export function staleLocks(project: string, stack: string, backendUrl = process.env.PULUMI_BACKEND_URL): StackLock[] {
  const dir = lockDir(backendUrl, project, stack);
  if (!dir) return [];
  const here = { hostname: os.hostname(), alive: processAlive };
  return readLocks(dir).filter((l) => isStale(l, here));
}

/** Removes the stale locks (exactly those files, with the blob store's `.attrs` beside each); returns what was removed. */
export function removeStaleLocks(project: string, stack: string, backendUrl = process.env.PULUMI_BACKEND_URL): StackLock[] {
  const stale = staleLocks(project, stack, backendUrl);
  for (const l of stale) for (const f of [l.file, `${l.file}.attrs`]) fs.rmSync(f, { force: true });
  return stale;
}
