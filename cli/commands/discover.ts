// pgchaos discover: a draft inventory from a running cluster.
import type { Command } from "commander";
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import * as readline from "readline/promises";
import { stringify } from "yaml";
import { discover } from "../../chaos/targets/discover";
import { PROJECT_DIR, pulumiCommand } from "../../chaos/experiments/stacks";

/** host:port → { host, port }, validated (the inventory's zod schema checks it again). */
function hostPort(value: string): { host: string; port: number } {
  const m = /^(.+):(\d{1,5})$/.exec(value);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) throw new Error(`${value}: expected host:port with port 1-65535`);
  return { host: m[1], port: Number(m[2]) };
}

export function registerDiscover(program: Command): void {
  program
    .command("discover")
    .description("draft an inventory (pgchaos:targets) from one Patroni REST address and one etcd client URL; review it, then store it with --set-stack")
    .requiredOption("--patroni <url>", "one Patroni member's REST API, e.g. http://10.0.0.5:8008 (reads /cluster and /patroni)")
    .option("--etcd <url>", "one etcd client URL, e.g. http://10.0.0.2:2379 (reads the member list)")
    .option("--ssh-user <user>", "SSH user on every host", "admin")
    .option("--ssh-port <port>", "SSH port on every host", "22")
    .option("--no-sudo", "the SSH user is root (default: passwordless sudo)")
    .option("--read-write <host:port>", "the workload's read-write address (HAProxy or VIP)")
    .option("--read-only <host:port>", "the workload's read-only address")
    .option("--set-stack <name>", "after confirmation, store the draft as pgchaos:targets of this chaos stack (created when missing)")
    .option("--yes", "with --set-stack: do not ask")
    .action(async (opts: { patroni: string; etcd?: string; sshUser: string; sshPort: string; sudo: boolean; readWrite?: string; readOnly?: string; setStack?: string; yes?: boolean }) => {
      if (!!opts.readWrite !== !!opts.readOnly) program.error("--read-write and --read-only go together");
      const workload = opts.readWrite && opts.readOnly ? { readWrite: hostPort(opts.readWrite), readOnly: hostPort(opts.readOnly) } : undefined;
      const draft = await discover(opts.patroni, opts.etcd, { user: opts.sshUser, sshPort: Number(opts.sshPort), sudo: opts.sudo, lifecycle: "systemd", workload });
      console.log(stringify({ "pgchaos:targets": draft.targets ?? draft.draft }).trimEnd());
      for (const n of draft.notes) console.log(`# check: ${n}`);
      for (const p of draft.problems) console.log(`# not valid yet: ${p}`);
      if (!opts.setStack) return;
      if (!draft.targets) program.error(`not stored in ${opts.setStack}: the draft is not valid yet (see "# not valid yet"); edit it and set pgchaos:targets by hand`, { exitCode: 2 });
      if (!opts.yes) {
        const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
        const answer = await rl.question(`store this as pgchaos:targets of stack ${opts.setStack}? [y/N] `);
        rl.close();
        if (!/^y(es)?$/i.test(answer.trim())) {
          console.log("not stored");
          return;
        }
      }
      const stack = await LocalWorkspace.createOrSelectStack({ stackName: opts.setStack, workDir: PROJECT_DIR }, { pulumiCommand: await pulumiCommand() });
      await stack.setConfig("pgchaos:kind", { value: "chaos" });
      await stack.setConfig("pgchaos:targets", { value: JSON.stringify(draft.targets!) });
      console.log(`stored in stack ${opts.setStack}; next: pulumi config set --secret sshPrivateKey < key-file -s ${opts.setStack}, then pulumi preview -s ${opts.setStack} (preflight)`);
    });
}
