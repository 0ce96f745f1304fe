// The runner's only way to touch faults: the chaos stack through Pulumi's Automation API.
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parseDocument } from "yaml";
import { LocalWorkspace, PulumiCommand, type Stack } from "@pulumi/pulumi/automation";
import type { FaultSpec } from "../faults/spec";
import type { Injection } from "../faults/resource";
import type { FaultEvent } from "../checkers/journal";
import { watchedFromDeployment, type WatchedFault } from "../faults/watch";
import { describeLock, projectName, removeStaleLocks } from "./stale-locks";
import { removeBrokenSidecars } from "./state-sidecars";
import { CLEAR_PENDING_ARGS, clearPendingCommand, describePending, pendingOperations } from "./pending-operations";
import { ProgramHost } from "./inline-program";
import { adoptLabSalt } from "./stack-salt";
import type { InventoryMember } from "../../components/lab/lab";

/**
 * The experiment runner's only way to touch faults: the chaos stack, through Pulumi's Automation API —
 * the same engine, program and state a user's `pulumi up -s <lab>-chaos` uses. Never a side door.
 */
export const PROJECT_DIR = path.resolve(__dirname, "..", "..");

export interface LabOutputs {
  inventory: InventoryMember[];
  superuserPassword: string;
  ports: { readWrite: number; readOnly: number; haproxyStats: number };
  dcs: { ttl: number; loopWait: number; retryTimeout: number; failsafeMode: boolean; synchronousMode: boolean };
  leader: string;
  monitoring?: { prometheus: string; alertmanager: string; receiver: string };
}

export interface AppliedFault {
  name: string;
  kind: string;
  targets: string[];
  links: string[];
  mechanism: string;
  expectedEffect: string;
  injections: Injection[];
  verification?: { configured: string; measured: string; seconds: number };
}

export async function pulumiCommand(): Promise<PulumiCommand> {
  // The CLI on PATH (scripts/env.sh puts the offline build there); never PulumiCommand.install().
  return PulumiCommand.get({ skipVersionCheck: true });
}

/** A stack that must exist; its absence is the user's to fix, said in one line with the command that fixes it. */
export async function existingStack(stackName: string, fix: string): Promise<Stack> {
  try {
    return await LocalWorkspace.selectStack({ stackName, workDir: PROJECT_DIR }, { pulumiCommand: await pulumiCommand() });
  } catch (e) {
    if (/no stack named|not found/i.test(String((e as Error).message))) throw new MissingStackError(`no stack ${stackName} in this project's backend: ${fix}`);
    throw e;
  }
}

export class MissingStackError extends Error {}

export async function labOutputs(labStack: string): Promise<LabOutputs> {
  const stack = await existingStack(labStack, `bring the lab up first with \`npm run lab\` (stack dev) or \`pulumi up -s ${labStack}\``);
  const outs = await stack.outputs();
  const value = (k: string) => outs[k]?.value;
  if (!value("inventory")) throw new Error(`stack ${labStack} has no lab outputs: run \`pulumi up -s ${labStack}\` first`);
  return {
    inventory: value("inventory"), superuserPassword: value("superuserPassword"), ports: value("ports"), dcs: value("dcs"),
    leader: value("leader"), monitoring: value("monitoring"),
  };
}

/** The stack's settings file, Pulumi.<stack>.yaml, in the project directory. */
export const stackSettingsFile = (stack: Stack): string => path.join(stack.workspace.workDir, `Pulumi.${stack.name}.yaml`);

/**
 * Sets config keys (undefined: removes them) in the stack's settings file, as `pulumi config set` does,
 * without a CLI run. The file is edited as a YAML document, so its comments and quoting stay as the user
 * wrote them (the workspace's saveStackSettings rewrites the whole file); a missing file is created.
 */
export async function setStackConfig(stack: Stack, values: Record<string, unknown>): Promise<void> {
  const file = stackSettingsFile(stack);
  if (!fs.existsSync(file)) {
    const settings = await stack.workspace.stackSettings(stack.name);
    const config = Object.fromEntries(Object.entries({ ...(settings.config ?? {}), ...values }).filter(([, v]) => v !== undefined));
    await stack.workspace.saveStackSettings(stack.name, { ...settings, config: config as typeof settings.config });
    return;
  }
  const doc = parseDocument(fs.readFileSync(file, "utf8"));
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined) doc.deleteIn(["config", key]);
    else doc.setIn(["config", key], value);
  }
  fs.writeFileSync(file, doc.toString());
}

