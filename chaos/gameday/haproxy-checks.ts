// The lab's HAProxy check timing changed for a game-day A/B, through the lab stack's config and `pulumi up`.
/** Changes the lab's HAProxy check timing for a game-day A/B, through the lab stack's config and `pulumi up`, and puts it back. */
import { queryPostgres } from "../../components/lab/postgres";
import * as fs from "fs";
import type { Stack } from "@pulumi/pulumi/automation";
import { existingStack, setStackConfig, stackSettingsFile } from "../experiments/stacks";
import type { ExperimentTarget } from "../experiments/target";
import type { HaproxyTiming } from "./candidates";

/** What the game day needs to run an HAProxy A/B: put a timing in effect, and put the original back. */
export interface HaproxyChanger {
  apply(timing: HaproxyTiming): Promise<void>;
  restore(): Promise<void>;
}

const KEY = "pgchaos:haproxy";
const same = (x: HaproxyTiming, y: HaproxyTiming) => x.interMs === y.interMs && x.fall === y.fall && x.rise === y.rise;

/** The lab config value for a timing (the keys of stacks/config.ts' `haproxy`), as JSON the program's reader parses. */
export const haproxyConfigValue = (t: HaproxyTiming): string => JSON.stringify({ checkIntervalMs: t.interMs, fall: t.fall, rise: t.rise });

/**
 * For a lab: the stack's `pgchaos:haproxy` set and the lab brought up (HAProxy's container is recreated
 * and the lab's readiness wait runs again), then a write through the read-write port before the next run.
 * restore() writes the settings file back byte for byte (comments included) and brings the lab up again. A user's own cluster: undefined — its
 * haproxy.cfg is theirs to change, so that A/B stays untested.
 */
export function labHaproxyChanger(target: ExperimentTarget, inEffect: HaproxyTiming, log: (l: string) => void): HaproxyChanger | undefined {
  const labStack = target.labStack;
  if (!labStack) return undefined;
  let current = inEffect;
  // The settings file's bytes before the first change (null: there was none), written back as they were.
  let original: string | null | undefined;
  let selected: Stack | undefined;
  const labStackOf = async () => (selected ??= await existingStack(labStack, `pulumi up -s ${labStack}`));
  const up = async (what: string) => {
    const stack = await labStackOf();
    const t0 = Date.now();
    log(`[game day] HAProxy checks → ${what}: pulumi up -s ${labStack}`);
    await stack.up({ color: "never" });
    await writableThroughHaproxy(target, 60_000);
    log(`[game day] HAProxy checks in effect after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  };
  return {
    async apply(t) {
      if (same(t, current)) return;
      const stack = await labStackOf();
      const file = stackSettingsFile(stack);
      if (original === undefined) original = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : null;
      await setStackConfig(stack, { [KEY]: haproxyConfigValue(t) });
      current = t;
      await up(`inter ${t.interMs} ms, fall ${t.fall}, rise ${t.rise}`);
    },
    async restore() {
      if (original === undefined) return;
      const stack = await labStackOf();
      if (original === null) fs.rmSync(stackSettingsFile(stack), { force: true });
      else fs.writeFileSync(stackSettingsFile(stack), original);
      original = undefined;
      current = inEffect;
      await up(`back to inter ${inEffect.interMs} ms, fall ${inEffect.fall}, rise ${inEffect.rise}`);
    },
  };
}

/** A write through HAProxy's read-write port succeeds: HAProxy has passed its checks of the leader. */
async function writableThroughHaproxy(target: ExperimentTarget, withinMs: number): Promise<void> {
  const deadline = Date.now() + withinMs;
  let last = "";
  while (Date.now() < deadline) {
    try {
      await queryPostgres({ ...target.readWrite, ...target.credentials }, "select pg_is_in_recovery() as ro, txid_current()", [], 3000);
      return;
    } catch (e) {
      last = (e as Error).message;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`HAProxy's read-write port ${target.readWrite.port} took no write within ${withinMs / 1000} s after the change: ${last}`);
}
