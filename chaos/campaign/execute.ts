// Runs a planned campaign schedule through the experiment runner, recording every toggle.
import { experimentSchema, type Experiment, type MethodStep } from "../experiments/definition";
import type { Journal } from "../checkers/journal";
import { runExperiment } from "../experiments/runner";
import { resolveTarget, type ExperimentTarget, type TargetSelector } from "../experiments/target";
import { readEtcdLeader, readPatroniLeader, type ApiEndpoints } from "../targets/live";
import type { Campaign } from "./definition";
import type { Impact, PlannedFault, Schedule } from "./plan";
import { resolveFault, type LiveRoles } from "./resolve";

/**
 * Runs a planned schedule through the experiment runner: the same chaos stack resources, fault watch,
 * workload, probes, rollback and final row reads as any experiment. The runner asks before each step; this
 * waits for the step's planned time and pins each fault's role selector to a live member.
 */

export interface ToggleRecord {
  index: number;
  action: "inject" | "recover";
  plannedSeconds: number;
  /** Planned and real moment the toggle was handed to the runner (epoch ms); the pulumi up's own times are in the journal. */
  plannedAt: number;
  preparedAt: number;
  faults: Array<{ name: string; selector?: string; members: string[]; skipped?: string }>;
}

export interface CampaignRun {
  campaign: Campaign;
  schedule: Schedule;
  journal: Journal;
  toggles: ToggleRecord[];
  /** When the schedule's second 0 fell (epoch ms), once the steady state before had held. */
  scheduleStartedAt?: number;
  /** The target's monitoring, where the alert checker reads the run's alerts (undefined: monitoring off). */
  monitoring?: ExperimentTarget["monitoring"];
}

/** The campaign as an experiment: one inject or recover step per toggle, then wait for a healthy cluster. */
export function campaignExperiment(c: Campaign, s: Schedule): Experiment {
  const byName = new Map(s.faults.map((f) => [f.name, f]));
  const method = s.toggles.map((t): MethodStep => (t.action === "inject"
    ? { action: "inject", faults: t.faults.map((n) => byName.get(n)!.spec) }
    : { action: "recover", faults: t.faults }));
  return experimentSchema.parse({
    id: c.id, title: c.title, description: c.description ?? `Campaign ${c.id}: seed ${c.seed}, ${s.faults.length} faults in ${s.cycles} cycles over ${c.durationSeconds} s`,
    workload: c.workload, steadySeconds: c.steadySeconds,
    method: [...method, { action: "wait-healthy", timeoutSeconds: 300 }],
    expected: { prose: "No acknowledged write lost, never two writable primaries, every replica caught up after each cycle and at the end.", assertions: [] },
    probes: { singlePrimary: true, intervalMs: 500 },
  });
}

async function liveRoles(target: ExperimentTarget): Promise<LiveRoles> {
  const endpoints: ApiEndpoints = {
    patroniRest: Object.fromEntries(target.patroni.map((m) => [m.name, m.rest])),
    etcdClient: Object.fromEntries(target.etcd.map((m) => [m.name, m.client])),
  };
  const [primary, etcdLeader] = await Promise.all([readPatroniLeader(endpoints).catch(() => undefined), readEtcdLeader(endpoints).catch(() => undefined)]);
  return {
    patroni: target.patroni.map((m) => m.name), etcd: target.etcd.map((m) => m.name),
    haproxy: target.members.filter((m) => m.kind === "haproxy").map((m) => m.name), primary, etcdLeader,
  };
}

/** Sleeps until `at` (epoch ms), or until the signal aborts. */
/** Resolves at `at` (epoch ms) or later, never before: a timer may fire a millisecond early by the wall clock (seen). */
async function sleepUntil(at: number, signal?: AbortSignal): Promise<void> {
  while (Date.now() < at && !signal?.aborted) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, at - Date.now());
      signal?.addEventListener("abort", () => { clearTimeout(timer); resolve(); }, { once: true });
    });
  }
}

/** Time between two toggles while faults are active, at least: a few of the fault watch's 2 s rounds. */
const MIN_WATCHED_MS = 8000;

export interface CampaignOptions {
  target: TargetSelector;
  log: (line: string) => void;
  abortSignal?: AbortSignal;
}

