// The chaos program's first steps, in a module light enough to run before the rest of the program loads.
import * as pulumi from "@pulumi/pulumi";
import { DEFAULT_LAB_STACK, LAB_STACK_PATTERN } from "../chaos/targets/lab-stack";

/** The lab stack's reference, with the faults' provider host already asked for. */
export interface OpenedLab {
  labStack: string;
  reference: pulumi.StackReference;
}

/**
 * Makes the engine start the faults' provider host (a Node.js process, ≈ 0.7–0.9 s to boot) while the
 * program plans: the engine boots a provider on its first request, and a Fault's registration waits for
 * its plan. The request is an invoke the dynamic provider does not implement; its "unknown function"
 * answer is expected and dropped. The engine creates default providers one at a time, so this waits for
 * `after` (the lab's StackReference, whose own provider would otherwise queue behind the boot: +0.9 s).
 * Resolves once the request is on its way.
 */
export function startFaultProviderEarly(after?: pulumi.Output<unknown>): Promise<void> {
  const boot = () => {
    pulumi.runtime.invoke("pulumi-nodejs:dynamic:boot", {}).catch(() => {});
    // The SDK sends it after a few microtasks and a gRPC write: a timer turn later it has left this process.
    return new Promise<void>((resolve) => setTimeout(resolve, 10));
  };
  return after ? new Promise((resolve) => after.apply(() => boot().then(resolve))) : boot();
}

/** The lab stack's reference (read by the engine), and the provider host's boot requested once it is read. */
export function openLab(labStack: string): { lab: OpenedLab; bootRequested: Promise<void> } {
  const reference = new pulumi.StackReference("lab", { name: `organization/${pulumi.getProject()}/${labStack}` });
  return { lab: { labStack, reference }, bootRequested: startFaultProviderEarly(reference.urn) };
}

/**
 * Opens the lab named by the raw config before the chaos program's modules load (≈ 0.4–0.6 s of require),
 * so the engine reads the lab and boots the provider host meanwhile. Nothing when the stack targets SSH
 * hosts or names no valid lab stack: the program then validates and opens it itself, with zod's message.
 */
export async function openLabEarly(raw: Record<string, unknown>): Promise<OpenedLab | undefined> {
  const labStack = raw.labStack ?? DEFAULT_LAB_STACK;
  if (raw.targets !== undefined || typeof labStack !== "string" || !LAB_STACK_PATTERN.test(labStack)) return undefined;
  const { lab, bootRequested } = openLab(labStack);
  await bootRequested;
  return lab;
}
