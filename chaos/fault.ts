import * as pulumi from "@pulumi/pulumi";
import { ShellCommand } from "../components/command/shell-command";
import type { FaultPlan } from "./faults/plan";

export interface Injection {
  member: string;
  /** Epoch seconds, read on the member (clock "member") or on the controller when the member is being stopped. */
  injectedAt: number;
  clock: "member" | "controller";
}

export function parseInjections(stdout: string): Injection[] {
  return stdout
    .split("\n")
    .filter((l) => l.startsWith("{") && l.includes('"injectedAt"'))
    .map((l) => JSON.parse(l) as Injection);
}

/**
 * One fault as a Pulumi resource: create injects, delete recovers (from the scripts stored at create),
 * refresh drops it when the watchdog already reverted it. Its identity is the spec: changing a parameter
 * recovers the old fault before injecting the new one (delete-before-replace), never both at once.
 */
export class Fault extends pulumi.ComponentResource {
  public readonly kind: pulumi.Output<string>;
  public readonly targets: pulumi.Output<string[]>;
  public readonly links: pulumi.Output<string[]>;
  public readonly mechanism: pulumi.Output<string>;
  public readonly expectedEffect: pulumi.Output<string>;
  public readonly injections: pulumi.Output<Injection[]>;
  public readonly injectCommand: pulumi.Output<string>;
  public readonly recoverCommand: pulumi.Output<string>;

  constructor(name: string, args: { plan: pulumi.Output<FaultPlan> }, opts?: pulumi.ComponentResourceOptions) {
    super("pgchaos:chaos:Fault", name, {}, opts);
    const { plan } = args;
    const command = new ShellCommand(`${name}-fault`, {
      create: plan.inject,
      delete: plan.recover,
      check: plan.check,
      diffKey: plan.apply((p) => JSON.stringify(p.spec)),
      pinKey: plan.apply((p) => JSON.stringify(p.targets)),
      // What the fault really did, stored with it: after a failover the program may resolve "primary"
      // elsewhere, but outputs must describe the fault as injected.
      metadata: plan.apply(({ kind, targets, links, mechanism, expectedEffect }) => ({ kind, targets, links, mechanism, expectedEffect })),
      timeoutSeconds: 180,
    }, { parent: this });
    const meta = command.metadata as pulumi.Output<Pick<FaultPlan, "kind" | "targets" | "links" | "mechanism" | "expectedEffect">>;
    this.kind = meta.kind;
    this.targets = meta.targets;
    this.links = meta.links;
    this.mechanism = meta.mechanism;
    this.expectedEffect = meta.expectedEffect;
    this.injections = command.stdout.apply((out) => parseInjections(out ?? ""));
    this.injectCommand = command.create;
    this.recoverCommand = command.delete.apply((d) => d ?? "");
    this.registerOutputs({ targets: this.targets, mechanism: this.mechanism, injections: this.injections });
  }
}
