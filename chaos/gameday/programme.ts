// The game day's programme: which catalog experiments run, in which order, for which homework question.
import type { Experiment } from "../experiments/definition";
import { withVariant } from "../experiments/definition";

/**
 * The game day's programme: which catalog experiments run, in which order, and which homework question
 * each one answers (shared/notes/homework.md, in our words). Pure data and arithmetic; the runner runs it.
 */

export const QUESTIONS = {
  failover: "Node stop: how long does recovery take, and how is the new primary chosen?",
  network: "Partial network loss, resets and delay: what do they do to clients and replication, and how fast does it recover?",
  load: "High CPU, IO or memory load on one node: what does it do to the cluster and to Patroni?",
  alerting: "Monitoring and alerting: do alerts fire, and do they reach a human in time?",
  "split-brain": "Split-brain: when nodes are isolated, does Patroni avoid two primaries and keep acknowledged writes?",
  "long-isolation": "Long isolation: does an isolated replica resynchronise after healing, and how?",
  dcs: "Dependency failures: how does the cluster behave when etcd is down, slow or flapping?",
} as const;
export type Question = keyof typeof QUESTIONS;

export interface ProgrammeEntry {
  id: string;
  variant?: string;
  question: Question;
}

const entry = (id: string, question: Question, variant?: string): ProgrammeEntry => ({ id, question, ...(variant ? { variant } : {}) });

/** Every experiment of the homework, basic programme first. */
export const FULL_PROGRAMME: ProgrammeEntry[] = [
  entry("primary-stop", "failover"),
  entry("primary-crash", "failover"),
  entry("primary-hang", "failover"),
  entry("replica-stop", "failover"),
  entry("haproxy-down", "failover"),
  entry("loss-primary", "network"),
  entry("reset-primary", "network"),
  entry("delay-haproxy-primary", "network"),
  entry("cpu-primary", "load"),
  entry("io-primary", "load"),
  entry("memory-primary", "load"),
  entry("prometheus-down", "alerting"),
  entry("alertmanager-down", "alerting"),
  entry("split-brain", "split-brain"),
  entry("replica-long-isolation", "long-isolation", "wal-retained"),
  entry("replica-long-isolation", "long-isolation", "wal-too-small"),
  entry("etcd-leader-stop", "dcs"),
  entry("etcd-member-down", "dcs"),
  entry("etcd-slow", "dcs"),
  entry("etcd-flapping", "dcs"),
  entry("etcd-quorum-loss", "dcs"),
];

/** `--quick`: a crash failover, packet loss and etcd quorum loss, and at most one A/B pair. */
export const QUICK_PROGRAMME: ProgrammeEntry[] = [
  entry("primary-crash", "failover"),
  entry("loss-primary", "network"),
  entry("etcd-quorum-loss", "dcs"),
];

export interface GameDayMode {
  name: "full" | "quick";
  programme: ProgrammeEntry[];
  /** A/B candidates tested at most (one per finding class that appeared, in severity order). */
  maxCandidates: number;
  /** Runs per side at most, when one run per side cannot separate the effect from the noise. */
  maxRunsPerSide: number;
}

export const MODES: Record<"full" | "quick", GameDayMode> = {
  full: { name: "full", programme: FULL_PROGRAMME, maxCandidates: 6, maxRunsPerSide: 2 },
  quick: { name: "quick", programme: QUICK_PROGRAMME, maxCandidates: 1, maxRunsPerSide: 1 },
};

/** The programme's experiments from the catalog; names every id or variant the catalog lacks. */
export function resolveProgramme(programme: ProgrammeEntry[], catalog: Experiment[]): { entry: ProgrammeEntry; experiment: Experiment }[] {
  const missing = programme.filter((p) => !catalog.some((e) => e.id === p.id)).map((p) => p.id);
  if (missing.length) throw new Error(`game day: the catalog has no experiment ${[...new Set(missing)].join(", ")}`);
  return programme.map((p) => {
    const exp = catalog.find((e) => e.id === p.id)!;
    return { entry: p, experiment: p.variant ? withVariant(exp, p.variant) : exp };
  });
}

/** Typical seconds for one pulumi up of the chaos stack, and for a wait-new-leader / wait-healthy step. */
const TOGGLE_SECONDS = 10;
const ELECTION_SECONDS = 15;
const HEALING_SECONDS = 20;
const SETUP_SECONDS = 25;

/** A rough duration of one run from its declared steps, for the console's estimate of what remains. */
export function estimateSeconds(exp: Experiment): number {
  let total = SETUP_SECONDS + exp.steadySeconds.before + exp.steadySeconds.after;
  for (const s of exp.method) {
    if (s.action === "inject" || s.action === "recover") total += TOGGLE_SECONDS;
    else if (s.action === "wait") total += s.seconds;
    else if (s.action === "wait-new-leader") total += ELECTION_SECONDS;
    else if (s.action === "wait-healthy") total += HEALING_SECONDS;
    else if (s.action === "generate-wal") total += Math.ceil(s.megabytes / 8);
    else if (s.action === "reinit-if-stuck") total += s.graceSeconds + 60;
  }
  if (Object.keys(exp.patroniConfig).length > 0) total += 10;
  return total;
}

/** Seconds left: the remaining estimates, scaled by how the finished runs compared with theirs. */
export function remainingSeconds(done: { estimated: number; actual: number }[], remaining: number[]): number {
  const est = done.reduce((s, d) => s + d.estimated, 0);
  const act = done.reduce((s, d) => s + d.actual, 0);
  const scale = est > 0 ? act / est : 1;
  return Math.round(remaining.reduce((s, r) => s + r, 0) * scale);
}
