// Watches an experiment's active faults: mechanism re-checked every few seconds, effect re-measured where cheap.
import { parseInjections } from "./resource";
import { EXPIRY_SLACK_SECONDS, judgeMechanism, type MechanismStatus } from "./mechanism";
import type { Verification } from "./kind-plan";
import type { ProbeResult, Rule } from "./verify";

/**
 * Watches the faults of an experiment's fault phase: every active fault's mechanism is re-checked at
 * least every `intervalMs` (≤ 5 s), and its effect is measured again where that is cheap and unambiguous
 * (delay, cut, reset, member down). The first time a fault is found not acting, the moment, the last
 * moment it was seen acting and the reason go to the journal; the run's verdict is then INVALID.
 */

export interface WatchedFault {
  name: string;
  kind: string;
  mechanismCheck: string;
  activeSeconds: number;
  /** Earliest injection time (epoch seconds) as the fault resource reported it. */
  injectedAt?: number;
  verification?: Verification;
  baseline: ProbeResult[];
}

export interface FaultWatchEvent {
  fault: string;
  status: Exclude<MechanismStatus, "active">;
  /** What noticed it: the mechanism check or the effect measurement. */
  source: "mechanism" | "effect";
  /** When the check that noticed it ended, and when the previous check saw the fault acting (epoch ms). */
  at: number;
  lastActiveAt?: number;
  reason: string;
}

export interface FaultWatchRecord {
  intervalMs: number;
  /** Mechanism checks run, effect measurements run, and the longest time between two checks of a fault. */
  checks: number;
  effectChecks: number;
  maxGapMs: number;
  events: FaultWatchEvent[];
}

type Deployment = { resources?: Array<{ type: string; outputs?: Record<string, any> }> };

/** The faults a chaos stack's state holds (`pulumi stack export`), with what the watch needs. */
export function watchedFromDeployment(deployment: Deployment | undefined): WatchedFault[] {
  return (deployment?.resources ?? [])
    .filter((r) => r.type === "pulumi-nodejs:dynamic/pgchaos:Fault" && typeof r.outputs?.mechanismCheck === "string")
    .map((r) => {
      const o = r.outputs!;
      const injected = parseInjections(String(o.stdout ?? "")).map((i) => i.injectedAt);
      return {
        name: String(o.name), kind: String(o.metadata?.kind ?? "?"), mechanismCheck: o.mechanismCheck, activeSeconds: Number(o.activeSeconds),
        injectedAt: injected.length ? Math.min(...injected) : undefined, verification: o.verify ? o.verification : undefined, baseline: o.baseline ?? [],
      };
    });
}

const tcps = (rs: ProbeResult[]) => rs.flatMap((r) => (r.type === "tcp" ? [r.value] : []));
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[Math.floor(s.length / 2)] : null; };

/**
 * Why the effect is clearly gone, or undefined. Only unambiguous losses count: a delay whose round trip
 * is back under half the set delay, connects that cross a cut or a reset, a stopped member answering.
 * A measurement that could not be taken (target restarting) is not a loss.
 */
