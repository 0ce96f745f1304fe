import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { LocalWorkspace, PulumiCommand, type EngineEvent, type PulumiFn, type Stack } from "@pulumi/pulumi/automation";
import { engineEnv, must, run } from "./engine";

/**
 * Conformance tests of the provider plugins (docs/toolchain.md): the same tests run against the offline
 * stand-ins (default) or the real plugins (PGCHAOS_CONFORMANCE_PLUGINS=real, after `pulumi plugin
 * install resource docker 5.2.0` etc. on a connected machine), through the Automation API with an inline
 * program whose inputs each test changes between `up`s.
 */
export const PLUGIN_MODE = process.env.PGCHAOS_CONFORMANCE_PLUGINS === "real" ? "real" : "standin";

/** The environment of env.sh, with the stand-ins left off PATH when the real plugins are under test. */
export const CONFORMANCE_ENV = Object.fromEntries(
  Object.entries(PLUGIN_MODE === "real" ? engineEnvWithoutStandins() : engineEnv()).filter((e): e is [string, string] => e[1] !== undefined),
);

function engineEnvWithoutStandins(): NodeJS.ProcessEnv {
  process.env.PGCHAOS_STANDIN_PLUGINS = "0";
  return engineEnv();
}

/** The plugin executable the engine will find for a package: first `pulumi-resource-<name>` on PATH. */
export function pluginOnPath(name: string): string {
  return run("bash", ["-c", `command -v pulumi-resource-${name} || true`], { env: CONFORMANCE_ENV }).stdout.trim();
}

export interface UpResult {
  /** Engine steps per resource name, in the order the engine began them (create, update, delete-replaced, …). */
  ops: Record<string, string[]>;
  changes: Record<string, number>;
  output: string;
}

const opsOf = (events: EngineEvent[]): Record<string, string[]> => {
  const ops: Record<string, string[]> = {};
  for (const e of events) {
    const m = e.resourcePreEvent?.metadata;
    if (!m || e.resourcePreEvent?.planning) continue;
    const name = m.urn.split("::").pop()!;
    (ops[name] ??= []).push(m.op);
  }
  return ops;
};

/** A throwaway stack of a small inline program; `program` reads inputs the test changes between runs. */
export class ConformanceStack {
  private constructor(public readonly stack: Stack, private readonly dir: string) {}

  static async create(prefix: string, program: PulumiFn): Promise<ConformanceStack> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
    const name = `${prefix}-${Date.now().toString(36)}`;
    // The offline CLI env.sh puts on PATH (<root>/bin/pulumi); never PulumiCommand.install(), it downloads.
    const pulumiCommand = await PulumiCommand.get({ root: path.dirname(CONFORMANCE_ENV.PGCHAOS_TOOLS_BIN), skipVersionCheck: true });
    const stack = await LocalWorkspace.createStack({ stackName: name, projectName: "pgchaos-conformance", program }, {
      pulumiCommand, workDir: dir, envVars: CONFORMANCE_ENV,
      projectSettings: { name: "pgchaos-conformance", runtime: "nodejs", backend: { url: CONFORMANCE_ENV.PULUMI_BACKEND_URL } },
    });
    return new ConformanceStack(stack, dir);
  }

  async up(): Promise<UpResult> {
    const events: EngineEvent[] = [];
    let output = "";
    const r = await this.stack.up({ onEvent: (e) => events.push(e), onOutput: (o) => (output += o), color: "never" });
    return { ops: opsOf(events), changes: r.summary.resourceChanges ?? {}, output };
  }

  async refresh(): Promise<UpResult> {
    const events: EngineEvent[] = [];
    let output = "";
    const r = await this.stack.refresh({ onEvent: (e) => events.push(e), onOutput: (o) => (output += o), color: "never" });
    return { ops: opsOf(events), changes: r.summary.resourceChanges ?? {}, output };
  }

  /** The stack's state as `pulumi stack export` writes it (no --show-secrets: secrets stay encrypted). */
  plainState(): string {
    return must("pulumi", ["stack", "export", "--stack", this.stack.name], { cwd: this.dir, env: CONFORMANCE_ENV });
  }

  /** Inputs and outputs of a resource in the state (secret values encrypted). */
  resourceState(name: string): { id: string; inputs: Record<string, any>; outputs: Record<string, any> } {
    const res = (JSON.parse(this.plainState()).deployment.resources ?? []) as Array<{ urn: string; id: string; inputs: Record<string, any>; outputs: Record<string, any> }>;
    const r = res.find((x) => x.urn.endsWith(`::${name}`));
    if (!r) throw new Error(`no resource ${name} in the state of ${this.stack.name}`);
    return r;
  }

  async dispose(): Promise<void> {
    await this.stack.destroy({ color: "never" }).catch(() => undefined);
    await this.stack.workspace.removeStack(this.stack.name).catch(() => undefined);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** True when the state's text holds this value in clear (secrets must not). */
export const inClear = (state: string, value: string): boolean => state.includes(value);