export async function runCampaign(c: Campaign, schedule: Schedule, opts: CampaignOptions): Promise<CampaignRun> {
  const target = await resolveTarget(opts.target);
  if (target.patroni.length !== c.cluster.patroni || target.etcd.length !== c.cluster.etcd) {
    throw new CampaignTargetError(`campaign ${c.id} is planned for ${c.cluster.etcd} etcd + ${c.cluster.patroni} Patroni; ${target.describe} has ${target.etcd.length} + ${target.patroni.length} (set cluster: in the file)`);
  }
  const byName = new Map(schedule.faults.map((f) => [f.name, f]));
  const active = new Map<string, { members: string[]; impact: Impact }>();
  const run: Omit<CampaignRun, "journal"> = { campaign: c, schedule, toggles: [] };
  const prepareStep = async (step: MethodStep, index: number): Promise<MethodStep> => {
    const toggle = schedule.toggles[index];
    if (!toggle) return step; // the closing wait-healthy
    const previousEnded = Date.now();
    run.scheduleStartedAt ??= previousEnded;
    const plannedAt = run.scheduleStartedAt + toggle.atSeconds * 1000;
    // The fault watch re-checks active faults only between changes: a late schedule still leaves it a few rounds.
    // A late schedule keeps its healed periods too: the cluster gets the planned time to catch up before the next cycle.
    const healedMs = index > 0 && !active.size ? (toggle.atSeconds - schedule.toggles[index - 1].atSeconds) * 1000 : 0;
    await sleepUntil(Math.max(plannedAt, index > 0 && active.size ? previousEnded + MIN_WATCHED_MS : 0, previousEnded + healedMs), opts.abortSignal);
    const record: ToggleRecord = { index, action: toggle.action, plannedSeconds: toggle.atSeconds, plannedAt, preparedAt: Date.now(), faults: [] };
    run.toggles.push(record);
    const late = ((record.preparedAt - plannedAt) / 1000).toFixed(1);
    if (toggle.action === "recover") {
      const names = toggle.faults.filter((n) => active.has(n));
      for (const n of toggle.faults) record.faults.push({ name: n, selector: byName.get(n)?.selector, members: active.get(n)?.members ?? [], skipped: active.has(n) ? undefined : "never injected" });
      names.forEach((n) => active.delete(n));
      opts.log(`[campaign] toggle ${index + 1}/${schedule.toggles.length} at +${toggle.atSeconds}s (${late} s after plan): recover ${names.join(", ") || "nothing (every fault of the cycle was skipped)"}`);
      return names.length ? { action: "recover", faults: names } : { action: "wait", seconds: 0 };
    }
    const roles = await liveRoles(target);
    const specs = [];
    for (const name of toggle.faults) {
      const f = byName.get(name) as PlannedFault;
      const busy = new Set([...active.values()].flatMap((a) => a.members));
      const r = resolveFault(f, roles, busy, [...active.values()].map((a) => a.impact), schedule, c.allowEtcdQuorumLoss);
      if ("skipped" in r) {
        record.faults.push({ name, selector: f.selector, members: [], skipped: r.skipped });
        opts.log(`[campaign]   ${name}: SKIPPED (${r.skipped})`);
        continue;
      }
      record.faults.push({ name, selector: f.selector, members: r.members });
      active.set(name, { members: r.members, impact: r.impact });
      specs.push(r.spec);
    }
    opts.log(`[campaign] toggle ${index + 1}/${schedule.toggles.length} at +${toggle.atSeconds}s (${late} s after plan): inject ${record.faults.filter((x) => !x.skipped).map((x) => `${x.name}${x.selector ? ` (${x.selector} → ${x.members.join(",")})` : x.members.length ? ` (${x.members.join(",")})` : ""}`).join(", ") || "nothing"}`);
    return specs.length ? { action: "inject", faults: specs } : { action: "wait", seconds: 0 };
  };
  const journal = await runExperiment(campaignExperiment(c, schedule), { target: opts.target, log: opts.log, abortSignal: opts.abortSignal, prepareStep });
  return { ...run, journal, monitoring: target.monitoring };
}

export class CampaignTargetError extends Error {}
