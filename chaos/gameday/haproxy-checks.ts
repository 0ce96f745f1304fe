// The lab's HAProxy check timing changed for a game-day A/B, through the lab stack's config and `pulumi up`.
/** Changes the lab's HAProxy check timing for a game-day A/B, through the lab stack's config and `pulumi up`, and puts it back. */
import { queryPostgres } from "../../components/lab/postgres";
import { existingStack } from "../experiments/stacks";
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
 * The original value (or its absence) is put back by restore(). A user's own cluster: undefined — its
 * haproxy.cfg is theirs to change, so that A/B stays untested.
 */
export function labHaproxyChanger(target: ExperimentTarget, inEffect: HaproxyTiming, log: (l: string) => void): HaproxyChanger | undefined {
  const labStack = target.labStack;
  if (!labStack) return undefined;
  let current = inEffect;
  // The key's raw value in Pulumi.<stack>.yaml, put back as it was; null: absent; undefined: nothing changed yet.
  let original: unknown;
  let changed = false;
  const up = async (what: string) => {
    const stack = await existingStack(labStack, `pulumi up -s ${labStack}`);
    const t0 = Date.now();
    log(`[game day] HAProxy checks → ${what}: pulumi up -s ${labStack}`);
    await stack.up({ color: "never" });
    await writableThroughHaproxy(target, 60_000);
    log(`[game day] HAProxy checks in effect after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  };
  /** Sets the key in the stack's settings file (undefined: removes it) and returns what it held before. */
  const setKey = async (value: unknown): Promise<unknown> => {
    const stack = await existingStack(labStack, `pulumi up -s ${labStack}`);
    const settings = await stack.workspace.stackSettings(labStack);
    const config: Record<string, unknown> = { ...(settings.config ?? {}) };
    const before = config[KEY];
    if (value === undefined) delete config[KEY];
    else config[KEY] = value;
    await stack.workspace.saveStackSettings(labStack, { ...settings, config: config as typeof settings.config });
    return before;
  };
  return {
    async apply(t) {
      if (same(t, current)) return;
      const before = await setKey(haproxyConfigValue(t));
      if (!changed) { original = before; changed = true; }
      current = t;
      await up(`inter ${t.interMs} ms, fall ${t.fall}, rise ${t.rise}`);
    },
    async restore() {
      if (!changed) return;
      await setKey(original);
      changed = false;
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
