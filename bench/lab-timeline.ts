/**
 * Where a lab's `pulumi up` spends its time, from its recording (pure; unit-tested): the start (CLI, engine,
 * program, provider plugins) up to the first resource step, the steps themselves, the engine's finish, the
 * `docker` calls made in all, the CPU the CLI's process tree used (user + system: the engine, the program,
 * the provider plugins and every command they ran, not the containers), and the longest steps. Tree-agnostic:
 * steps are named by their URN's type and name, so an older tree with other resource types reads the same way.
 */
import { coveredMs, type DockerCall, type EngineEvent } from "./toggle-timeline";

export interface Step {
  /** `type::name` from the URN. */
  what: string;
  op: string;
  start: number;
  end: number;
}

export interface LabUpBreakdown {
  /** Spawn → the first resource step (other than the stack itself) begins. */
  startMs: number;
  /** The first step's start → the last step's end. */
  stepsMs: number;
  /** The last step's end → the CLI exits. */
  finishMs: number;
  totalMs: number;
  steps: number;
  dockerCalls: number;
  /** Wall time with at least one docker call running (overlaps counted once). */
  dockerCoveredMs: number;
  cpuSeconds?: number;
  longest: Step[];
}

const STACK_TYPE = "pulumi:pulumi:Stack";

/** `type::name` of a URN (`urn:pulumi:stack::project::parent$type::name`). */
export function urnLabel(urn: string): string {
  const [, , types = "", ...name] = urn.split("::");
  return `${types.split("$").pop()}::${name.join("::")}`;
}

/** The resource steps that did something (not `same`), matched pre-event → outputs-event by URN. */
export function resourceSteps(events: EngineEvent[]): Step[] {
  const open = new Map<string, EngineEvent>();
  const steps: Step[] = [];
  for (const e of events) {
    if (!e.urn || e.resourceType === STACK_TYPE || e.op === "same") continue;
    if (e.type === "resourcePreEvent") open.set(e.urn, e);
    else if (e.type === "resOutputsEvent") {
      const pre = open.get(e.urn);
      if (!pre) continue;
      open.delete(e.urn);
      steps.push({ what: urnLabel(e.urn), op: pre.op ?? "?", start: pre.at, end: e.at });
    }
  }
  return steps;
}

/** `/usr/bin/time -f "%U %S"`'s output: user + system seconds, or undefined when absent. */
export function parseCpuSeconds(text: string): number | undefined {
  const m = /(\d+(?:\.\d+)?)\s+(\d+(?:\.\d+)?)\s*$/.exec(text.trim());
  return m ? Number(m[1]) + Number(m[2]) : undefined;
}

export function labUpBreakdown(t0: number, t1: number, events: EngineEvent[], calls: DockerCall[], cpuSeconds?: number, keep = 3): LabUpBreakdown {
  const steps = resourceSteps(events);
  if (!steps.length) throw new Error("lab timeline: no resource step in the recording");
  const first = Math.min(...steps.map((s) => s.start));
  const last = Math.max(...steps.map((s) => s.end));
  const mine = calls.filter((c) => c.start >= t0 && c.start <= t1);
  return {
    startMs: first - t0,
    stepsMs: last - first,
    finishMs: t1 - last,
    totalMs: t1 - t0,
    steps: steps.length,
    dockerCalls: mine.length,
    dockerCoveredMs: coveredMs(mine),
    cpuSeconds,
    longest: [...steps].sort((a, b) => b.end - b.start - (a.end - a.start)).slice(0, keep),
  };
}

/** One line per breakdown, for a round's log. */
export function formatLabUp(b: LabUpBreakdown): string {
  const s = (ms: number) => (ms / 1000).toFixed(1);
  const longest = b.longest.map((x) => `${x.what} ${s(x.end - x.start)}`).join(", ");
  return `start ${s(b.startMs)} s, ${b.steps} steps ${s(b.stepsMs)} s, finish ${s(b.finishMs)} s; ${b.dockerCalls} docker calls covering ${s(b.dockerCoveredMs)} s; CPU ${b.cpuSeconds === undefined ? "—" : b.cpuSeconds.toFixed(1)} s; longest: ${longest}`;
}
