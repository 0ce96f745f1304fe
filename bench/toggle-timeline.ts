/**
 * Where a fault toggle's time goes, from what one `pulumi up`/`destroy` left behind (pure; unit-tested):
 * the engine's event log (each event stamped when it arrived), marks of the Node.js processes (boot,
 * `require` of the program), and every `docker` call the program and the provider made (start/end and
 * whether it was a verification probe or an action). See bench/toggle.ts for how they are recorded.
 */

/** One engine event, stamped with its arrival time (epoch ms) by the reader. */
export interface EngineEvent {
  at: number;
  type: string;
  /** resourcePreEvent/resOutputsEvent: the step's op ("create", "delete", "same", "read"...) and type. */
  op?: string;
  resourceType?: string;
  urn?: string;
}

export interface DockerCall {
  start: number;
  end: number;
  /** probe: a verification probe (TCP connects, usage); scan: the leftover scan; netem: the netem probe. */
  kind: "probe" | "scan" | "netem" | "action";
}

export interface NodeMark {
  pid: number;
  ev: "boot" | "program-load-start" | "program-load-end";
  at: number;
  /** boot: the process's start (performance.timeOrigin) and what it runs. */
  origin?: number;
  argv?: string;
}

export interface Phase {
  name: string;
  ms: number;
  /** What was measured in it, e.g. "7 docker calls". */
  note?: string;
}

const FAULT_TYPE = "pulumi-nodejs:dynamic/pgchaos:Fault";
const STACK_REF_TYPE = "pulumi:pulumi:StackReference";

/** Substrings of a docker call's arguments that tell its kind (chaos/faults/probes.ts, chaos/targets/doctor.ts, member-scripts). */
export const DOCKER_KIND_MARKERS: Array<[DockerCall["kind"], string]> = [
  ["probe", "ThreadPoolExecutor"], // TCP connect probe
  ["probe", "urllib.request"], // HTTP probe
  ["probe", "def cpu():"], // usage probe
  ["scan", "iptables -w -S 2>/dev/null"], // leftover scan (doctor)
  ["netem", "netem delay 0ms"], // does the kernel have netem
];

/** Classifies a docker call by the script it carries; everything else is the fault's own action. */
export function classifyDockerArgs(args: string): DockerCall["kind"] {
  return DOCKER_KIND_MARKERS.find(([, marker]) => args.includes(marker))?.[0] ?? "action";
}

const first = (events: EngineEvent[], pred: (e: EngineEvent) => boolean) => events.find(pred)?.at;
const inWindow = (calls: DockerCall[], from: number, to: number) => calls.filter((c) => c.start >= from && c.start <= to);
/** Wall time covered by a set of calls (overlapping calls counted once). */
export function coveredMs(calls: DockerCall[]): number {
  const sorted = [...calls].sort((a, b) => a.start - b.start);
  let total = 0;
  let until = -Infinity;
  for (const c of sorted) {
    const from = Math.max(c.start, until);
    if (c.end > from) total += c.end - from;
    until = Math.max(until, c.end);
  }
  return total;
}

function need(value: number | undefined, what: string): number {
  if (value === undefined) throw new Error(`toggle timeline: ${what} not found in the recording`);
  return value;
}

/** Splits a fault step (create or delete) into the docker work it did: probes before/after the action. */
function stepPhases(calls: DockerCall[], from: number, to: number, action: string): Phase[] {
  const mine = inWindow(calls, from, to);
  const actions = mine.filter((c) => c.kind === "action");
  if (!actions.length) return [{ name: `${action} step (no action seen)`, ms: to - from }];
  const actionStart = Math.min(...actions.map((c) => c.start));
  const actionEnd = Math.max(...actions.map((c) => c.end));
  const before = mine.filter((c) => c.kind === "probe" && c.end <= actionStart);
  const after = mine.filter((c) => c.kind === "probe" && c.start >= actionEnd);
  const verifyEnd = after.length ? Math.max(...after.map((c) => c.end)) : actionEnd;
  return [
    { name: "  step start → first docker call (provider host, baseline probes)", ms: actionStart - from, note: before.length ? `${before.length} baseline probe(s), ${coveredMs(before).toFixed(0)} ms` : undefined },
    { name: `  ${action} (docker exec of the plan's script)`, ms: actionEnd - actionStart, note: `${actions.length} call(s)` },
    { name: "  verification (probes until the verdict)", ms: verifyEnd - actionEnd, note: `${after.length} probe(s), ${coveredMs(after).toFixed(0)} ms in docker` },
    { name: "  step end (outputs to the engine)", ms: to - verifyEnd },
  ];
}

