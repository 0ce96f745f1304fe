// One fault at a time per link across an update: a conflicting new fault takes the old one over as its alias.
import { execFile } from "child_process";
import * as path from "path";
import { promisify } from "util";
import { checkpointText } from "../experiments/state-sidecars";

/**
 * One fault at a time per link, also across an update. Pulumi deletes resources that left the program
 * only at the end of an update, after creating the new ones: a fault replaced by a conflicting one under
 * another name (d10 → d100 on the same member) would be injected while the old one still acts. So a new
 * fault that conflicts with a fault leaving the state takes it over as its predecessor (a Pulumi alias):
 * the engine then sees one resource whose identity changed, and replaces it delete-before-replace —
 * the old fault is recovered and verified gone before the new one is injected.
 */

export interface StateFault {
  name: string;
  conflictKeys: string[];
}

/** Faults in the stack's state (its last deployment), with the conflict keys stored at inject. */
export function stateFaultsOf(deployment: { resources?: Array<{ type: string; outputs?: Record<string, any> }> } | undefined): StateFault[] {
  return (deployment?.resources ?? [])
    .filter((r) => r.type === "pulumi-nodejs:dynamic/pgchaos:Fault" && typeof r.outputs?.name === "string")
    .map((r) => ({ name: r.outputs!.name as string, conflictKeys: Array.isArray(r.outputs!.conflictKeys) ? r.outputs!.conflictKeys : [] }));
}

/**
 * For each planned fault, the leaving fault it takes over (or undefined), and the conflicts that cannot be
 * ordered: a leaving fault claimed by two new ones, or a new fault conflicting with two leaving ones.
 */
export function successions(state: StateFault[], planned: StateFault[]): { predecessors: Array<string | undefined>; conflicts: string[] } {
  const staying = new Set(planned.map((p) => p.name));
  const leaving = state.filter((s) => !staying.has(s.name));
  const claimed = new Map<string, string>();
  const conflicts: string[] = [];
  const predecessors = planned.map((p) => {
    if (state.some((s) => s.name === p.name)) return undefined; // the same resource: its own diff orders it
    const hits = leaving.filter((s) => s.conflictKeys.some((k) => p.conflictKeys.includes(k)));
    if (hits.length > 1) conflicts.push(`fault ${p.name} conflicts with ${hits.map((h) => h.name).join(" and ")}, still in state: remove them in one \`pulumi up\`, then add ${p.name}`);
    const old = hits[0];
    if (!old) return undefined;
    const taken = claimed.get(old.name);
    if (taken) {
      conflicts.push(`faults ${taken} and ${p.name} both conflict with ${old.name}, still in state: add one of them in a later \`pulumi up\``);
      return undefined;
    }
    claimed.set(old.name, p.name);
    return old.name;
  });
  return { predecessors, conflicts };
}

/** The project's directory: the CLI finds the stack through its Pulumi.yaml (an inline program's process may run elsewhere). */
const PROJECT_DIR = path.resolve(__dirname, "..", "..");

type Deployment = { resources?: Array<{ type: string; outputs?: Record<string, any> }> };

/**
 * The current stack's last deployment. From a local file backend it is read from the checkpoint file
 * itself (a `pulumi stack export` is one more CLI start, ≈ 0.5–1.7 s per toggle measured in bench/toggle.ts);
 * from any other backend, with the CLI that runs this program.
 */
export async function readOwnDeployment(stack: string, project = "pgchaos", backendUrl = process.env.PULUMI_BACKEND_URL): Promise<Deployment | undefined> {
  const text = checkpointText(project, stack, backendUrl);
  if (text !== undefined) return (JSON.parse(text) as { checkpoint?: { latest?: Deployment | null } }).checkpoint?.latest ?? undefined;
  const { stdout } = await promisify(execFile)("pulumi", ["stack", "export", "--stack", stack], { cwd: PROJECT_DIR, maxBuffer: 64 * 1024 * 1024, timeout: 60_000 });
  return (JSON.parse(stdout) as { deployment?: Deployment }).deployment;
}
