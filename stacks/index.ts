// The Pulumi program's entry: reads the stack's config and runs the lab, chaos or smoke program.
import * as pulumi from "@pulumi/pulumi";
import * as util from "util";
import type { chaosConfigSchema } from "../chaos/faults/spec";
import type { chaosProgram } from "./chaos";
import { ConfigError, labConfigSchema, parseConfig, smokeConfigSchema } from "./config";
import { labProgram } from "./lab";
import { openLabEarly } from "./lab-reference";
import { smokeProgram } from "./smoke";
import { withDerivedPorts } from "./ports";
import { assertLabPortsFree } from "./port-check";
import { labNaming } from "../components/lab/naming";

export * from "./config";

/** All `pgchaos:` keys of the current stack as one object (what zod validates). */
export function rawStackConfig(namespace = "pgchaos"): Record<string, unknown> {
  // The SDK's config store: filled from PULUMI_CONFIG by the language host, or by the run request when the
  // program is served inline (chaos/experiments/inline-program.ts). The variable itself when the store is
  // empty (a test that sets it after @pulumi/pulumi was loaded).
  const store = pulumi.runtime.allConfig();
  const all = Object.keys(store).length ? store : (JSON.parse(process.env.PULUMI_CONFIG ?? "{}") as Record<string, string>);
  const raw: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(all)) {
    if (!key.startsWith(`${namespace}:`)) continue;
    // The engine passes keys as `ns:key` or, through older language hosts, `ns:config:key`.
    const name = key.slice(namespace.length + 1).replace(/^config:/, "");
    try {
      raw[name] = JSON.parse(value);
    } catch {
      raw[name] = value; // plain strings are stored unquoted
    }
  }
  return raw;
}

/**
 * Frames in a stack trace of this program. @pulumi/pulumi records a stack trace for every property of
 * every resource (for its promise-leak report), each mapped through ts-node's source maps: with Node's 10
 * frames that cost the lab's program 0.5–0.7 s of CPU per run (3.1–3.4 s vs 2.6–2.7 s with 4, measured on a
 * lab preview). Resources' source positions are unaffected (the SDK lifts the limit for them); a leak
 * investigation (PULUMI_DEBUG_PROMISE_LEAKS) keeps Node's default.
 */
const STACK_FRAMES = 4;

/**
 * Makes the SDK's report of an unhandled rejection cheap: it prints the error through util.inspect, whose
 * stack formatting in Node 20 spent 26 s (two conflicting faults) to 150 s (a lab stack without outputs) of
 * CPU, mostly garbage collection, before the program could exit. The error then inspects as its stack text.
 */
export function guardErrorInspection(): void {
  if (!process.listeners("unhandledRejection").includes(inspectPlainly)) process.prependListener("unhandledRejection", inspectPlainly);
}

/** Gives an error an inspection that is its stack text (or message), computed by nothing else. */
export function inspectPlainly(err: unknown): void {
  if (err instanceof Error && !Object.prototype.hasOwnProperty.call(err, util.inspect.custom)) {
    Object.defineProperty(err, util.inspect.custom, { value: () => err.stack ?? err.message, configurable: true });
  }
}

/** The program `index.ts` runs (and the Automation API serves inline): a config error is shown plainly, without a stack trace. */
export async function runProgram(): Promise<Record<string, unknown>> {
  if (!process.env.PULUMI_DEBUG_PROMISE_LEAKS) Error.stackTraceLimit = STACK_FRAMES;
  guardErrorInspection();
  try {
    return await selectProgram();
  } catch (e) {
    if (e instanceof ConfigError) throw new pulumi.RunError(e.message);
    throw e;
  }
}

/**
 * Chooses the stack's program from `pgchaos:kind` (lab by default) after validating its config. A chaos
 * stack opens its lab before its own modules load (lab-reference.ts), so those are required here, not
 * imported above (`import()` would go through Node's ESM loader, which does not read TypeScript).
 */
export async function selectProgram(): Promise<Record<string, unknown>> {
  const raw = rawStackConfig();
  switch (raw.kind ?? "lab") {
    case "smoke":
      return smokeProgram(parseConfig(smokeConfigSchema, "pgchaos", raw).file);
    case "lab": {
      // Stacks other than dev take unset ports from their name; a taken port stops preview and up here.
      const config = parseConfig(labConfigSchema, "pgchaos", withDerivedPorts(raw, pulumi.getStack()).raw);
      assertLabPortsFree(config, labNaming(config.scope, pulumi.getProject(), pulumi.getStack()).owner);
      return labProgram(config);
    }
    case "chaos": {
      const opened = await openLabEarly(raw);
      const spec = require("../chaos/faults/spec") as { chaosConfigSchema: typeof chaosConfigSchema };
      const chaos = require("./chaos") as { chaosProgram: typeof chaosProgram };
      // Secrets read apart (the SSH key in chaos.ts, the workload's password by the experiment runner):
      // they must never pass through zod's error messages.
      const { sshPrivateKey: _key, postgresPassword: _password, ...rest } = raw;
      return chaos.chaosProgram(parseConfig(spec.chaosConfigSchema, "pgchaos", rest), opened);
    }
    default:
      throw new pulumi.RunError(`pgchaos:kind = ${JSON.stringify(raw.kind)}: must be "lab", "chaos" or "smoke"`);
  }
}