export function effectLost(rule: Rule, baseline: ProbeResult[], during: ProbeResult[]): string | undefined {
  switch (rule.type) {
    case "delay": {
      const before = median(tcps(baseline).flatMap((t) => (t.medianMs === null ? [] : [t.medianMs])));
      const now = median(tcps(during).flatMap((t) => (t.medianMs === null ? [] : [t.medianMs])));
      if (before === null || now === null) return undefined;
      return now - before < rule.delayMs / 2 ? `round trip +${(now - before).toFixed(1)} ms over the baseline ${before.toFixed(2)} ms (set +${rule.delayMs} ms)` : undefined;
    }
    case "blocked":
    case "reset": {
      const ok = tcps(during).reduce((a, t) => a + t.ok, 0);
      return ok > 0 ? `${ok} of ${tcps(during).reduce((a, t) => a + t.count, 0)} connects went through (${rule.configured})` : undefined;
    }
    case "down": {
      const states = during.flatMap((r) => (r.type === "state" ? [r.value] : []));
      const answered = during.reduce((a, r) => a + (r.type === "http" ? r.value.ok : 0), 0);
      if (states.includes("running")) return `member state running (${rule.configured})`;
      return answered > 0 ? `the stopped service answered ${answered} request(s)` : undefined;
    }
    default:
      return undefined; // loss shares and resource use need many samples: the mechanism check covers them
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface FaultWatchOptions {
  /** The faults in the chaos stack's state now. */
  load: () => Promise<WatchedFault[]>;
  /** Runs a controller-side script, returns stdout. */
  run: (script: string, timeoutMs: number) => Promise<string>;
  log: (line: string) => void;
  intervalMs?: number;
}

export class FaultWatch {
  readonly record: FaultWatchRecord;
  private faults: WatchedFault[] = [];
  private generation = 0;
  private running?: { loops: Promise<void>[] };
  private readonly lastActive = new Map<string, number>();

  constructor(private readonly opts: FaultWatchOptions) {
    this.record = { intervalMs: opts.intervalMs ?? 2000, checks: 0, effectChecks: 0, maxGapMs: 0, events: [] };
  }

  /** Runs a change of the fault set (a `pulumi up`) unwatched, then watches what the stack holds after it. */
  async during<T>(change: () => Promise<T>): Promise<T> {
    this.generation++;
    this.faults = [];
    const out = await change();
    this.faults = (await this.opts.load()).filter((f) => !this.record.events.some((e) => e.fault === f.name));
    for (const f of this.faults) this.lastActive.set(f.name, Date.now());
    this.generation++;
    return out;
  }

  start(): void {
    if (this.running) return;
    const token = { loops: [] as Promise<void>[] };
    this.running = token;
    token.loops = [this.loop(token, () => this.mechanismRound(), this.record.intervalMs), this.loop(token, () => this.effectRound(), 0)];
  }

  async stop(): Promise<void> {
    const token = this.running;
    this.running = undefined;
    this.generation++;
    if (token) await Promise.all(token.loops);
  }

  private async loop(token: object, round: () => Promise<void>, intervalMs: number): Promise<void> {
    while (this.running === token) {
      const t0 = Date.now();
      await round().catch((e: Error) => this.opts.log(`fault watch: check failed: ${e.message}`));
      await sleep(Math.max(250, intervalMs - (Date.now() - t0)));
    }
  }

  private noteLost(f: WatchedFault, gen: number, status: FaultWatchEvent["status"], source: FaultWatchEvent["source"], reason: string): void {
    if (gen !== this.generation || this.record.events.some((e) => e.fault === f.name)) return;
    const event: FaultWatchEvent = { fault: f.name, status, source, at: Date.now(), lastActiveAt: this.lastActive.get(f.name), reason };
    this.record.events.push(event);
    this.opts.log(`fault watch: ${f.name} ${status.toUpperCase()} at ${new Date(event.at).toISOString()} (${source}): ${reason}`);
  }

  private async mechanismRound(): Promise<void> {
    const gen = this.generation;
    await Promise.all(this.faults.filter((f) => !this.record.events.some((e) => e.fault === f.name)).map(async (f) => {
      const out = await this.opts.run(f.mechanismCheck, 30_000);
      if (gen !== this.generation) return;
      const verdict = judgeMechanism(out, { injectedAt: f.injectedAt, activeSeconds: f.activeSeconds, now: Date.now() / 1000 });
      this.record.checks++;
      const last = this.lastActive.get(f.name);
      if (verdict.status !== "active") return this.noteLost(f, gen, verdict.status, "mechanism", verdict.reason);
      if (last !== undefined) this.record.maxGapMs = Math.max(this.record.maxGapMs, Date.now() - last);
      this.lastActive.set(f.name, Date.now());
    }));
  }

  private async effectRound(): Promise<void> {
    const gen = this.generation;
    for (const f of this.faults.filter((x) => x.verification && !this.record.events.some((e) => e.fault === x.name))) {
      const v = f.verification!;
      const results: ProbeResult[] = [];
      for (const p of v.probes) {
        const text = await this.opts.run(p.script, 30_000).catch(() => "");
        if (!text) continue;
        const last = text.split("\n").pop()!.trim();
        results.push(p.type === "state" ? { type: "state", value: last } : ({ type: p.type, value: JSON.parse(last) } as ProbeResult));
      }
      if (gen !== this.generation) return;
      this.record.effectChecks++;
      // Near its own end the watchdog may be reverting it: the mechanism check tells expired from drifted.
      if (f.injectedAt !== undefined && Date.now() / 1000 >= f.injectedAt + f.activeSeconds - EXPIRY_SLACK_SECONDS) continue;
      const lost = effectLost(v.rule, f.baseline, results);
      if (lost) this.noteLost(f, gen, "drifted", "effect", lost);
    }
  }
}
