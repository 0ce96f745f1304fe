// The zod fields every fault kind's schema shares: names, selectors, peers, duration, sizes.
import { z } from "zod";

/** Role selectors resolved against the live cluster when the fault is applied, or a member name. */
export const ROLE_SELECTORS = ["primary", "replica", "any-replica", "etcd-leader", "etcd-follower", "all-etcd", "all-patroni", "haproxy"] as const;
export type RoleSelector = (typeof ROLE_SELECTORS)[number];

export const selector = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,30}$/, `must be a role (${ROLE_SELECTORS.join(", ")}) or a member name (a-z, 0-9, -)`);

const faultName = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,19}$/, "must be 1-20 chars of a-z, 0-9 and '-', starting with a letter (it names iptables chains)");

export const peers = z.array(selector).min(1).max(16).optional();

export const baseFields = {
  name: faultName,
  /** Seconds after which the watchdog on the target reverts the fault, whatever happens to the controller. */
  durationSeconds: z.number().int().min(5).max(86_400).optional(),
};

export const byteSize = z.string().regex(/^[1-9][0-9]{0,5}[KMG]$/, "must be a size like 64M or 1G");

export const lifecycleMode = z.enum(["stop", "kill", "pause"]).default("stop");
