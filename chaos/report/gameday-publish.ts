// Writes a game day's results.json, A/B charts and game-day.md, and points reports/latest at it.
import * as fs from "fs";
import * as path from "path";
import { renderSvg } from "./charts";
import { abChartFile, abChartSpec, renderGameDay } from "./gameday";
import type { GameDayResults } from "../gameday/results";

/**
 * Writes a game day's results.json, its A/B charts and game-day.md into reports/<run-id>/, and points
 * reports/latest at it. Each run keeps its own directory: nothing is overwritten.
 */
export async function publishGameDay(results: GameDayResults, reportsDir: string): Promise<string> {
  const dir = path.join(reportsDir, results.runId);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "results.json"), `${JSON.stringify(results, null, 2)}\n`);
  const charted = new Set<string>();
  for (const r of results.recommendations) {
    const spec = abChartSpec(r);
    if (!spec) continue;
    fs.writeFileSync(path.join(dir, abChartFile(r)), await renderSvg(spec));
    charted.add(r.candidate);
  }
  const file = path.join(dir, "game-day.md");
  fs.writeFileSync(file, renderGameDay(results, charted));
  pointLatest(reportsDir, results.runId);
  return file;
}

/** reports/latest → the newest run's directory (a relative symlink, replaced atomically). */
export function pointLatest(reportsDir: string, runId: string): void {
  const link = path.join(reportsDir, "latest");
  const tmp = `${link}.${process.pid}`;
  fs.rmSync(tmp, { force: true });
  fs.symlinkSync(runId, tmp);
  fs.renameSync(tmp, link);
}

/** Re-renders game-day.md from a saved results.json (`pgchaos report`). */
export async function republishGameDay(dir: string): Promise<string> {
  const results = JSON.parse(fs.readFileSync(path.join(dir, "results.json"), "utf8")) as GameDayResults;
  const charted = new Set(results.recommendations.filter((r) => fs.existsSync(path.join(dir, abChartFile(r)))).map((r) => r.candidate));
  const file = path.join(dir, "game-day.md");
  fs.writeFileSync(file, renderGameDay(results, charted));
  return file;
}
