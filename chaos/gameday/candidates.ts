// The table from a finding class to the setting change that may fix it, and the A/B that tests it.
import type { PatroniConfigSettings } from "../experiments/definition";
import type { Finding, FindingClass } from "../checkers/findings";

/**
 * The table from a finding class to the setting change that may fix it, and the A/B that tests it. The
 * table is code; every claim made from it is computed from the game day's own runs (see verdict.ts).
 */

/** Patroni's dynamic settings in effect (GET /config), the ones the game day reports and changes. */
export interface PatroniSettings {
  ttl: number;
  loop_wait: number;
  retry_timeout: number;
  maximum_lag_on_failover: number;
  failsafe_mode: boolean;
  synchronous_mode: boolean;
  synchronous_mode_strict: boolean;
}

/** Keys of compare.ts's measures the candidates judge by. */
export type MeasureKey =
  | "writeAvailability" | "writeUnavailabilitySeconds" | "lostAckedWrites" | "patroniLeaderChanges" | "timeToNewLeaderSeconds" | "failedWrites" | "doubleWritableIntervals"
  // Resync measures (recommend.ts): replicas that needed a full copy, and the primary's pg_wal peak.
  | "replicaReinits" | "primaryWalGrowthMiB";

export interface Goal {
  measure: MeasureKey;
  better: "lower" | "higher";
  /** The smallest difference worth a claim, in the measure's unit (noise floor on a 2-core lab). */
  floor: number;
}

/** HAProxy's check timing of the read-write backend, as read from its configuration (settings.ts). */
export interface HaproxyTiming {
  interMs: number;
  fall: number;
  rise: number;
}

/** The settings in effect, per component a candidate can change; absent when they could not be read. */
export interface InEffect {
  patroni?: PatroniSettings;
  haproxy?: HaproxyTiming;
}

interface CandidateBase {
  id: string;
  title: string;
  fixes: FindingClass[];
  /** The finding's experiments this candidate answers (undefined: any experiment showing the class). */
  experiments?: string[];
  /** Run both sides on this experiment (default: the experiment that showed the finding). */
  experiment?: string;
  goal: Goal;
  /** What the change may cost, measured on the same runs, or on another experiment under both sides. */
  costs: { measure: MeasureKey; better: "lower" | "higher"; experiment?: string; why: string }[];
  /** Why this change should help, one line (the mechanism, not the result). */
  rationale: string;
}

/**
 * A candidate changes one component: Patroni's dynamic configuration (PATCH /config, set per run by the
 * runner), or HAProxy's checks (the lab's `pgchaos:haproxy` config, applied by a `pulumi up` of the lab);
 * or it is a pair of the programme's own variants of one experiment that differ in the candidate's setting
 * (side A: the variant that showed the finding), so its A/B needs no run of its own.
 * `sideB` gives side B's settings from side A's (undefined when A already has them); `keys` are side A's
 * keys set explicitly, so both sides differ only in what the candidate changes.
 */
export type Candidate =
  | (CandidateBase & { layer: "patroni"; keys: (keyof PatroniSettings)[]; sideB: (a: PatroniSettings) => PatroniConfigSettings | undefined })
  | (CandidateBase & { layer: "haproxy"; keys: (keyof HaproxyTiming)[]; sideB: (a: HaproxyTiming) => HaproxyTiming | undefined })
  | (CandidateBase & { layer: "programme"; experiment: string; variants: { a: string; b: string } });

const pick = <T extends object>(a: T, keys: (keyof T)[]): Record<string, unknown> => Object.fromEntries(keys.map((k) => [k, a[k]]));

/** Patroni's rule: loop_wait + 2 × retry_timeout ≤ ttl. */
const SHORT_TIMING = { ttl: 6, loop_wait: 1, retry_timeout: 2 };
const LONG_TIMING = { ttl: 30, loop_wait: 5, retry_timeout: 12 };
const timingKeys: (keyof PatroniSettings)[] = ["ttl", "loop_wait", "retry_timeout"];
/** Twice HAProxy's usual check rate in this lab, and a new leader taken on its first passed check. */
const FAST_CHECKS: HaproxyTiming = { interMs: 500, fall: 2, rise: 1 };
const isTiming = (a: PatroniSettings, t: typeof SHORT_TIMING) => a.ttl === t.ttl && a.loop_wait === t.loop_wait && a.retry_timeout === t.retry_timeout;

