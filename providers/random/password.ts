import { randomInt } from "crypto";
import bcrypt from "bcryptjs";
import type { CheckFailure } from "@pulumi/pulumi/provider";
import type { ResourceType } from "../common/resource";
import { reveal, secret, type Props } from "../common/values";

/** The character sets of terraform-provider-random's string/password generator. */
export const CHARSETS = {
  lower: "abcdefghijklmnopqrstuvwxyz",
  upper: "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
  numeric: "0123456789",
  special: "!@#$%&*()-_=+[]{}<>:?",
};

export interface PasswordSpec {
  length: number;
  lower: boolean;
  upper: boolean;
  numeric: boolean;
  special: boolean;
  minLower: number;
  minUpper: number;
  minNumeric: number;
  minSpecial: number;
  overrideSpecial?: string;
}

/** Minimums first (each from its set), the rest from every enabled set, then a shuffle; crypto RNG throughout. */
export function generatePassword(s: PasswordSpec, pick: (n: number) => number = randomInt): string {
  const special = s.overrideSpecial ?? CHARSETS.special;
  const sets = [
    { on: s.lower, chars: CHARSETS.lower, min: s.minLower },
    { on: s.upper, chars: CHARSETS.upper, min: s.minUpper },
    { on: s.numeric, chars: CHARSETS.numeric, min: s.minNumeric },
    { on: s.special, chars: special, min: s.minSpecial },
  ];
  const all = sets.filter((x) => x.on).map((x) => x.chars).join("");
  if (!all) throw new Error("random password: every character set is disabled (lower, upper, numeric, special all false)");
  const chars: string[] = [];
  for (const set of sets) for (let i = 0; i < set.min; i++) chars.push(set.chars[pick(set.chars.length)]);
  while (chars.length < s.length) chars.push(all[pick(all.length)]);
  for (let i = chars.length - 1; i > 0; i--) {
    const j = pick(i + 1);
    [chars[i], chars[j]] = [chars[j], chars[i]];
  }
  return chars.join("");
}

const DEFAULTS = { lower: true, upper: true, numeric: true, number: true, special: true, minLower: 0, minUpper: 0, minNumeric: 0, minSpecial: 0 };

function validate(inputs: Props): CheckFailure[] {
  const s = reveal<Props>(inputs);
  const length = Number(s.length);
  const mins = ["minLower", "minUpper", "minNumeric", "minSpecial"].reduce((sum, k) => sum + Number(s[k] ?? 0), 0);
  if (!Number.isInteger(length) || length < 1) return [{ property: "length", reason: `length: ${String(s.length)} is not an integer >= 1` }];
  if (length < mins) return [{ property: "length", reason: `length: ${length} is less than minLower + minUpper + minNumeric + minSpecial (${mins})` }];
  return [];
}

/**
 * random.RandomPassword, after https://www.pulumi.com/registry/packages/random/api-docs/randompassword/
 * (terraform-provider-random's random_password): every input replaces the resource (`keepers` included),
 * `result` and `bcryptHash` are secret outputs, the id is "none", refresh keeps the stored result.
 * `number` is the deprecated alias of `numeric`: both must allow digits for digits to be used.
 */
export const randomPassword: ResourceType = {
  token: "random:index/randomPassword:RandomPassword",
  inputs: {
    length: true, lower: true, upper: true, numeric: true, number: true, special: true,
    minLower: true, minUpper: true, minNumeric: true, minSpecial: true, overrideSpecial: true, keepers: true,
  },
  replaceOn: ["length", "lower", "upper", "numeric", "number", "special", "minLower", "minUpper", "minNumeric", "minSpecial", "overrideSpecial", "keepers"],
  defaults: DEFAULTS,
  validate,
  async create(inputs) {
    const s = reveal<Props>(inputs);
    const result = generatePassword({
      length: Number(s.length), lower: s.lower !== false, upper: s.upper !== false,
      numeric: s.numeric !== false && s.number !== false, special: s.special !== false,
      minLower: Number(s.minLower ?? 0), minUpper: Number(s.minUpper ?? 0), minNumeric: Number(s.minNumeric ?? 0), minSpecial: Number(s.minSpecial ?? 0),
      overrideSpecial: typeof s.overrideSpecial === "string" ? s.overrideSpecial : undefined,
    });
    return { id: "none", outs: { ...inputs, result: secret(result), bcryptHash: secret(bcrypt.hashSync(result, 10)) } };
  },
  async read(id, state) {
    return { id, props: state };
  },
  async delete() {
    // Nothing outside Pulumi's state: deleting the resource forgets the value.
  },
};
