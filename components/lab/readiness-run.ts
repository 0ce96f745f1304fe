/**
 * The lab's readiness command (run by the `readiness` local.Command, see labReadiness): waits for a
 * healthy cluster and prints the result as JSON. Arguments come from PGCHAOS_READINESS (JSON), the
 * superuser password from PGCHAOS_READINESS_PASSWORD; a timeout exits non-zero with the reasons.
 */
import { readinessArgsSchema, waitForLab } from "./readiness";

async function main(): Promise<void> {
  const args = readinessArgsSchema.parse(JSON.parse(process.env.PGCHAOS_READINESS ?? "null"));
  const password = process.env.PGCHAOS_READINESS_PASSWORD;
  if (!password) throw new Error("PGCHAOS_READINESS_PASSWORD is empty: the readiness command needs the superuser password");
  process.stdout.write(`${JSON.stringify(await waitForLab({ ...args, password }))}\n`);
}

main().catch((e: Error) => {
  process.stderr.write(`${e.message}\n`);
  process.exit(1);
});
