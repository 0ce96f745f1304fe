// A campaign file (zod): a seeded random schedule of faults drawn from a menu, for minutes or hours.
import { LineCounter, parseDocument } from "yaml";
import { z } from "zod";
import { faultSpec, type FaultSpec } from "../faults/spec";
import { workloadSchema } from "../experiments/definition";

/**
 * A campaign file: a seeded random schedule of faults drawn from a menu, for minutes or hours (Jepsen's
 * model for Patroni: faults on, faults healed, again). Validated at the edge like experiment files; every
 * message names the key, the value and the allowed range.
 */

/**
 * Role selectors of a campaign: each names ONE member, chosen when the fault is toggled (any-*: by the
 * schedule's own draw among the members of that class no other active fault holds).
 */
export const CAMPAIGN_SELECTORS = ["primary", "replica", "any-patroni", "etcd-leader", "etcd-follower", "any-etcd", "haproxy"] as const;
export type CampaignSelector = (typeof CAMPAIGN_SELECTORS)[number];

/** Kinds whose menu entry names one target per toggle (picked from `targets`); partitions isolate it. */
const TARGETED = new Set(["node-stop", "delay", "loss", "reset", "stress", "partition"]);

/** A whole number in [min, max]; every message names the key, the value and the range. */
const whole = (key: string, min: number, max: number, unit = "") => {
  const range = `${min}${unit}–${max}${unit}`;
  const got = (v: unknown) => JSON.stringify(v);
  return z.number({ error: (i) => `${key}: must be a whole number from ${range} (got ${got(i.input)})` })
    .int({ error: (i) => `${key}: must be a whole number from ${range} (got ${got(i.input)})` })
    .min(min, { error: (i) => `${key}: must be ≥ ${min}${unit} (got ${got(i.input)}; allowed ${range})` })
    .max(max, { error: (i) => `${key}: must be ≤ ${max}${unit} (got ${got(i.input)}; allowed ${range})` });
};
const seconds = (key: string, min: number, max: number) => whole(key, min, max, " s");

/**
 * One entry of the menu: a fault of the catalog's kinds without its name (the planner names it) and, for
 * targeted kinds, the role selectors it may hit; a selector resolves to a member when the fault is toggled.
 */
export const menuEntrySchema = z.object({
  kind: z.enum(["node-stop", "delay", "loss", "reset", "partition", "stress", "etcd-outage"]),
  targets: z.array(z.enum(CAMPAIGN_SELECTORS, { error: (i) => `must be one of ${CAMPAIGN_SELECTORS.join(", ")} (got ${JSON.stringify(i.input)})` })).min(1).max(8).optional(),
  /** Relative odds of this entry when the planner draws a fault. */
  weight: whole("weight", 1, 100).default(1),
}).catchall(z.unknown());
export type MenuEntry = z.infer<typeof menuEntrySchema>;

