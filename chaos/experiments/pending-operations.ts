// Pending operations a killed `pulumi` left in a stack's checkpoint (file backend): found, told, and cleared.
import { z } from "zod";
import { checkpointText } from "./state-sidecars";

/**
 * A `pulumi` killed while it creates or deletes a resource leaves that operation in the checkpoint's
 * `pending_operations`. Every later `up` warns about it and keeps it; only `pulumi refresh` clears it, and a
 * pending *create* only with `--clear-pending-creates` (Pulumi's "interrupted updates" guide). For a fault
 * that is safe: its inject armed a watchdog on the target, which reverts the effect within the fault's
 * duration whether or not state remembers it, and doctor's leftover scan sees it until then.
 */

const checkpointShape = z.object({
  checkpoint: z.object({
    latest: z.object({ pending_operations: z.array(z.object({ type: z.string(), resource: z.object({ urn: z.string() }) })).optional() }).nullish(),
  }),
});

export interface PendingOperation {
  /** creating, updating, deleting, reading, … as Pulumi records it. */
  type: string;
  urn: string;
}

/** Pending operations in the stack's last checkpoint; [] for another backend or a stack not created yet. */
export function pendingOperations(project: string, stack: string, backendUrl = process.env.PULUMI_BACKEND_URL): PendingOperation[] {
  const text = checkpointText(project, stack, backendUrl);
  if (text === undefined) return [];
  const parsed = checkpointShape.safeParse(JSON.parse(text));
  // A checkpoint of another shape is Pulumi's to judge: its own commands will name what is wrong.
  if (!parsed.success) return [];
  return (parsed.data.checkpoint.latest?.pending_operations ?? []).map((p) => ({ type: p.type, urn: p.resource.urn }));
}

/** "creating fault d10 (pgchaos:Fault), …" for a message. */
export function describePending(ops: PendingOperation[]): string {
  return ops.map((o) => `${o.type} ${o.urn.split("::").at(-1)} (${o.urn.split("::").at(-2)?.split("$").at(-1) ?? "?"})`).join(", ");
}

/** The one command that clears them (what `doctor --fix` and the runner run). */
export const CLEAR_PENDING_ARGS = ["refresh", "--yes", "--skip-preview", "--clear-pending-creates", "--color", "never"];

/** That command as a person would type it (without the output-colour flag), for messages. */
export const clearPendingCommand = (stack?: string) =>
  `pulumi refresh --yes --skip-preview --clear-pending-creates${stack ? ` -s ${stack}` : ""}`;