/** One CLI run on the stack with the Automation API's environment; a non-zero exit throws with its output. */
function runCli(stack: Stack, args: string[], onOutput?: (out: string) => void, extraEnv: Record<string, string> = {}): Promise<string> {
  const ws = stack.workspace;
  const env = { ...process.env, PULUMI_DEBUG_COMMANDS: "true", ...(ws.pulumiHome ? { PULUMI_HOME: ws.pulumiHome } : {}), ...ws.envVars, ...extraEnv };
  const full = [...args, "--stack", stack.name];
  return new Promise((resolve, reject) => {
    const child = spawn(ws.pulumiCommand.command, full, { cwd: ws.workDir, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => { stdout += d.toString(); onOutput?.(d.toString()); });
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => code === 0 ? resolve(stdout)
      : reject(new Error(`pulumi ${full.join(" ")} failed (exit ${code}):\n${(stderr.trim() || stdout.trim()).split("\n").slice(-40).join("\n")}`)));
  });
}

/** Removes the stack's cut-short checkpoint sidecars (see state-sidecars.ts), saying which. */
function repairSidecars(stack: string, log: (line: string) => void): void {
  for (const f of removeBrokenSidecars(projectName(PROJECT_DIR), stack)) log(`chaos stack ${stack}: removed ${f}, cut short by a killed pulumi (the last complete checkpoint stands)`);
}

export class ChaosStack {
  private faults: FaultSpec[] = [];

  /**
   * host: serves the program to every `up` (a lab's chaos stack, inline-program.ts); a user's cluster
   * (pgchaos:targets) runs through the language host, each run in a process of its own (its SSH key).
   */
  private constructor(private readonly stack: Stack, public readonly name: string, private readonly log: (line: string) => void, private readonly host?: ProgramHost) {}

  /**
   * A lab's `<lab>-chaos`, created when missing and pointed at the lab stack; or a user's chaos stack
   * (pgchaos:targets), which must exist and is used as configured.
   */
  static async open(target: { chaosStack: string; labStack?: string }, log: (line: string) => void): Promise<ChaosStack> {
    const name = target.chaosStack;
    repairSidecars(name, log);
    const ws = { stackName: name, workDir: PROJECT_DIR };
    if (!target.labStack) return new ChaosStack(await existingStack(name, `create it with \`pgchaos discover --set-stack ${name}\` or \`pulumi stack init ${name}\``), name, log);
    const pulumi = { pulumiCommand: await pulumiCommand() };
    const stack = await LocalWorkspace.selectStack(ws, pulumi).catch(async (e: Error) => {
      if (!/no stack named|not found/i.test(e.message)) throw e;
      adoptLabSalt(PROJECT_DIR, target.labStack!, name);
      return LocalWorkspace.createStack(ws, pulumi);
    });
    await setStackConfig(stack, { "pgchaos:kind": "chaos", "pgchaos:labStack": target.labStack });
    // Started now, before any workload: its boot (Node.js, the SDKs, the program) is paid once, here.
    return new ChaosStack(stack, name, log, await ProgramHost.shared());
  }

  /** Faults a chaos stack holds, without creating that stack when it does not exist (doctor). */
  static async ownedFaultsOf(name: string, log: (line: string) => void): Promise<{ name: string; owned: Set<string> }> {
    try {
      const stack = await LocalWorkspace.selectStack({ stackName: name, workDir: PROJECT_DIR }, { pulumiCommand: await pulumiCommand() });
      return { name, owned: await new ChaosStack(stack, name, log).ownedFaults() };
    } catch (e) {
      if (/no stack named|not found/i.test(String((e as Error).message))) return { name, owned: new Set() };
      throw e;
    }
  }

  current(): FaultSpec[] {
    return [...this.faults];
  }

