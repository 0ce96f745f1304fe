// What an experiment runs against: the lab or a user's own cluster, resolved to members, endpoints and credentials.
import { SSH_KEY_VAR, SSH_KNOWN_HOSTS_VAR, sshMembers, targetsSchema, type Targets } from "../targets/inventory";
import { runControllerScript } from "../targets/live";
import { parseServiceLog } from "../targets/transport";
import type { Member } from "../targets/world";
import { labMembers } from "../../stacks/chaos";
import type { LogLine } from "../checkers/journal";
import { existingStack, labOutputs, type LabOutputs } from "./stacks";

/**
 * What an experiment runs against, whichever cluster it is: the lab (members reached with docker exec,
 * APIs on 127.0.0.1-published ports) or a user's own cluster from a chaos stack's `pgchaos:targets`
 * (members reached over SSH, APIs and PostgreSQL at the addresses the inventory gives). The runner only
 * talks to this; faults still go through the chaos stack named here.
 */
export interface PostgresNode {
  name: string;
  /** PostgreSQL as the controller reaches it directly (probes, row counts), not through HAProxy. */
  host: string;
  port: number;
  /** Patroni REST base URL. */
  rest: string;
}

export interface ExperimentTarget {
  /** For logs and reports: "lab stack dev", "cluster pgchaos (inventory of stack prod-chaos, over SSH)". */
  describe: string;
  /** The chaos stack the faults are applied through. */
  chaosStack: string;
  /** Lab: the lab stack the chaos stack is pointed at (the runner sets pgchaos:labStack); inventory: absent. */
  labStack?: string;
  patroni: PostgresNode[];
  etcd: Array<{ name: string; client: string }>;
  readWrite: { host: string; port: number };
  readOnly: { host: string; port: number };
  /** HAProxy base URL whose `/stats;csv` is read (stats uri /stats). */
  haproxyStats?: string;
  credentials: { user: string; password: string; database: string };
  /** Lab monitoring (Prometheus and the alert receiver), for alert delays. */
  monitoring?: LabOutputs["monitoring"];
  /** Chaos members with their transports: leftovers scan and log fetching. */
  members: Member[];
  /** How to remove chaos leftovers on this target. */
  doctorCommand: string;
}

/**
 * Which target: a lab stack (chaos stack `<lab>-chaos`), or a chaos stack — one holding `pgchaos:targets`
 * (a user's cluster) or one pointed at a lab with `pgchaos:labStack`.
 */
export type TargetSelector = { labStack: string } | { chaosStack: string };

export function labTarget(labStack: string, lab: LabOutputs, chaosStack = `${labStack}-chaos`): ExperimentTarget {
  const patroni = lab.inventory.filter((m) => m.kind === "patroni");
  return {
    describe: `lab stack ${labStack}`,
    chaosStack,
    labStack,
    patroni: patroni.map((m) => ({ name: m.name, host: "127.0.0.1", port: m.hostPorts.postgres, rest: `http://127.0.0.1:${m.hostPorts.rest}` })),
    etcd: lab.inventory.filter((m) => m.kind === "etcd").map((m) => ({ name: m.name, client: `http://127.0.0.1:${m.hostPorts.client}` })),
    readWrite: { host: "127.0.0.1", port: lab.ports.readWrite },
    readOnly: { host: "127.0.0.1", port: lab.ports.readOnly },
    haproxyStats: `http://127.0.0.1:${lab.ports.haproxyStats}`,
    credentials: { user: "postgres", password: lab.superuserPassword, database: "postgres" },
    monitoring: lab.monitoring,
    members: labMembers(lab.inventory).members,
    doctorCommand: `pgchaos doctor --fix --chaos-stack ${chaosStack}`,
  };
}

/**
 * A user's cluster from its chaos stack: the validated inventory, with the SSH key and the workload's
 * password read from the stack's secret config and put into this process's environment only (the
 * controller scripts read the key from there; it is never on a command line).
 */
export function inventoryTarget(chaosStack: string, targets: Targets, secrets: { sshPrivateKey: string; postgresPassword: string }): ExperimentTarget {
  if (!targets.workload) {
    throw new Error(`pgchaos:targets of stack ${chaosStack} has no \`workload\` (readWrite/readOnly: the HAProxy or VIP address the experiment's clients use): see docs/ssh-targets.md`);
  }
  useSshSecrets(targets, secrets.sshPrivateKey);
  const { members } = sshMembers(targets);
  const w = targets.workload;
  return {
    describe: `cluster ${targets.scope} (inventory of stack ${chaosStack}, over SSH)`,
    chaosStack,
    patroni: targets.hosts.filter((h) => h.runs === "patroni").map((h) => ({
      name: h.name, host: h.postgresHost ?? h.address, port: h.postgresPort, rest: h.restUrl!.replace(/\/+$/, ""),
    })),
    etcd: targets.hosts.filter((h) => h.runs === "etcd").map((h) => ({ name: h.name, client: h.clientUrl!.replace(/\/+$/, "") })),
    readWrite: w.readWrite,
    readOnly: w.readOnly,
    haproxyStats: w.haproxyStatsUrl?.replace(/\/+$/, ""),
    credentials: { user: w.user, password: secrets.postgresPassword, database: w.database },
    members,
    doctorCommand: `pgchaos doctor --fix --chaos-stack ${chaosStack}`,
  };
}

