import type { CheckFailure, CheckResult, CreateResult, DiffResult, ReadResult, UpdateResult } from "@pulumi/pulumi/provider";
import { holdsUnknown, sameValue, type Props } from "./values";

/**
 * One resource type of a stand-in plugin. `inputs` lists every input property the stand-in implements
 * (with, for nested objects, the keys it implements); `replaceOn` the ones whose change replaces the
 * resource in the real provider (ForceNew / replaceOnChanges). Anything else is refused by `check`.
 */
export interface ResourceType {
  token: string;
  /** Input property → the nested keys implemented (for objects or lists of objects), or true. */
  inputs: Record<string, true | string[]>;
  replaceOn: string[];
  /** Optional inputs the provider fills in when absent (Terraform's Optional+Computed): absent is no change. */
  computed?: string[];
  /** The real provider's diff asks the engine to delete before it creates the replacement. */
  deleteBeforeReplace?: boolean;
  /** Defaults the real provider fills in at check (so state holds them as it would). */
  defaults?: Props;
  validate?: (inputs: Props) => CheckFailure[];
  create(inputs: Props, urn: string): Promise<CreateResult>;
  read(id: string, state: Props): Promise<ReadResult>;
  update?(id: string, olds: Props, news: Props): Promise<UpdateResult>;
  delete(id: string, state: Props): Promise<void>;
}

const notImplemented = (token: string, property: string) =>
  `${property}: the offline stand-in of ${token} does not implement this property (docs/toolchain.md lists what it does; install the real plugin to use it)`;

/** Refuses every property (top-level or nested) the stand-in does not implement, naming it. */
export function refuseUnknownProperties(type: ResourceType, news: Props): CheckFailure[] {
  const failures: CheckFailure[] = [];
  for (const [key, value] of Object.entries(news)) {
    if (value === undefined || value === null) continue;
    const allowed = type.inputs[key];
    if (!allowed) {
      failures.push({ property: key, reason: notImplemented(type.token, key) });
      continue;
    }
    if (allowed === true || holdsUnknown(value)) continue;
    const items = Array.isArray(value) ? value : [value];
    items.forEach((item, i) => {
      if (typeof item !== "object" || item === null) return;
      for (const [nested, v] of Object.entries(item as Props)) {
        if (v !== undefined && v !== null && !allowed.includes(nested)) {
          const at = Array.isArray(value) ? `${key}[${i}].${nested}` : `${key}.${nested}`;
          failures.push({ property: at, reason: notImplemented(type.token, at) });
        }
      }
    });
  }
  return failures;
}

export function checkInputs(type: ResourceType, news: Props): CheckResult {
  const inputs = { ...(type.defaults ?? {}), ...news };
  for (const [k, v] of Object.entries(type.defaults ?? {})) if (news[k] === undefined || news[k] === null) inputs[k] = v;
  const failures = [...refuseUnknownProperties(type, news), ...(holdsUnknown(inputs) ? [] : type.validate?.(inputs) ?? [])];
  return { inputs, failures };
}

const absent = (v: unknown) => v === undefined || v === null;

/**
 * The real provider's plan: changed inputs update in place unless one of them is a replacing one. An
 * input left out that the provider computes (`computed`) is no change, as in a Terraform plan.
 */
export function diffInputs(type: ResourceType, olds: Props, news: Props): DiffResult {
  const changed = Object.keys(type.inputs).filter((k) =>
    absent(news[k]) ? !absent(olds[k]) && !(type.computed ?? []).includes(k) : holdsUnknown(news[k]) || !sameValue(olds[k], news[k]));
  const replaces = changed.filter((k) => type.replaceOn.includes(k));
  return { changes: changed.length > 0, replaces, deleteBeforeReplace: replaces.length > 0 && !!type.deleteBeforeReplace };
}

/** Outputs: what the provider read, overlaid with the inputs as given (state keeps what the program set). */
export function readOverInputs(read: Props, inputs: Props): Props {
  return { ...read, ...Object.fromEntries(Object.entries(inputs).filter(([, v]) => !absent(v))) };
}
