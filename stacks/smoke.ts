// The smallest proof that create/delete semantics work with our engine build (used by the e2e test).
import * as command from "@pulumi/command";
import { sh } from "../components/docker/commands";

/** The smallest proof that create/delete semantics work with our engine build (used by the e2e test). */
export function smokeProgram(file: string) {
  const cmd = new command.local.Command("smoke-file", {
    create: `echo created-by-pgchaos > ${sh([file])} && cat ${sh([file])}`,
    delete: `rm -f ${sh([file])}`,
  });
  return { file, content: cmd.stdout };
}
