import * as fs from "fs";
import * as path from "path";
import { ChaosLab } from "./chaos-lab";
import { engineEnv, PROJECT_DIR, requireEngineAndDocker, run, TestStack } from "./engine";

/** A lab (monitoring off) for tests that drive the experiment runner from the test process, healthy. */
export async function createRunnerLab(prefix: string, ports: Record<string, number>): Promise<ChaosLab> {
  requireEngineAndDocker();
  Object.assign(process.env, engineEnv()); // the runner drives the engine from this process
  const lab = ChaosLab.create(prefix, ports, { "pgchaos:monitoring.enabled": "false" });
  await lab.waitHealthy();
  return lab;
}

/** Removes the runner's own chaos stack (<lab>-chaos, next to the helper's), its config file, then the lab. */
export function disposeRunnerLab(lab: ChaosLab | undefined): void {
  if (lab && run("pulumi", ["stack", "ls", "--json"]).stdout.includes(`"${lab.lab.name}-chaos"`)) new TestStack(`${lab.lab.name}-chaos`).dispose();
  fs.rmSync(path.join(PROJECT_DIR, `Pulumi.${lab?.lab.name}-chaos.yaml`), { force: true });
  lab?.dispose();
}
