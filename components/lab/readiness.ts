// The lab's readiness wait as a resource: a command.local.Command running readiness-run.ts.
import * as path from "path";
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { readinessArgsSchema, readinessResultSchema, type ReadinessArgs } from "./readiness-wait";

/** Where the repository is: the readiness command runs from there (node_modules, its own script). */
const REPO_ROOT = path.resolve(__dirname, "..", "..");

/**
 * The wait for a healthy lab as a command.local.Command: its create runs readiness-run.ts (waitForLab);
 * `triggers` (the members' container ids) replace it — so the wait runs again — whenever a member is
 * recreated. The password travels in its environment, a secret, so its stdout is stored as a secret
 * too; that stdout holds no password (readinessResultSchema), hence the unsecret.
 */
export function labReadiness(name: string, args: Omit<ReadinessArgs, "password"> & { password: pulumi.Input<string>; generation: pulumi.Input<string> }, opts?: pulumi.CustomResourceOptions) {
  const { password, generation, ...plain } = args;
  const wait = new command.local.Command(name, {
    create: "exec node --require tsx/cjs components/lab/readiness-run.ts",
    dir: REPO_ROOT,
    environment: { PGCHAOS_READINESS: JSON.stringify(readinessArgsSchema.parse(plain)), PGCHAOS_READINESS_PASSWORD: pulumi.secret(password) },
    triggers: [generation],
  }, opts);
  const result = pulumi.unsecret(wait.stdout).apply((out) => {
    try {
      return readinessResultSchema.parse(JSON.parse(out));
    } catch (e) {
      throw new Error(`readiness command (${name}) printed ${JSON.stringify(out.slice(0, 300))}, not its JSON result: ${(e as Error).message}`);
    }
  });
  return { command: wait, leader: result.leader, secondsToHealthy: result.secondsToHealthy };
}