export const campaignSchema = z.object({
  id: z.string().regex(/^[a-z][a-z0-9-]{0,40}$/, "id: must be 1-41 chars of a-z, 0-9 and '-', starting with a letter"),
  title: z.string().min(3).max(120),
  description: z.string().min(3).optional(),
  /** Same seed + same file + same cluster size → the same planned schedule. */
  seed: whole("seed", 0, 0xffffffff),
  /** Length of the fault schedule (steady state before and after not counted). */
  durationSeconds: seconds("durationSeconds", 30, 86_400),
  /** At most this many faults active at once. */
  maxConcurrent: whole("maxConcurrent", 1, 4).default(2),
  /** Faults on for `onSeconds`, healed for `offSeconds`, each ± a uniform draw of up to `jitterSeconds`. */
  period: z.object({
    onSeconds: seconds("period.onSeconds", 10, 3600),
    offSeconds: seconds("period.offSeconds", 10, 3600),
    jitterSeconds: seconds("period.jitterSeconds", 0, 600).default(0),
  }).strict().refine((p) => p.jitterSeconds < Math.min(p.onSeconds, p.offSeconds), {
    error: (i) => `period.jitterSeconds: must be below both onSeconds and offSeconds (got ${JSON.stringify((i.input as { jitterSeconds?: unknown }).jitterSeconds)})`,
    path: ["jitterSeconds"],
  }),
  /** The cluster the schedule is planned for; the executor refuses a lab of another size. */
  cluster: z.object({
    etcd: whole("cluster.etcd", 1, 7).default(3),
    patroni: whole("cluster.patroni", 2, 7).default(3),
  }).strict().default({ etcd: 3, patroni: 3 }),
  /** By default at most a minority of etcd is ever down at once: set true to plan quorum losses too. */
  allowEtcdQuorumLoss: z.boolean().default(false),
  faults: z.array(menuEntrySchema).min(1).max(32),
  workload: workloadSchema.default({ writers: 2, readers: 1, writeRate: 20, readRate: 20 }),
  steadySeconds: z.object({ before: seconds("steadySeconds.before", 1, 600).default(10), after: seconds("steadySeconds.after", 1, 1800).default(30) })
    .strict().default({ before: 10, after: 30 }),
  /** A cycle whose longest time without an acknowledged write exceeds this is an anomaly. */
  bounds: z.object({ writeUnavailabilitySeconds: seconds("bounds.writeUnavailabilitySeconds", 1, 3600).default(60) }).strict().default({ writeUnavailabilitySeconds: 60 }),
  /** Added to each fault's planned active time for its watchdog: a dead controller leaves nothing behind after it. Toggles are late by a pulumi up or two (tens of seconds on a loaded 2-core machine), so the default is generous. */
  watchdogSlackSeconds: seconds("watchdogSlackSeconds", 30, 3600).default(300),
}).strict().superRefine((c, ctx) => {
  c.faults.forEach((entry, i) => {
    const problem = entryProblem(entry);
    if (problem) ctx.addIssue({ code: "custom", path: ["faults", i, ...problem.path], message: `faults.${i}${problem.path.length ? `.${problem.path.join(".")}` : ""}: ${problem.message}` });
  });
});
export type Campaign = z.infer<typeof campaignSchema>;

/** The fault spec an entry stands for when it hits `target` (a selector or member), named `name`. */
export function entrySpec(entry: MenuEntry, name: string, target: string | undefined, durationSeconds: number): FaultSpec {
  const { targets: _t, weight: _w, ...rest } = entry;
  const raw: Record<string, unknown> = { ...rest, name, durationSeconds };
  if (entry.kind === "partition") raw.groupA = [target];
  else if (TARGETED.has(entry.kind)) raw.target = target;
  return faultSpec.parse(raw);
}

/** Whether an entry, completed with each of its targets, is a valid fault spec (the message names key and value). */
function entryProblem(entry: MenuEntry): { path: PropertyKey[]; message: string } | undefined {
  const targeted = TARGETED.has(entry.kind);
  if (targeted && !entry.targets) return { path: ["targets"], message: `${entry.kind} needs targets: campaign role selectors` };
  if (!targeted && entry.targets) return { path: ["targets"], message: `${entry.kind} takes no targets (it names its members itself: members, from)` };
  for (const t of entry.targets ?? [undefined]) {
    const { targets: _t, weight: _w, ...rest } = entry;
    const raw: Record<string, unknown> = { ...rest, name: "planned", durationSeconds: 60 };
    if (entry.kind === "partition") raw.groupA = [t];
    else if (targeted) raw.target = t;
    const parsed = faultSpec.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const key = issue.path.filter((k) => k !== "groupA" && k !== "target");
      const value = key.reduce<unknown>((o, k) => (o as Record<PropertyKey, unknown> | undefined)?.[k as string], raw);
      return { path: key, message: `${issue.message} (got ${JSON.stringify(value)})` };
    }
  }
  return undefined;
}

export class CampaignFileError extends Error {}

/** Parses and validates a campaign file; every error names the file, the line, the key and the value. */
export function parseCampaign(text: string, file: string): Campaign {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  if (doc.errors.length) throw new CampaignFileError(`${file}: invalid YAML\n${doc.errors.map((e) => `  ${file}:${e.linePos?.[0].line ?? "?"}: ${e.message.split("\n")[0]}`).join("\n")}`);
  const result = campaignSchema.safeParse(doc.toJS() ?? {});
  if (result.success) return result.data;
  const lineOf = (path: PropertyKey[]): string => {
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n) as (string | number)[], true) as { range?: [number, number, number] } | undefined;
      if (node?.range) return String(lines.linePos(node.range[0]).line);
    }
    return "1";
  };
  const issues = result.error.issues.map((i) => `  ${file}:${lineOf(i.path)}: ${i.path.join(".") || "(root)"}: ${i.message}`).join("\n");
  throw new CampaignFileError(`${file}: invalid campaign\n${issues}`);
}