export const CANDIDATES: Candidate[] = [
  {
    id: "synchronous-mode",
    layer: "patroni",
    title: "synchronous_mode: true",
    fixes: ["lost-writes"],
    experiment: "split-brain",
    keys: ["synchronous_mode"],
    sideB: (a) => (a.synchronous_mode ? undefined : { synchronous_mode: true }),
    goal: { measure: "lostAckedWrites", better: "lower", floor: 1 },
    costs: [{ measure: "writeAvailability", better: "higher", why: "a commit waits for the synchronous standby" }],
    rationale: "a commit is acknowledged only once a synchronous standby has it, and Patroni promotes only that standby",
  },
  {
    id: "failsafe-mode",
    layer: "patroni",
    title: "failsafe_mode: true",
    fixes: ["database-down-with-dcs"],
    experiments: ["etcd-quorum-loss", "etcd-flapping", "etcd-leader-stop", "etcd-member-down"],
    keys: ["failsafe_mode"],
    sideB: (a) => (a.failsafe_mode ? undefined : { failsafe_mode: true }),
    goal: { measure: "writeAvailability", better: "higher", floor: 5 },
    costs: [{ measure: "lostAckedWrites", better: "lower", why: "the primary keeps writing without a DCS lock" }],
    rationale: "while every member still answers the leader's POST /failsafe, the primary keeps running without etcd",
  },
  {
    id: "longer-dcs-timing",
    layer: "patroni",
    title: `ttl ${LONG_TIMING.ttl}, loop_wait ${LONG_TIMING.loop_wait}, retry_timeout ${LONG_TIMING.retry_timeout}`,
    fixes: ["database-down-with-dcs", "false-failover"],
    experiments: ["etcd-slow", "loss-primary", "loss-patroni-etcd", "delay-haproxy-primary", "cpu-primary", "io-primary", "memory-primary", "reset-primary"],
    keys: timingKeys,
    sideB: (a) => (isTiming(a, LONG_TIMING) ? undefined : { ...LONG_TIMING }),
    goal: { measure: "patroniLeaderChanges", better: "lower", floor: 1 },
    costs: [
      { measure: "writeAvailability", better: "higher", why: "availability during the same fault" },
      { measure: "timeToNewLeaderSeconds", better: "lower", experiment: "primary-crash", why: "a real failure is detected only once the longer ttl expires" },
    ],
    rationale: "Patroni gives up on the DCS only after retry_timeout and the leader key lives ttl: slow or lossy links stop causing demotions",
  },
  {
    id: "shorter-dcs-timing",
    layer: "patroni",
    title: `ttl ${SHORT_TIMING.ttl}, loop_wait ${SHORT_TIMING.loop_wait}, retry_timeout ${SHORT_TIMING.retry_timeout}`,
    fixes: ["write-unavailability"],
    experiments: ["primary-crash", "primary-hang", "split-brain"],
    keys: timingKeys,
    sideB: (a) => (isTiming(a, SHORT_TIMING) || a.ttl <= SHORT_TIMING.ttl ? undefined : { ...SHORT_TIMING }),
    goal: { measure: "writeUnavailabilitySeconds", better: "lower", floor: 1 },
    costs: [{ measure: "patroniLeaderChanges", better: "lower", experiment: "loss-primary", why: "false failovers under packet loss" }],
    rationale: "a dead primary's leader key expires after ttl: a shorter ttl means an earlier election",
  },
  {
    id: "faster-haproxy-checks",
    layer: "haproxy",
    title: `HAProxy checks inter ${FAST_CHECKS.interMs} ms, fall ${FAST_CHECKS.fall}, rise ${FAST_CHECKS.rise}`,
    fixes: ["write-unavailability"],
    experiments: ["primary-crash", "primary-stop"],
    keys: ["interMs", "fall", "rise"],
    sideB: (a) => (a.interMs <= FAST_CHECKS.interMs && a.fall <= FAST_CHECKS.fall && a.rise <= FAST_CHECKS.rise ? undefined : { ...FAST_CHECKS }),
    goal: { measure: "writeUnavailabilitySeconds", better: "lower", floor: 1 },
    costs: [{ measure: "writeAvailability", better: "higher", experiment: "loss-primary", why: "a shorter fall marks the primary down on a few lost checks" }],
    rationale: "after an election HAProxy sends writes to the new leader only once its check has passed rise times, and drops the old one after fall failed checks",
  },
  {
    id: "permanent-slots",
    layer: "programme",
    title: "permanent physical slots for every member (slots: in the DCS config)",
    fixes: ["replica-reinit"],
    experiments: ["replica-long-isolation"],
    experiment: "replica-long-isolation",
    variants: { a: "wal-too-small", b: "wal-retained" },
    goal: { measure: "replicaReinits", better: "lower", floor: 1 },
    costs: [{ measure: "primaryWalGrowthMiB", better: "lower", why: "the primary keeps every byte an absent member's slot holds: size pg_wal's disk for it, or cap it with max_slot_wal_keep_size" }],
    rationale: "the leader keeps a slot named after each member, also while that member is absent from the DCS, so the WAL it missed stays on the primary",
  },
];

