// pgchaos catalog: list, show and validate experiments, with --set overrides.
import * as fs from "fs";
import { Option, type Command } from "commander";
import { parse } from "yaml";
import { crossCheck, ExperimentFileError, parseExperiment, readCatalog, type Experiment } from "../../chaos/experiments/definition";
import { EXIT } from "../common";

export interface ChooseOptions {
  all?: boolean;
  default?: boolean;
  file?: string[];
  set?: string[];
}

/** `--set method.1.seconds=30` → a field path and a YAML-parsed value. */
export function parseOverride(text: string): { path: (string | number)[]; value: unknown } {
  const m = /^([A-Za-z][A-Za-z0-9]*(?:\.(?:[A-Za-z][A-Za-z0-9]*|\d+))*)=(.*)$/s.exec(text);
  if (!m) throw new ExperimentFileError(`--set ${text}: expected path=value, e.g. workload.writeRate=100 or method.1.seconds=30`);
  return { path: m[1].split(".").map((k) => (/^\d+$/.test(k) ? Number(k) : k)), value: parse(m[2]) };
}

/** The experiments a command names: ids from the catalog, --all, --default or files; --set applied to each. */
export function chooseExperiments(program: Command, ids: string[], opts: ChooseOptions): Experiment[] {
  const fail = (msg: string): never => program.error(`pgchaos: ${msg}`, { exitCode: EXIT.usage });
  const sources = [ids.length > 0, !!opts.all, !!opts.default, !!opts.file?.length].filter(Boolean).length;
  if (sources === 0) fail("name experiments (see `pgchaos list`), or use --all, --default or -f FILE");
  if (sources > 1) fail("experiment ids, --all, --default and -f exclude each other: say which experiments to run one way");
  try {
    const overrides = (opts.set ?? []).map(parseOverride);
    if (opts.file?.length) {
      return opts.file.map((f) => {
        if (!fs.existsSync(f)) fail(`${f}: no such file`);
        const e = parseExperiment(fs.readFileSync(f, "utf8"), f, overrides);
        crossCheck(e, f);
        return e;
      });
    }
    const { experiments, problems } = readCatalog();
    const wanted = opts.all ? experiments.map((e) => e.id) : opts.default ? experiments.filter((e) => e.default).map((e) => e.id) : ids;
    const unknown = wanted.filter((id) => !experiments.some((e) => e.id === id));
    if (unknown.length) fail(`unknown experiment(s): ${unknown.join(", ")} (see \`pgchaos list\`)${problems.length ? `; invalid catalog files:\n${problems.join("\n")}` : ""}`);
    return wanted.map((id) => {
      const e = experiments.find((x) => x.id === id)!;
      return overrides.length ? reparse(e, overrides) : e;
    });
  } catch (e) {
    if (e instanceof ExperimentFileError) return fail(e.message);
    throw e;
  }
}

/** A catalog experiment with command-line overrides, validated again. */
function reparse(e: Experiment, overrides: ReturnType<typeof parseOverride>[]): Experiment {
  return parseExperiment(JSON.stringify(e), `${e.id} (catalog)`, overrides);
}

export function registerCatalog(program: Command): void {
  program
    .command("list")
    .description("list the experiment catalog (* = part of the default set); invalid files are listed apart, never hide the rest")
    .addOption(new Option("-o, --output <format>", "json: the experiments as JSON").choices(["json"]))
    .action((opts: { output?: string }) => {
      const { experiments, problems } = readCatalog();
      if (opts.output === "json") console.log(JSON.stringify({ experiments: experiments.map((e) => ({ id: e.id, title: e.title, default: e.default, variants: e.variants.map((v) => v.name) })), problems }, null, 2));
      else for (const e of experiments) console.log(`${e.default ? "*" : " "} ${e.id.padEnd(24)} ${e.title}${e.variants.length ? ` (variants: ${e.variants.map((v) => v.name).join(", ")})` : ""}`);
      for (const p of problems) console.error(`invalid: ${p}`);
      if (problems.length) process.exitCode = EXIT.usage;
    });

  program
    .command("validate")
    .description("validate experiment files (file and line in every error); exit 2 when any is invalid")
    .argument("<files...>", "experiment YAML files")
    .action((files: string[]) => {
      let bad = 0;
      for (const f of files) {
        try {
          if (!fs.existsSync(f)) throw new ExperimentFileError(`${f}: no such file`);
          const e = parseExperiment(fs.readFileSync(f, "utf8"), f);
          crossCheck(e, f);
          console.log(`${f}: ok (${e.id}: ${e.method.length} steps, ${e.expected.assertions.length} expectations${e.variants.length ? `, variants ${e.variants.map((v) => v.name).join(", ")}` : ""})`);
        } catch (err) {
          bad++;
          console.error((err as Error).message);
        }
      }
      if (bad) process.exitCode = EXIT.usage;
    });
}
