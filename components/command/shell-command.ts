import * as pulumi from "@pulumi/pulumi";

/**
 * A resource whose create/update/delete are shell scripts, with the semantics of @pulumi/command's
 * `local.Command` (create once; update — or create again — when inputs change; delete from the *stored*
 * script and environment; `triggers` force a replacement). It exists because the command provider's
 * plugin cannot be built offline here (see README, "Why not @pulumi/command"); being a dynamic provider,
 * it needs no plugin beyond Pulumi's Node.js dynamic-provider host.
 *
 * Scripts run under `bash -c` with `set -euo pipefail`. Values reach them only through `environment`
 * (never interpolated), so secrets never appear in a command line or in the engine's diff.
 */
export interface ShellCommandInputs {
  /** Script run on create (and on update when `update` is unset). */
  create: pulumi.Input<string>;
  /** Script run when inputs other than `triggers` change. Defaults to `create`. */
  update?: pulumi.Input<string>;
  /** Script run on delete, from the stored state. Must be idempotent. */
  delete?: pulumi.Input<string>;
  /** Script run by `pulumi refresh`: exit code 3 means "gone" (the resource is dropped from state). */
  check?: pulumi.Input<string>;
  /** Variables given to every script. Marked secret in state. */
  environment?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Any change replaces the resource (delete first when `deleteBeforeReplace`). */
  triggers?: pulumi.Input<unknown[]>;
  /** Replace (delete, then create) rather than update when the create script changes. */
  replaceOnChange?: pulumi.Input<boolean>;
  /** Seconds before a script is killed. */
  timeoutSeconds?: pulumi.Input<number>;
}

interface StoredState {
  create: string;
  update?: string;
  delete?: string;
  check?: string;
  environment?: Record<string, string>;
  triggers?: unknown[];
  replaceOnChange?: boolean;
  timeoutSeconds?: number;
  stdout?: string;
}

// Everything the provider uses is required inside the functions: Pulumi serializes them into the
// dynamic-provider host, which can load node_modules but not the program's own modules.
export async function runScript(script: string, env?: Record<string, string>, timeoutSeconds?: number): Promise<string> {
  const { spawn } = require("child_process") as typeof import("child_process");
  return await new Promise<string>((resolve, reject) => {
    const child = spawn("bash", ["-c", `set -euo pipefail\n${script}`], {
      env: { ...process.env, ...(env ?? {}) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), (timeoutSeconds ?? 600) * 1000);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(out.trim());
      else {
        const detail = (err.trim() || out.trim()).split("\n").slice(-40).join("\n");
        // A plain Error: classes do not survive Pulumi's serialization into the provider host intact.
        reject(Object.assign(new Error(`script failed (${signal ? `killed by ${signal}` : `exit ${code}`}):\n${detail}`), { exitCode: code ?? -1 }));
      }
    });
  });
}

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

export const shellCommandProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: StoredState) {
    const stdout = await runScript(inputs.create, inputs.environment, inputs.timeoutSeconds);
    return { id: require("crypto").randomUUID() as string, outs: { ...inputs, stdout } };
  },

  async diff(_id: string, olds: StoredState, news: StoredState) {
    const replaces: string[] = [];
    if (!sameJson(olds.triggers, news.triggers)) replaces.push("triggers");
    if (news.replaceOnChange && !sameJson(olds.create, news.create)) replaces.push("create");
    const keys = ["create", "update", "delete", "check", "environment", "timeoutSeconds", "replaceOnChange"] as const;
    const changed = keys.filter((k) => !sameJson(olds[k], news[k]));
    return { changes: replaces.length > 0 || changed.length > 0, replaces, deleteBeforeReplace: true };
  },

  async update(_id: string, olds: StoredState, news: StoredState) {
    // Only a changed create/update script or environment runs again; a new delete/check just updates state.
    const rerun = !sameJson(olds.create, news.create) || !sameJson(olds.update, news.update) ||
      !sameJson(olds.environment, news.environment);
    const stdout = rerun ? await runScript(news.update ?? news.create, news.environment, news.timeoutSeconds) : olds.stdout;
    return { outs: { ...news, stdout } };
  },

  async delete(_id: string, props: StoredState) {
    if (props.delete) await runScript(props.delete, props.environment, props.timeoutSeconds);
  },

  async read(id: string, props: StoredState) {
    if (!props?.check) return { id, props };
    try {
      await runScript(props.check, props.environment, props.timeoutSeconds);
      return { id, props };
    } catch (e) {
      if ((e as { exitCode?: number }).exitCode === 3) return { id: "", props: {} }; // gone: drop from state
      throw e;
    }
  },
};

export class ShellCommand extends pulumi.dynamic.Resource {
  declare public readonly stdout: pulumi.Output<string>;
  /** The scripts as stored (pinned for faults). */
  declare public readonly create: pulumi.Output<string>;
  declare public readonly delete: pulumi.Output<string | undefined>;

  constructor(name: string, args: ShellCommandInputs, opts?: pulumi.CustomResourceOptions) {
    super(
      shellCommandProvider,
      name,
      { ...args, stdout: undefined },
      {
        ...opts,
        deleteBeforeReplace: true,
        additionalSecretOutputs: ["environment", ...(opts?.additionalSecretOutputs ?? [])],
      },
      "pgchaos",
      "ShellCommand",
    );
  }
}
