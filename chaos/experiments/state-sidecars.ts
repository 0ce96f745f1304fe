// Checkpoint sidecars a killed `pulumi` truncated in a file backend: found, told, and removed.
import * as fs from "fs";
import * as path from "path";
import { fileURLToPath } from "url";
import { gunzipSync } from "zlib";

/**
 * The file backend (Go CDK's fileblob) writes a checkpoint atomically (temporary file, then rename) but its
 * `<file>.attrs` sidecar in place: a `pulumi` SIGKILLed between the two leaves the old checkpoint whole and
 * its sidecar empty, and from then on every command on that stack fails with "failed to load checkpoint:
 * EOF" — naming nothing to run (measured: bench/controller-death.ts, docs/benchmarks.md). A sidecar only
 * holds the blob's content type and MD5, which nothing checks on read, and a missing one reads as none:
 * removing a broken one restores the last complete checkpoint. scripts/env.sh's `?metadata=skip` stops
 * new sidecars being written at all; this repairs state written without it.
 */

/** The backend's root folder for a `file://` URL (its query, e.g. `?metadata=skip`, dropped); else undefined. */
export function backendRoot(backendUrl: string | undefined): string | undefined {
  if (!backendUrl?.startsWith("file://")) return undefined;
  return fileURLToPath(backendUrl.replace(/^file:\/\/~/, `file://${process.env.HOME ?? ""}`));
}

/**
 * A stack's checkpoint text in a `file://` backend (`.pulumi/stacks/<project>/<stack>.json`, or `.json.gz`
 * when the backend gzips); undefined for another backend or when there is none.
 */
export function checkpointText(project: string, stack: string, backendUrl = process.env.PULUMI_BACKEND_URL): string | undefined {
  const root = backendRoot(backendUrl);
  if (!root) return undefined;
  const base = path.join(root, ".pulumi", "stacks", project, `${stack}.json`);
  if (fs.existsSync(base)) return fs.readFileSync(base, "utf8");
  if (fs.existsSync(`${base}.gz`)) return gunzipSync(fs.readFileSync(`${base}.gz`)).toString("utf8");
  return undefined;
}

/** A sidecar that is not a JSON object (empty, cut short): what a write killed half-way leaves. */
export function sidecarBroken(text: string): boolean {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v !== "object" || v === null;
  } catch {
    return true;
  }
}

/** Broken sidecars of the stack's checkpoint and its backup (`<stack>.json[.gz][.bak].attrs`). */
export function brokenSidecars(project: string, stack: string, backendUrl = process.env.PULUMI_BACKEND_URL): string[] {
  const root = backendRoot(backendUrl);
  if (!root) return [];
  const dir = path.join(root, ".pulumi", "stacks", project);
  const ours = new RegExp(`^${stack.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\.json(\\.gz)?(\\.bak)?\\.attrs$`);
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((n) => ours.test(n));
  } catch {
    return [];
  }
  return names.map((n) => path.join(dir, n)).filter((f) => sidecarBroken(fs.readFileSync(f, "utf8")));
}

/** Removes the stack's broken sidecars; returns their paths. Idempotent. */
export function removeBrokenSidecars(project: string, stack: string, backendUrl = process.env.PULUMI_BACKEND_URL): string[] {
  const broken = brokenSidecars(project, stack, backendUrl);
  for (const f of broken) fs.rmSync(f, { force: true });
  return broken;
}