/** `pulumi up` that creates one fault: the phases from the CLI's spawn to its exit. */
export function upPhases(t0: number, t1: number, events: EngineEvent[], marks: NodeMark[], calls: DockerCall[]): Phase[] {
  const load = marks.find((m) => m.ev === "program-load-start");
  const programPid = need(load?.pid, "the program's require of index.ts");
  const boot = need(marks.find((m) => m.pid === programPid && m.ev === "boot")?.origin, "the program process's boot mark");
  const loadStart = load!.at;
  const loadEnd = need(marks.find((m) => m.pid === programPid && m.ev === "program-load-end")?.at, "the end of the program's load");
  const refPre = need(first(events, (e) => e.type === "resourcePreEvent" && e.resourceType === STACK_REF_TYPE), "the StackReference step");
  const refOut = need(first(events, (e) => e.type === "resOutputsEvent" && e.resourceType === STACK_REF_TYPE), "the StackReference outputs");
  const faultPre = need(first(events, (e) => e.type === "resourcePreEvent" && e.resourceType === FAULT_TYPE && e.op === "create"), "the fault's create step");
  const faultOut = need(first(events, (e) => e.type === "resOutputsEvent" && e.resourceType === FAULT_TYPE), "the fault's outputs");
  const planning = inWindow(calls, loadEnd, faultPre).filter((c) => c.kind !== "action" && c.kind !== "probe");
  const providerBoot = marks.find((m) => m.ev === "boot" && /dynamic-provider/.test(m.argv ?? "") && (m.origin ?? 0) >= t0);
  return [
    { name: "CLI + engine start (spawn → program process starts)", ms: boot - t0 },
    { name: "Node.js + @pulumi/pulumi + TS compiler setup (→ require index.ts)", ms: loadStart - boot },
    { name: "program compile/load (require index.ts → returns)", ms: loadEnd - loadStart },
    { name: "program returned → StackReference step", ms: Math.max(0, refPre - loadEnd) },
    { name: "StackReference read", ms: refOut - refPre },
    { name: "live observation + planning (→ fault step starts)", ms: faultPre - refOut, note: `${planning.length} docker call(s) (${planning.map((c) => c.kind).join(",") || "none"}), ${coveredMs(planning).toFixed(0)} ms` },
    ...(providerBoot ? [{ name: "  (dynamic-provider host booted at, from fault step start)", ms: providerBoot.origin! - faultPre }] : []),
    { name: "fault create step", ms: faultOut - faultPre },
    ...stepPhases(calls, faultPre, faultOut, "inject"),
    { name: "engine finish (→ CLI exits)", ms: t1 - faultOut },
    { name: "TOTAL up", ms: t1 - t0 },
  ];
}

/** `pulumi destroy` (or an `up` that removes the fault): the phases from spawn to exit. */
export function downPhases(t0: number, t1: number, events: EngineEvent[], calls: DockerCall[], label = "destroy"): Phase[] {
  const pre = need(first(events, (e) => e.type === "resourcePreEvent" && e.resourceType === FAULT_TYPE && e.op === "delete"), "the fault's delete step");
  const out = need(first(events, (e) => e.type === "resOutputsEvent" && e.resourceType === FAULT_TYPE && e.op === "delete"), "the end of the fault's delete step");
  return [
    { name: "CLI + engine start, provider host boot (spawn → fault delete step)", ms: pre - t0 },
    { name: "fault delete step", ms: out - pre },
    ...stepPhases(calls, pre, out, "recover"),
    { name: "engine finish (→ CLI exits)", ms: t1 - out },
    { name: `TOTAL ${label}`, ms: t1 - t0 },
  ];
}

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
};

/** Median of each phase over repetitions, side by side per variant (phases matched by name). */
export function sideBySide(title: string, variants: Array<{ name: string; runs: Phase[][] }>): string {
  const names: string[] = [];
  for (const v of variants) for (const run of v.runs) for (const p of run) if (!names.includes(p.name)) names.push(p.name);
  const width = Math.max(...names.map((n) => n.length));
  const header = `${title.padEnd(width)} | ${variants.map((v) => `${v.name} (ms, median of ${v.runs.length})`.padStart(28)).join(" | ")}`;
  const rows = names.map((n) => {
    const cells = variants.map((v) => {
      const xs = v.runs.map((r) => r.find((p) => p.name === n)?.ms).filter((x): x is number => x !== undefined);
      const note = v.runs.map((r) => r.find((p) => p.name === n)?.note).find(Boolean);
      return `${xs.length ? median(xs).toFixed(0) : "-"}${note ? ` [${note}]` : ""}`.padStart(28);
    });
    return `${n.padEnd(width)} | ${cells.join(" | ")}`;
  });
  return [header, "-".repeat(header.length), ...rows].join("\n");
}
