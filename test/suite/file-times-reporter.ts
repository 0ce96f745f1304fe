import type { Reporter, SerializedError, TestModule } from "vitest/node";

/** Lines kept of each failure's message: the log's tail (all a CI summary may show) must name every failure. */
const MESSAGE_LINES = 4;

/**
 * Prints, once the run ends, each test file's wall time in its worker — from the start of its collection
 * to its end, so beforeAll/afterAll (a lab's `up` and `destroy`) are included — with when it started
 * after the run began, sorted longest first. The run's total is vitest's own "Duration" line.
 */
export default class FileTimesReporter implements Reporter {
  private runStartedAt = Date.now();
  private readonly startedAt = new Map<string, number>();
  private readonly endedAt = new Map<string, number>();

  onTestRunStart(): void {
    this.runStartedAt = Date.now();
  }

  /** Sent by the worker when it begins collecting the file. */
  onTestModuleQueued(module: TestModule): void {
    if (!this.startedAt.has(module.moduleId)) this.startedAt.set(module.moduleId, Date.now());
  }

  onTestModuleEnd(module: TestModule): void {
    this.endedAt.set(module.moduleId, Date.now());
  }

  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const rows = modules.map((m) => {
      const start = this.startedAt.get(m.moduleId);
      const end = this.endedAt.get(m.moduleId);
      return {
        file: m.relativeModuleId,
        project: m.project.name,
        startSeconds: start === undefined ? undefined : (start - this.runStartedAt) / 1000,
        wallSeconds: start === undefined || end === undefined ? undefined : (end - start) / 1000,
        state: m.state(),
      };
    }).sort((a, b) => (b.wallSeconds ?? -1) - (a.wallSeconds ?? -1));
    const s = (v: number | undefined) => (v === undefined ? "—" : v.toFixed(1));
    const lines = [
      "",
      "per-file wall time (collection to end, hooks included; start = seconds after the run began)",
      "| file | project | start s | wall s | state |",
      "| --- | --- | ---: | ---: | --- |",
      ...rows.map((r) => `| ${r.file} | ${r.project} | ${s(r.startSeconds)} | ${s(r.wallSeconds)} | ${r.state} |`),
      "",
    ];
    process.stdout.write(`${lines.join("\n")}\n${failureSummary(modules).join("\n")}\n`);
  }
}

const firstLines = (e: SerializedError): string =>
  (e.message ?? String(e)).split("\n").filter((l) => l.trim()).slice(0, MESSAGE_LINES).map((l) => `    ${l.slice(0, 300)}`).join("\n");

/** Every failed test and every file-level error (a failed beforeAll, a syntax error), last in the log. */
export function failureSummary(modules: ReadonlyArray<TestModule>): string[] {
  const lines: string[] = [];
  for (const m of modules) {
    for (const e of m.errors()) lines.push(`FAILED ${m.relativeModuleId} (file)`, firstLines(e));
    for (const suite of m.children.allSuites()) for (const e of suite.errors()) lines.push(`FAILED ${m.relativeModuleId} > ${suite.fullName} (suite)`, firstLines(e));
    for (const t of m.children.allTests("failed")) {
      lines.push(`FAILED ${m.relativeModuleId} > ${t.fullName}`);
      for (const e of t.result().errors ?? []) lines.push(firstLines(e));
    }
  }
  return lines.length ? ["failures (each test's first message lines; the full errors are above)", ...lines, ""] : ["no test failed", ""];
}
