// Fault declarations as they appear in stack config (`pgchaos:faults`): the union of every kind's schema, and the chaos stack's config.
import { z } from "zod";
import { rejectDuplicateNames, targetsSchema } from "../targets/inventory";
import { DEFAULT_LAB_STACK, LAB_STACK_PATTERN } from "../targets/lab-stack";
import { KIND_SCHEMAS } from "./kinds";

/**
 * Validated at the edge: nothing here reaches a shell before passing these schemas; numbers are bounded
 * so a typo cannot take the host down (e.g. stress workers, memory bytes). Each kind's schema lives in
 * its own file under kinds/.
 */
export const faultSpec = z.discriminatedUnion("kind", KIND_SCHEMAS);
export type FaultSpec = z.infer<typeof faultSpec>;
export type FaultKind = FaultSpec["kind"];

export const chaosConfigSchema = z.object({
  kind: z.literal("chaos"),
  /** The lab stack whose members are the targets (same project, same backend). */
  labStack: z.string().regex(LAB_STACK_PATTERN, "must be a stack name").default(DEFAULT_LAB_STACK),
  defaultDurationSeconds: z.number().int().min(5).max(86_400).default(600),
  /** Measure each fault's effect after inject and after recover (fail the update when not achieved). */
  verify: z.boolean().default(true),
  faults: z.array(faultSpec).max(16).default([]),
  /**
   * A user's own cluster reached over SSH (see chaos/targets/inventory.ts): when set, the faults target these
   * hosts and `labStack` is not read. The key is the secret config value `pgchaos:sshPrivateKey`.
   */
  targets: targetsSchema.optional(),
}).strict().superRefine((c, ctx) => rejectDuplicateNames(ctx, "faults", c.faults, "fault"));
export type ChaosConfig = z.infer<typeof chaosConfigSchema>;