/** The controller scripts (withSshKey) read the key and known hosts from this process's environment. */
function useSshSecrets(targets: Targets, sshPrivateKey: string): void {
  process.env[SSH_KEY_VAR] = sshPrivateKey.replace(/\n$/, "");
  process.env[SSH_KNOWN_HOSTS_VAR] = targets.knownHosts.join("\n");
}

type ChaosStackConfig = { labStack: string } | { targets: Targets; sshPrivateKey: string; postgresPassword?: string };

/** Reads a chaos stack's lab or inventory (with its secrets) through the Automation API (the stack must exist). */
export async function readChaosStack(chaosStack: string): Promise<ChaosStackConfig> {
  const stack = await existingStack(chaosStack, `create it with \`pgchaos discover --set-stack ${chaosStack}\` (your cluster) or use --lab-stack`);
  const config = await stack.getAllConfig();
  const value = (key: string) => config[`pgchaos:${key}`]?.value;
  if (value("kind") !== "chaos") throw new Error(`stack ${chaosStack} is not a chaos stack (pgchaos:kind is ${value("kind") ?? "unset"})`);
  const raw = value("targets");
  if (!raw) return { labStack: value("labStack") ?? "dev" };
  const parsed = targetsSchema.safeParse(JSON.parse(raw));
  if (!parsed.success) throw new Error(`pgchaos:targets of stack ${chaosStack}: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  const sshPrivateKey = value("sshPrivateKey");
  if (!sshPrivateKey) throw new Error(`stack ${chaosStack}: pgchaos:sshPrivateKey is not set (pulumi config set --secret sshPrivateKey < key-file)`);
  return { targets: parsed.data, sshPrivateKey, postgresPassword: value("postgresPassword") };
}

export async function resolveTarget(selector: TargetSelector): Promise<ExperimentTarget> {
  if ("labStack" in selector) return labTarget(selector.labStack, await labOutputs(selector.labStack));
  const inv = await readChaosStack(selector.chaosStack);
  if ("labStack" in inv) return labTarget(inv.labStack, await labOutputs(inv.labStack), selector.chaosStack);
  if (!inv.postgresPassword) throw new Error(`stack ${selector.chaosStack}: pgchaos:postgresPassword is not set (the workload's password: pulumi config set --secret postgresPassword)`);
  return inventoryTarget(selector.chaosStack, inv.targets, { sshPrivateKey: inv.sshPrivateKey, postgresPassword: inv.postgresPassword });
}

/** Patroni and etcd log lines since `since` from every member, through its transport (docker logs or SSH). */
export async function fetchMemberLogs(members: Member[], since: number, keep: (text: string) => boolean): Promise<LogLine[]> {
  const lines: LogLine[] = [];
  await Promise.all(members.filter((m) => m.kind !== "haproxy").map(async (m) => {
    try {
      const out = await runControllerScript(m.transport.lifecycle.logs(since), 60_000);
      for (const l of parseServiceLog(out)) if (l.at >= since - 1000 && keep(l.text)) lines.push({ member: m.name, at: l.at, text: l.text.slice(0, 300) });
    } catch {
      // an unreachable member is simply absent from the excerpt
    }
  }));
  return lines.sort((a, b) => a.at - b.at);
}

/** Members and chaos stack of a target, without what only experiments need (doctor). */
export async function targetMembers(selector: TargetSelector): Promise<{ members: Member[]; chaosStack: string; describe: string }> {
  const chaos = "labStack" in selector ? { labStack: selector.labStack } : await readChaosStack(selector.chaosStack);
  const chaosStack = "chaosStack" in selector ? selector.chaosStack : `${selector.labStack}-chaos`;
  if ("labStack" in chaos) return labTarget(chaos.labStack, await labOutputs(chaos.labStack), chaosStack);
  const inv = chaos;
  useSshSecrets(inv.targets, inv.sshPrivateKey);
  return { members: sshMembers(inv.targets).members, chaosStack, describe: `cluster ${inv.targets.scope} (stack ${chaosStack}, over SSH)` };
}
