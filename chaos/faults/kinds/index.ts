// The registry of fault kinds: each kind's schema and definition, in one table.
import type { FaultKindDef } from "../kind-plan";
import { delay, delaySpec } from "./delay";
import { etcdOutage, etcdOutageSpec } from "./etcd-outage";
import { loss, lossSpec } from "./loss";
import { nodeStop, nodeStopSpec } from "./node-stop";
import { partition, partitionSpec } from "./partition";
import { reset, resetSpec } from "./reset";
import { stress, stressSpec } from "./stress";

/** Every kind's schema, for the discriminated union of fault specs (spec.ts). */
export const KIND_SCHEMAS = [nodeStopSpec, delaySpec, lossSpec, resetSpec, partitionSpec, stressSpec, etcdOutageSpec] as const;

type AnyKindSpec = import("zod").infer<(typeof KIND_SCHEMAS)[number]>;
type Registry = { [K in AnyKindSpec["kind"]]: FaultKindDef<Extract<AnyKindSpec, { kind: K }>> };

export const FAULT_KINDS: Registry = {
  "node-stop": nodeStop,
  delay,
  loss,
  reset,
  partition,
  stress,
  "etcd-outage": etcdOutage,
};

/** The registry entry of a spec's kind, typed for that spec. */
export const kindOf = <S extends AnyKindSpec>(spec: S): FaultKindDef<S> => FAULT_KINDS[spec.kind as S["kind"]] as unknown as FaultKindDef<S>;
