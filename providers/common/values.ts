/**
 * Wire values of the provider protocol as @pulumi/pulumi/provider's server hands them over (Struct →
 * JavaScript): secrets arrive wrapped in an object carrying Pulumi's secret signature (the server
 * answers Configure with acceptSecrets), unknowns during preview as a sentinel string.
 */

/** Pulumi's special-signature key and the signature value of a secret (sdk/nodejs/runtime/rpc.ts). */
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
/** The value the engine sends for an input not known yet (preview). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export type Props = Record<string, unknown>;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

export const isSecret = (v: unknown): v is { value: unknown } => isRecord(v) && v[SIG_KEY] === SECRET_SIG;

export const secret = (value: unknown): Props => ({ [SIG_KEY]: SECRET_SIG, value });

/** Does this value (at any depth) hold a secret? */
export function holdsSecret(v: unknown): boolean {
  if (isSecret(v)) return true;
  if (Array.isArray(v)) return v.some(holdsSecret);
  if (isRecord(v)) return Object.values(v).some(holdsSecret);
  return false;
}

/** Does this value (at any depth) hold an unknown? */
export function holdsUnknown(v: unknown): boolean {
  if (v === UNKNOWN) return true;
  if (isSecret(v)) return holdsUnknown(v.value);
  if (Array.isArray(v)) return v.some(holdsUnknown);
  if (isRecord(v)) return Object.values(v).some(holdsUnknown);
  return false;
}

/** The plain value, every secret wrapper removed. */
export function reveal<T = unknown>(v: unknown): T {
  if (isSecret(v)) return reveal(v.value);
  if (Array.isArray(v)) return v.map(reveal) as T;
  if (isRecord(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, reveal(x)])) as T;
  return v as T;
}

/** Top-level properties whose input held a secret: their outputs are stored as secrets too. */
export function secretKeys(inputs: Props): string[] {
  return Object.keys(inputs).filter((k) => holdsSecret(inputs[k]));
}

/** Wraps the named properties (and `alwaysSecret` ones) of a plain output object as secrets. */
export function withSecrets(outs: Props, keys: string[]): Props {
  const res: Props = { ...outs };
  for (const k of keys) if (res[k] !== undefined && res[k] !== null) res[k] = secret(res[k]);
  return res;
}

/** Deep equality on revealed values (secretness alone is no change). Key order is irrelevant. */
export function sameValue(a: unknown, b: unknown): boolean {
  const norm = (v: unknown): unknown => {
    const r = reveal(v);
    if (Array.isArray(r)) return r.map(norm);
    if (isRecord(r)) return Object.fromEntries(Object.keys(r).sort().filter((k) => r[k] !== undefined).map((k) => [k, norm(r[k])]));
    return r ?? null;
  };
  return JSON.stringify(norm(a)) === JSON.stringify(norm(b));
}
