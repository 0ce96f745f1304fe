// A new chaos stack takes its lab's passphrase salt, so one `pulumi up` derives the secrets key once, not twice.
import * as fs from "fs";
import * as path from "path";
import { parseDocument } from "yaml";

/**
 * Why: the passphrase secrets manager derives its key with 1,000,000 PBKDF2 rounds per salt, and a chaos
 * `up` needed two (its own stack's config, then the lab's outputs for the StackReference): 370 ms of the
 * CLI's 480 ms CPU in a profiled one-fault `up`, both on its critical path. The CLI keeps one secrets
 * manager per salt, so a chaos stack with its lab's salt derives once. Same passphrase, as the runner
 * already uses for both; `pulumi stack init` keeps a salt already in the stack's file. Only a stack not
 * created yet is given one: changing an existing stack's salt would orphan its encrypted values.
 * Returns whether the salt was written.
 */
export function adoptLabSalt(projectDir: string, labStack: string, chaosStack: string): boolean {
  const file = (stack: string) => path.join(projectDir, `Pulumi.${stack}.yaml`);
  const read = (f: string) => (fs.existsSync(f) ? parseDocument(fs.readFileSync(f, "utf8")) : undefined);
  const lab = read(file(labStack));
  const salt = lab?.get("encryptionsalt");
  if (typeof salt !== "string" || lab?.get("secretsprovider") !== undefined) return false; // not a passphrase stack
  const chaos = read(file(chaosStack)) ?? parseDocument("");
  if (chaos.get("encryptionsalt") !== undefined || chaos.get("secretsprovider") !== undefined) return false;
  chaos.set("encryptionsalt", salt);
  fs.writeFileSync(file(chaosStack), chaos.toString());
  return true;
}
