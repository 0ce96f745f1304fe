import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DOCKER_KIND_MARKERS, type DockerCall, type EngineEvent, type NodeMark } from "./toggle-timeline";

/**
 * Recording for bench/toggle.ts, without touching the program: a `docker` wrapper first on PATH logs
 * every call (start, end, kind), a `--require` preload logs each Node.js process's boot and the
 * program's `require` of index.ts, a `pulumi` wrapper logs every CLI call the Automation API makes, and
 * the engine's event log is read as it is written (each event stamped on arrival, ms).
 */
export interface Recorder {
  dir: string;
  /** Environment for a pulumi (or Automation API) process: wrappers on PATH, the preload in NODE_OPTIONS. */
  env(base: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  dockerCalls(from: number, to: number): DockerCall[];
  marks(from: number, to: number): NodeMark[];
  cliCalls(from: number, to: number): Array<{ start: number; end: number; args: string }>;
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

function which(cmd: string, env: NodeJS.ProcessEnv): string {
  for (const dir of (env.PATH ?? "").split(":")) {
    const p = path.join(dir, cmd);
    if (fs.existsSync(p)) return p;
  }
  throw new Error(`${cmd} is not on PATH (${env.PATH})`);
}

// EPOCHREALTIME: no fork for the timestamps; the wrapper adds one bash start (a few ms) to every call.
const wrapper = (real: string, log: string, kindCase: string) => `#!/bin/bash
s=$EPOCHREALTIME
${JSON.stringify(real)} "$@"; rc=$?
e=$EPOCHREALTIME
${kindCase}
printf '%s %s %s %s\\n' "$s" "$e" "$k" "$rc" >> ${q(log)}
exit $rc
`;

const PRELOAD = `const fs = require("fs"), path = require("path"), Module = require("module");
const log = process.env.PGCHAOS_BENCH_MARKS;
const put = (o) => fs.appendFileSync(log, JSON.stringify({ pid: process.pid, ...o }) + "\\n");
put({ ev: "boot", origin: performance.timeOrigin, at: Date.now(), argv: process.argv.slice(1, 3).join(" ") });
const load = Module._load;
Module._load = function (request) {
  if (!(path.isAbsolute(request) && request.endsWith(path.sep + "index.ts"))) return load.apply(this, arguments);
  put({ ev: "program-load-start", at: Date.now() });
  try { return load.apply(this, arguments); } finally { put({ ev: "program-load-end", at: Date.now() }); }
};
`;

const lines = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, "utf8").split("\n").filter(Boolean) : []);
const sec = (s: string) => Math.round(Number(s.replace(",", ".")) * 1000);

export function makeRecorder(baseEnv: NodeJS.ProcessEnv): Recorder {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pgchaos-toggle-"));
  const bin = path.join(dir, "bin");
  fs.mkdirSync(bin);
  const dockerLog = path.join(dir, "docker.log");
  const cliLog = path.join(dir, "pulumi.log");
  const marksLog = path.join(dir, "marks.jsonl");
  const kindCase = `k=action\ncase "$*" in\n${DOCKER_KIND_MARKERS.map(([k, m]) => `  *${q(m)}*) k=${k} ;;`).join("\n")}\nesac`;
  fs.writeFileSync(path.join(bin, "docker"), wrapper(which("docker", baseEnv), dockerLog, kindCase), { mode: 0o755 });
  fs.writeFileSync(path.join(bin, "pulumi"), wrapper(which("pulumi", baseEnv), cliLog, `k=$(printf '%s_' "$1" "$2")`), { mode: 0o755 });
  fs.writeFileSync(path.join(dir, "preload.js"), PRELOAD);
  const within = <T extends { start: number }>(xs: T[], from: number, to: number) => xs.filter((x) => x.start >= from && x.start <= to);
  const parseCalls = (file: string) => lines(file).map((l) => {
    const [s, e, k] = l.split(" ");
    return { start: sec(s), end: sec(e), kind: k };
  });
  return {
    dir,
    env: (base) => ({
      ...base,
      PATH: `${bin}:${base.PATH}`,
      NODE_OPTIONS: `${base.NODE_OPTIONS ?? ""} --require ${path.join(dir, "preload.js")}`.trim(),
      PGCHAOS_BENCH_MARKS: marksLog,
    }),
    dockerCalls: (from, to) => within(parseCalls(dockerLog), from, to).map((c) => ({ ...c, kind: c.kind as DockerCall["kind"] })),
    cliCalls: (from, to) => within(parseCalls(cliLog), from, to).map((c) => ({ start: c.start, end: c.end, args: c.kind.replace(/_/g, " ").trim() })),
    marks: (from, to) => lines(marksLog).map((l) => JSON.parse(l) as NodeMark).filter((m) => m.at >= from && m.at <= to),
  };
}

/** The event's kind and, for resource events, its step op and resource type. */
export function parseEngineEvent(line: string, at: number): EngineEvent | undefined {
  let raw: Record<string, any>;
  try {
    raw = JSON.parse(line);
  } catch {
    return undefined;
  }
  const type = Object.keys(raw).find((k) => k.endsWith("Event"));
  if (!type) return undefined;
  const meta = raw[type]?.metadata;
  return { at, type, op: meta?.op, resourceType: meta?.type, urn: meta?.urn };
}

export interface PulumiRun {
  t0: number;
  t1: number;
  events: EngineEvent[];
  stdout: string;
}

/** Runs the CLI with an event log read every 5 ms while it runs; fails loudly. */
export async function runPulumi(cwd: string, args: string[], env: NodeJS.ProcessEnv, scratch: string, wrap: string[] = []): Promise<PulumiRun> {
  const log = path.join(scratch, `events-${Date.now()}-${Math.random().toString(36).slice(2)}.jsonl`);
  fs.writeFileSync(log, "");
  const events: EngineEvent[] = [];
  let offset = 0;
  let partial = "";
  const poll = () => {
    const fd = fs.openSync(log, "r");
    try {
      const size = fs.fstatSync(fd).size;
      if (size < offset) offset = 0; // truncated by the CLI when it opened the file
      if (size === offset) return;
      const buf = Buffer.alloc(size - offset);
      fs.readSync(fd, buf, 0, buf.length, offset);
      offset = size;
      const text = partial + buf.toString("utf8");
      const parts = text.split("\n");
      partial = parts.pop() ?? "";
      const now = Date.now();
      for (const p of parts) {
        const e = parseEngineEvent(p, now);
        if (e) events.push(e);
      }
    } finally {
      fs.closeSync(fd);
    }
  };
  const timer = setInterval(poll, 5);
  const t0 = Date.now();
  // --event-log exists only with PULUMI_DEBUG_COMMANDS (the Automation API sets it too).
  const [cmd, ...pre] = [...wrap, "pulumi"];
  const child = spawn(cmd, [...pre, ...args, "--event-log", log], { cwd, env: { ...env, PULUMI_DEBUG_COMMANDS: "true" }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  const t1 = Date.now();
  clearInterval(timer);
  poll();
  if (code !== 0) throw new Error(`pulumi ${args.join(" ")} (in ${cwd}) failed (${code}):\n${out.slice(-4000)}`);
  return { t0, t1, events, stdout: out };
}
