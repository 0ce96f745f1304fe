#!/usr/bin/env -S npx tsx
// The pgchaos command line: one register function per command group.
import { Command } from "commander";
import { MissingStackError } from "../chaos/experiments/stacks";
import { conciseError, EXIT, EXIT_CODES_HELP } from "./common";
import { registerCampaign } from "./commands/campaign";
import { registerCatalog } from "./commands/catalog";
import { registerDiscover } from "./commands/discover";
import { registerDoctor } from "./commands/doctor";
import { registerGameDay } from "./commands/gameday";
import { registerReport } from "./commands/report";
import { registerRun } from "./commands/run";

/** The pgchaos command line: one register function per command group, in cli/commands/. */
const program = new Command()
  .name("pgchaos")
  .description("Chaos experiments against a pgchaos lab stack or your own Patroni cluster over SSH: gameday, campaign, list, validate, run, compare, report, doctor, discover")
  .showHelpAfterError("(run pgchaos --help for usage)")
  .addHelpText("after", EXIT_CODES_HELP)
  // commander exits 1 on a usage error; ours is 2 (1 means a hypothesis failed).
  .exitOverride((err) => process.exit(err.exitCode === 1 ? EXIT.usage : err.exitCode));

registerGameDay(program);
registerCampaign(program);
registerCatalog(program);
registerRun(program);
registerReport(program);
registerDoctor(program);
registerDiscover(program);

// A closed pipe (`pgchaos list | head`) is the reader being done, not an error.
process.stdout.on("error", (e: NodeJS.ErrnoException) => { if (e.code === "EPIPE") process.exit(0); });

program.parseAsync().catch((e: Error) => {
  if (e instanceof MissingStackError) {
    console.error(`pgchaos: ${e.message}`);
    process.exit(EXIT.usage);
  }
  console.error(`pgchaos: ${conciseError(e)}`);
  process.exit(EXIT.invalid);
});
