// pgchaos report: re-render reports from saved journals and results.
import * as fs from "fs";
import * as path from "path";
import type { Command } from "commander";
import { republish } from "../../chaos/report/publish";
import { republishGameDay } from "../../chaos/report/gameday-publish";
import { DEFAULT_REPORTS, EXIT } from "../common";

/** Re-renders one directory: its experiment reports and index, and its game-day report when it is a game day's. */
async function rerender(dir: string): Promise<string[]> {
  const files = await republish(dir);
  if (fs.existsSync(path.join(dir, "results.json"))) files.push(await republishGameDay(dir));
  return files;
}

export function registerReport(program: Command): void {
  program
    .command("report")
    .description("re-render every report, index and game-day report from the saved journals and results.json")
    .option("--out <dir>", "reports directory, or one game day's directory", DEFAULT_REPORTS)
    .action(async (opts: { out: string }) => {
      if (!fs.existsSync(opts.out)) program.error(`pgchaos: no reports in ${opts.out}: run \`npm run lab\` (the game day) or \`pgchaos run <id>\` first`, { exitCode: EXIT.usage });
      const files = await rerender(opts.out);
      for (const d of fs.readdirSync(opts.out, { withFileTypes: true })) {
        if (d.isDirectory() && fs.existsSync(path.join(opts.out, d.name, "results.json"))) files.push(...await rerender(path.join(opts.out, d.name)));
      }
      for (const f of files) console.log(path.relative(process.cwd(), f));
    });
}
