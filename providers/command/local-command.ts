import { nameOfUrn } from "../common/plugin";
import type { ResourceType } from "../common/resource";
import { runProgram } from "../common/process";
import { holdsSecret, reveal, withSecrets, type Props } from "../common/values";
import { randomBytes } from "crypto";

interface CommandInputs {
  create?: string;
  update?: string;
  delete?: string;
  environment?: Record<string, string>;
  dir?: string;
  interpreter?: string[];
  stdin?: string;
  addPreviousOutputInEnv?: boolean;
}

/** Runs one of the resource's commands as pulumi-command does: `/bin/sh -c` unless `interpreter` is set. */
export async function runCommand(command: string, inputs: CommandInputs, previous?: { stdout?: string; stderr?: string }): Promise<{ stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...(inputs.environment ?? {}) };
  if (previous && inputs.addPreviousOutputInEnv !== false) {
    if (previous.stdout) env.PULUMI_COMMAND_STDOUT = previous.stdout;
    if (previous.stderr) env.PULUMI_COMMAND_STDERR = previous.stderr;
  }
  const argv = [...(inputs.interpreter?.length ? inputs.interpreter : ["/bin/sh", "-c"]), command];
  const r = await runProgram(argv, { env, cwd: inputs.dir ?? process.cwd(), stdin: inputs.stdin });
  if (r.code !== 0) throw new Error(`exit status ${r.code}: running ${JSON.stringify(command)}:\n${(r.stdout + r.stderr).trim().split("\n").slice(-40).join("\n")}`);
  return { stdout: r.stdout.replace(/\n$/, ""), stderr: r.stderr.replace(/\n$/, "") };
}

/** pulumi-command's outputs depend on every input: one secret input makes stdout and stderr secret. */
const outputs = (inputs: Props, out: { stdout: string; stderr: string }): Props =>
  withSecrets({ ...inputs, ...out }, holdsSecret(inputs) ? ["stdout", "stderr"] : []);

/**
 * command.local.Command, after https://www.pulumi.com/registry/packages/command/api-docs/local/command/
 * (pulumi-command provider/pkg/provider/local): `create` runs once; a change of any other input runs
 * `update` (or `create` again when there is no `update`); a change of `triggers` replaces the resource
 * (create-before-delete unless the program asks `deleteBeforeReplace`); `delete` runs from the stored
 * state with PULUMI_COMMAND_STDOUT/STDERR of the last run; refresh reads nothing (state is kept);
 * stdout/stderr are secret when any input is. `logging` is accepted with every documented value: the
 * stand-in never streams a command's output to the engine's log (as `logging: "none"`).
 */
export const localCommand: ResourceType = {
  token: "command:local:Command",
  inputs: {
    create: true, update: true, delete: true, environment: true, triggers: true, dir: true, interpreter: true, stdin: true, addPreviousOutputInEnv: true, logging: true,
  },
  replaceOn: ["triggers"],
  validate: (inputs) => {
    const logging = reveal(inputs.logging);
    return logging === undefined || ["stdout", "stderr", "stdoutAndStderr", "none"].includes(String(logging))
      ? [] : [{ property: "logging", reason: `logging: ${JSON.stringify(logging)} is not one of stdout, stderr, stdoutAndStderr, none` }];
  },
  async create(inputs, urn) {
    // pulumi-command's id: the resource name and 8 random hex digits (resource.NewUniqueHex).
    const id = `${nameOfUrn(urn)}${randomBytes(4).toString("hex")}`;
    const plain = reveal<CommandInputs>(inputs);
    const out = plain.create ? await runCommand(plain.create, plain) : { stdout: "", stderr: "" };
    return { id, outs: outputs(inputs, out) };
  },
  async update(_id, olds, news) {
    const plain = reveal<CommandInputs>(news);
    const previous = reveal<{ stdout?: string; stderr?: string }>({ stdout: olds.stdout, stderr: olds.stderr });
    const command = plain.update ?? plain.create;
    const out = command ? await runCommand(command, plain, previous) : { stdout: previous.stdout ?? "", stderr: previous.stderr ?? "" };
    return { outs: outputs(news, out) };
  },
  async read(id, state) {
    return { id, props: state };
  },
  async delete(_id, state) {
    const plain = reveal<CommandInputs & { stdout?: string; stderr?: string }>(state);
    if (plain.delete) await runCommand(plain.delete, plain, { stdout: plain.stdout, stderr: plain.stderr });
  },
};
