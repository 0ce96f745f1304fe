// The repository's alert rules (monitoring/rules/*.rules.yml).
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { durationSeconds } from "../../stacks/config";
import { RULE_FILE_PATTERN } from "./config";

/** The repository's alert rules (monitoring/rules/*.rules.yml): readable, reusable, promtool-tested. */
export const DEFAULT_RULES_DIR = path.resolve(__dirname, "..", "..", "monitoring", "rules");

/** Rule file name → text, for every `*.rules.yml` of `dir` (sorted, so the container's definition is stable). */
export function loadRuleFiles(dir = DEFAULT_RULES_DIR): Record<string, string> {
  const names = fs.readdirSync(dir).filter((n) => RULE_FILE_PATTERN.test(n)).sort();
  if (names.length === 0) throw new Error(`no *.rules.yml file in ${dir}`);
  return Object.fromEntries(names.map((n) => [n, fs.readFileSync(path.join(dir, n), "utf8")]));
}

export interface AlertRule {
  alert: string;
  group: string;
  expr: string;
  forSeconds: number;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** The alerting rules of the given files (recording rules are skipped). */
export function alertRules(files: Record<string, string> = loadRuleFiles()): AlertRule[] {
  const rules: AlertRule[] = [];
  for (const text of Object.values(files)) {
    const doc = parse(text) as { groups?: Array<{ name: string; rules?: Array<Record<string, unknown>> }> };
    for (const g of doc.groups ?? []) {
      for (const r of g.rules ?? []) {
        if (typeof r.alert !== "string") continue;
        rules.push({
          alert: r.alert,
          group: g.name,
          expr: String(r.expr),
          forSeconds: typeof r.for === "string" ? durationSeconds(r.for) : 0,
          labels: (r.labels as Record<string, string>) ?? {},
          annotations: (r.annotations as Record<string, string>) ?? {},
        });
      }
    }
  }
  return rules;
}
