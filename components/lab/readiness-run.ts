// The lab's readiness command: waits for a healthy cluster and prints the result as JSON.
/**
 * The lab's readiness command (run by the `readiness` local.Command, see labReadiness): waits for a
 * healthy cluster and prints the result as JSON. Arguments come from PGCHAOS_READINESS (JSON), the
 * superuser password from PGCHAOS_READINESS_PASSWORD; a timeout exits non-zero with the reasons.
 */
import { readinessArgsSchema, waitForLab } from "./readiness-wait";

async function main(): Promise<void> {
  const args = readinessArgsSchema.parse(JSON.parse(process.env.PGCHAOS_READINESS ?? "null"));
  const password = process.env.PGCHAOS_READINESS_PASSWORD;
  if (!password) throw new Error("PGCHAOS_READINESS_PASSWORD is empty: the readiness command needs the superuser password");
  process.stdout.write(`${JSON.stringify(await waitForLab({ ...args, password }))}\n`);
  printed = true;
}

// Node exits 0 when its event loop empties under a promise that never settles (a pg client whose end()
// waits for a socket already gone did that in CI): without a result, that is a failure, never success.
let printed = false;
process.on("beforeExit", () => {
  if (printed) return;
  process.stderr.write("readiness wait ended without a result (a promise never settled): failing rather than reporting a healthy lab\n");
  process.exit(1);
});

main().catch((e: Error) => {
  process.stderr.write(`${e.message}\n`);
  process.exit(1);
});
