import { z } from "zod";
import { targetsSchema } from "../targets/inventory";

/**
 * Fault declarations as they appear in stack config (`pgchaos:faults`), validated at the edge.
 * Nothing here reaches a shell before passing these schemas; numbers are bounded so a typo cannot
 * take the host down (e.g. stress workers, memory bytes).
 */

/** Role selectors resolved against the live cluster when the fault is applied, or a member name. */
export const ROLE_SELECTORS = ["primary", "replica", "any-replica", "etcd-leader", "etcd-follower", "all-etcd", "all-patroni", "haproxy"] as const;
export type RoleSelector = (typeof ROLE_SELECTORS)[number];

export const selector = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,30}$/, `must be a role (${ROLE_SELECTORS.join(", ")}) or a member name (a-z, 0-9, -)`);

const faultName = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,19}$/, "must be 1-20 chars of a-z, 0-9 and '-', starting with a letter (it names iptables chains)");

const peers = z.array(selector).min(1).max(16).optional();

const base = {
  name: faultName,
  /** Seconds after which the watchdog on the target reverts the fault, whatever happens to the controller. */
  durationSeconds: z.number().int().min(5).max(86_400).optional(),
};

export const nodeStopSpec = z.object({
  ...base,
  kind: z.literal("node-stop"),
  target: selector,
  mode: z.enum(["stop", "kill", "pause"]).default("stop"),
}).strict();

export const delaySpec = z.object({
  ...base,
  kind: z.literal("delay"),
  target: selector,
  peers,
  delayMs: z.number().int().min(1).max(10_000),
  jitterMs: z.number().int().min(0).max(5_000).default(0),
  /** auto: netem where the kernel has it, else the NFQUEUE delayer. */
  mechanism: z.enum(["auto", "netem", "nfqueue"]).default("auto"),
}).strict().refine((d) => d.jitterMs <= d.delayMs, { message: "jitterMs must be <= delayMs", path: ["jitterMs"] });

export const lossSpec = z.object({
  ...base,
  kind: z.literal("loss"),
  target: selector,
  peers,
  // `pulumi config set --path` stores decimals as strings: accept "12.5" as 12.5.
  percent: z.preprocess((v) => (typeof v === "string" && /^\d+(\.\d+)?$/.test(v) ? Number(v) : v), z.number().min(0).max(100)),
  direction: z.enum(["in", "out", "both"]).default("both"),
}).strict();

export const resetSpec = z.object({
  ...base,
  kind: z.literal("reset"),
  target: selector,
  peers,
  /** TCP ports whose connections (either side) are reset; default the cluster's service ports. */
  ports: z.array(z.number().int().min(1).max(65535)).min(1).max(16).default([5432, 8008, 2379, 2380]),
}).strict();

export const partitionSpec = z.object({
  ...base,
  kind: z.literal("partition"),
  groupA: z.array(selector).min(1).max(16),
  /** Default: every other member of the cluster. */
  groupB: z.array(selector).min(1).max(16).optional(),
  /** one-way: only packets from A to B are dropped. */
  mode: z.enum(["symmetric", "one-way"]).default("symmetric"),
}).strict();

const byteSize = z.string().regex(/^[1-9][0-9]{0,5}[KMG]$/, "must be a size like 64M or 1G");

export const stressSpec = z.object({
  ...base,
  kind: z.literal("stress"),
  target: selector,
  resource: z.enum(["cpu", "io", "memory"]),
  workers: z.number().int().min(1).max(8).default(1),
  /** CPU load per worker, percent. */
  loadPercent: z.number().int().min(1).max(100).default(100),
  /** Bytes per worker for io (file size) and memory (allocation). */
  bytes: byteSize.default("64M"),
}).strict();

export const etcdOutageSpec = z.object({
  ...base,
  kind: z.literal("etcd-outage"),
  /**
   * stop: stop `members` etcd members; block-client: Patroni nodes in `from` cannot reach etcd; slow: delay
   * etcd traffic; flap: stop and start `members` `cycles` times (down `downSeconds`, up `upSeconds`).
   */
  variant: z.enum(["stop", "block-client", "slow", "flap"]),
  /** For stop/slow/flap: selectors or a count of members (followers first, then the leader). */
  members: z.union([z.number().int().min(1).max(5), z.array(selector).min(1).max(5)]).default(1),
  from: z.array(selector).min(1).max(7).default(["all-patroni"]),
  delayMs: z.number().int().min(1).max(10_000).default(200),
  /**
   * slow: whose traffic from etcd is delayed — `clients` (the Patroni nodes: a slow DCS) or `everyone`
   * (the etcd peers too: a delay near etcd's election timeout leaves etcd without a leader — an outage).
   */
  slowFor: z.enum(["clients", "everyone"]).default("clients"),
  mode: z.enum(["stop", "kill", "pause"]).default("stop"),
  /** flap: how many stop/start cycles, and how long each down and up phase lasts (seconds). */
  cycles: z.number().int().min(1).max(50).default(3),
  downSeconds: z.number().int().min(2).max(600).default(5),
  upSeconds: z.number().int().min(2).max(600).default(5),
}).strict();

export const faultSpec = z.discriminatedUnion("kind", [nodeStopSpec, delaySpec, lossSpec, resetSpec, partitionSpec, stressSpec, etcdOutageSpec]);
export type FaultSpec = z.infer<typeof faultSpec>;
export type FaultKind = FaultSpec["kind"];

export const chaosConfigSchema = z.object({
  kind: z.literal("chaos"),
  /** The lab stack whose members are the targets (same project, same backend). */
  labStack: z.string().regex(/^[A-Za-z0-9_.-]{1,100}$/, "must be a stack name").default("dev"),
  defaultDurationSeconds: z.number().int().min(5).max(86_400).default(600),
  /** Measure each fault's effect after inject and after recover (fail the update when not achieved). */
  verify: z.boolean().default(true),
  faults: z.array(faultSpec).max(16).default([]),
  /**
   * A user's own cluster reached over SSH (see chaos/targets/inventory.ts): when set, the faults target these
   * hosts and `labStack` is not read. The key is the secret config value `pgchaos:sshPrivateKey`.
   */
  targets: targetsSchema.optional(),
}).strict().superRefine((c, ctx) => {
  const seen = new Set<string>();
  c.faults.forEach((f, i) => {
    if (seen.has(f.name)) ctx.addIssue({ code: "custom", path: ["faults", i, "name"], message: `duplicate fault name ${f.name}` });
    seen.add(f.name);
  });
});
export type ChaosConfig = z.infer<typeof chaosConfigSchema>;