const subjects = (f: Finding[]) => [...new Set(f.map((x) => x.subject ?? x.experiment))].join(", ");

/** Advice for findings no candidate of this table tested in the game day: always labelled untested. */
export const UNTESTED_ADVICE: Record<FindingClass, (findings: Finding[]) => string> = {
  "lost-writes": (f) => `synchronous_mode (acknowledge a commit only once a standby has it) for ${subjects(f)}`,
  "database-down-with-dcs": (f) => `failsafe_mode, or longer ttl/retry_timeout for a slow etcd (${subjects(f)})`,
  "false-failover": (f) => `longer ttl and retry_timeout, so a slow or lossy link does not cost the leader key (${subjects(f)})`,
  "two-primaries": (f) => `enable Patroni's watchdog (softdog) so a primary that cannot renew its lock is fenced before ttl runs out (${f.length} run(s) saw two writable nodes)`,
  "replica-not-caught-up": (f) => `reinitialize the stuck replica (patronictl reinit) and keep the WAL it needs: permanent slots or a larger wal_keep_size (${f.map((x) => x.experiment).join(", ")})`,
  "replica-reinit": () => "keep WAL for absent members: permanent slots (slots: in the DCS config) or a larger wal_keep_size, sized from the peak pg_wal measured",
  "alert-missing": (f) => `add a rule or a watchdog for ${subjects(f)}, and an external dead man's switch so an outage of Prometheus or Alertmanager is itself alerted`,
  "alert-late": (f) => `shorten \`for\` or Alertmanager's group_wait for ${subjects(f)}, or accept the delay: see each alert's bound`,
  "write-unavailability": () => "shorten HAProxy's health-check interval and fall count, so the new leader takes traffic sooner",
};

/** The candidates for the findings of a game day, most severe class first, each with the findings it answers. */
export function candidatesFor(findings: Finding[], max: number): { candidate: Candidate; findings: Finding[] }[] {
  const out: { candidate: Candidate; findings: Finding[] }[] = [];
  for (const c of CANDIDATES) {
    const matched = findings.filter((f) => c.fixes.includes(f.class) && (!c.experiments || c.experiments.includes(f.experiment)) && !f.variant?.startsWith("ab-"));
    if (matched.length) out.push({ candidate: c, findings: matched });
  }
  return out.slice(0, max);
}

/** Side A (the settings in effect, for the candidate's keys) and side B (the candidate), or undefined when A already is B. */
export function sides(c: Candidate, inEffect: InEffect): { a: Record<string, unknown>; b: Record<string, unknown> } | undefined {
  if (c.layer === "programme") return undefined; // its sides are the variants' own settings (gameday.ts)
  if (c.layer === "patroni") {
    const b = inEffect.patroni && c.sideB(inEffect.patroni);
    return inEffect.patroni && b ? { a: pick(inEffect.patroni, c.keys), b } : undefined;
  }
  const b = inEffect.haproxy && c.sideB(inEffect.haproxy);
  return inEffect.haproxy && b ? { a: pick(inEffect.haproxy, c.keys), b: { ...b } } : undefined;
}

/** Which settings in effect a candidate's A/B starts from, and what to say when they could not be read. */
export const LAYER_SOURCE: Record<Candidate["layer"], string> = {
  patroni: "Patroni's settings in effect (GET /config)",
  haproxy: "HAProxy's check timing (its haproxy.cfg)",
  programme: "the programme's variants",
};
