// Pulumi entry point: validates the stack's config and builds the lab (or another program kind).
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, selectProgram } from "./stacks";

let outputs: Record<string, unknown>;
try {
  outputs = selectProgram();
} catch (e) {
  // A config error is the user's to fix: show it plainly, without a stack trace.
  if (e instanceof ConfigError) throw new pulumi.RunError(e.message);
  throw e;
}
module.exports = outputs;