  /**
   * Sets the stack's faults and runs `up`; returns the faults' outputs (none when there are no faults:
   * recover needs nothing back). One CLI run for the update and at most one for the outputs — not
   * Automation API's `setConfig` + `up` (which also reads the outputs twice and the history once): on
   * this machine each CLI run costs a Go start and a passphrase key derivation, before and after the
   * fault acts. A lab's chaos program is served by the host process (inline-program.ts).
   */
  async apply(faults: FaultSpec[]): Promise<AppliedFault[]> {
    await this.repairAfterKilledPulumi();
    // A JSON string: the program's config reader parses it, so lists need no --path gymnastics.
    await setStackConfig(this.stack, { "pgchaos:faults": JSON.stringify(faults) });
    const upArgs = ["up", "--yes", "--skip-preview", "--color", "never"];
    const onOutput = (out: string) => out.split("\n").filter((l) => /error|created|deleted|failed/i.test(l)).forEach((l) => this.log(`    pulumi: ${l.trim()}`));
    const { host } = this;
    const registered = host ? await host.exclusive(async () => {
      const run = await host.serve();
      const up = runCli(this.stack, [...upArgs, ...run.args], onOutput, run.env);
      const answer = await host.finished<AppliedFault[]>(await up.then(() => false, () => true));
      await up; // its error, after the host has closed the run
      return answer;
    }) : await runCli(this.stack, [...upArgs, "--exec-kind", "auto.local"], onOutput).then(() => undefined);
    this.faults = faults;
    if (!faults.length) return [];
    if (registered) return registered;
    const outputs = await runCli(this.stack, ["stack", "output", "faults", "--json"]);
    return JSON.parse(outputs) as AppliedFault[];
  }

  /**
   * A killed earlier `pulumi` (a controller that died) left its lock, a cut-short checkpoint sidecar or
   * pending operations: removed (a lock only when its process is gone from this host), and said; a live
   * one's lock stays, and Pulumi's own error then names it.
   */
  private async repairAfterKilledPulumi(): Promise<void> {
    repairSidecars(this.name, this.log);
    const project = projectName(this.stack.workspace.workDir);
    const removed = removeStaleLocks(project, this.name);
    for (const l of removed) this.log(`chaos stack ${this.name}: removed the lock a killed pulumi left (${describeLock(l)})`);
    // Read once per runner: later runs are its own, and each of them ends (or the runner does).
    if (this.pendingChecked) return;
    this.pendingChecked = true;
    const pending = pendingOperations(project, this.name);
    if (!pending.length) return;
    this.log(`chaos stack ${this.name}: ${pending.length} pending operation(s) a killed pulumi left (${describePending(pending)}): ${clearPendingCommand()} (their faults' watchdogs revert what they did)`);
    await runCli(this.stack, CLEAR_PENDING_ARGS);
  }

  private pendingChecked = false;

  /** Recover events for the faults a rollback removed (for the journal). */
  lastRecovered(startedAt: number): FaultEvent[] {
    return this.recovered.map((f) => ({ startedAt, endedAt: Date.now(), action: "recover" as const, fault: f.name, kind: f.kind, targets: [] }));
  }

  private recovered: FaultSpec[] = [];

  /** Recovers every fault: what a rollback and Ctrl-C do. */
  async recoverAll(): Promise<void> {
    this.recovered = this.faults;
    await this.apply([]);
  }

  /** Names of the faults the stack's state holds (live fault resources). */
  async ownedFaults(): Promise<Set<string>> {
    const state = await this.stack.exportStack();
    const resources = (state.deployment?.resources ?? []) as Array<{ type: string; outputs?: { name?: string } }>;
    return new Set(resources.filter((r) => r.type === "pulumi-nodejs:dynamic/pgchaos:Fault" && r.outputs?.name).map((r) => r.outputs!.name!));
  }

  /** The faults the stack's state holds, with their mechanism checks and verification (the fault watch's input). */
  async watchedFaults(): Promise<WatchedFault[]> {
    return watchedFromDeployment((await this.stack.exportStack()).deployment);
  }

  async refresh(): Promise<void> {
    await this.stack.refresh({ color: "never" });
  }
}
