import * as fs from "fs";
import * as path from "path";
import { parse, stringify } from "yaml";
import { queryPostgres } from "../../components/lab/postgres";
import { judgeCluster, type ReplicationRow } from "../../components/lab/health";
import type { PatroniMember } from "../../components/patroni/rest";
import { tcpProbeScript, usageProbeScript, type TcpProbeResult, type UsageSample } from "../../chaos/faults/probes";
import { DockerExecTransport } from "../../chaos/targets/transport";
import { must, PROJECT_DIR, run, TestStack } from "./engine";

export interface InventoryMember {
  name: string;
  kind: "etcd" | "patroni" | "haproxy";
  container: string;
  ip: string;
  ports: Record<string, number>;
  hostPorts: Record<string, number>;
}

/** A throwaway lab stack plus a chaos stack that references it, as a user would run them. */
export class ChaosLab {
  inventory: InventoryMember[] = [];
  password = "";

  constructor(public readonly lab: TestStack, public readonly chaos: TestStack, public readonly ports: Record<string, number>) {}

  /** `labConfig`: more lab keys (e.g. `pgchaos:ssh.enabled`), set with --path. */
  static create(prefix: string, ports: Record<string, number>, labConfig: Record<string, string> = {}): ChaosLab {
    const lab = TestStack.create(`${prefix}-lab`, { ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [`pgchaos:ports.${k}`, String(v)])), ...labConfig });
    const chaos = TestStack.create(`${prefix}-chaos`, { "pgchaos:kind": "chaos", "pgchaos:labStack": lab.name });
    const cl = new ChaosLab(lab, chaos, ports);
    try {
      lab.up();
    } catch (e) {
      cl.dispose(); // the caller never gets the lab, so its afterAll cannot remove what the failed up created
      throw e;
    }
    const out = lab.outputs();
    cl.inventory = out.inventory as InventoryMember[];
    cl.password = out.superuserPassword as string;
    return cl;
  }

  member(name: string): InventoryMember {
    const m = this.inventory.find((x) => x.name === name);
    if (!m) throw new Error(`no member ${name}`);
    return m;
  }

  /** Replaces the chaos stack's `pgchaos:faults` (the stack's YAML, as a user edits it). */
  setFaults(faults: unknown[]): void {
    const file = path.join(PROJECT_DIR, `Pulumi.${this.chaos.name}.yaml`);
    const doc = parse(fs.readFileSync(file, "utf8")) as { config: Record<string, unknown> };
    doc.config["pgchaos:faults"] = faults;
    fs.writeFileSync(file, stringify(doc));
  }

  applyFaults(faults: unknown[]): Record<string, any> {
    this.setFaults(faults);
    this.chaos.up();
    return this.chaos.outputs();
  }

  /** Runs a member-side script (as root) and returns its stdout. */
  exec(member: string, script: string): string {
    return must("bash", ["-c", new DockerExecTransport(this.member(member).container).exec(script)], { timeoutMs: 120_000 }).trim();
  }

  tcpProbe(from: string, to: string, port: number, count: number, timeoutMs: number, concurrency = 1): TcpProbeResult {
    return JSON.parse(this.exec(from, tcpProbeScript(this.member(to).ip, port, count, timeoutMs, concurrency)));
  }

  usage(member: string, seconds: number): UsageSample {
    return JSON.parse(this.exec(member, usageProbeScript(seconds)));
  }

  containerState(member: string): string {
    return must("docker", ["inspect", "-f", "{{if .State.Paused}}paused{{else if .State.Running}}running{{else}}stopped{{end}}", this.member(member).container]).trim();
  }

  /** Patroni's view from the first member that answers; throws (with each member's error) when none does. */
  async cluster(): Promise<PatroniMember[]> {
    const errors: string[] = [];
    for (const m of this.inventory.filter((x) => x.kind === "patroni")) {
      try {
        const res = await fetch(`http://127.0.0.1:${m.hostPorts.rest}/cluster`, { signal: AbortSignal.timeout(1500) });
        if (res.ok) return ((await res.json()) as { members: PatroniMember[] }).members;
        errors.push(`${m.name}: HTTP ${res.status}`);
      } catch (e) {
        errors.push(`${m.name}: ${(e as Error).message}`);
      }
    }
    throw new Error(`no Patroni member answered /cluster: ${errors.join("; ")}`);
  }

  /** The leader; undefined when the cluster answers without one. `orNone`: also when no member answers (polling). */
  async leader(orNone = false): Promise<string | undefined> {
    const members = orNone ? await this.cluster().catch(() => []) : await this.cluster();
    return members.find((m) => m.role === "leader")?.name;
  }

  /** Waits until Patroni reports one leader and every node running/streaming (replication via the leader's REST). */
  async waitHealthy(timeoutMs = 120_000): Promise<number> {
    const t0 = Date.now();
    const names = this.inventory.filter((m) => m.kind === "patroni").map((m) => m.name);
    let last = "";
    while (Date.now() - t0 < timeoutMs) {
      const members = await this.cluster().catch((e: Error) => { last = e.message; return undefined; });
      if (!members) {
        await new Promise((r) => setTimeout(r, 1000));
        continue;
      }
      const leader = members.find((m) => m.role === "leader")?.name;
      const replication = leader ? await this.query(leader, "select application_name, state from pg_stat_replication").catch(() => undefined) : undefined;
      const v = judgeCluster(names, members, replication as ReplicationRow[] | undefined);
      if (v.healthy) return Date.now() - t0;
      last = v.problems.join("; ");
      await new Promise((r) => setTimeout(r, 1000));
    }
    throw new Error(`cluster not healthy after ${timeoutMs} ms: ${last}`);
  }

  /** A query straight to one PostgreSQL node (its 127.0.0.1-published port). */
  async query(member: string, sql: string, params: unknown[] = []): Promise<any[]> {
    return queryPostgres({ host: "127.0.0.1", port: this.member(member).hostPorts.postgres, password: this.password }, sql, params);
  }

  /** The member's pgchaos iptables lines; a failing iptables read fails (it is never "no rules"). */
  chainsOn(member: string): string {
    return this.exec(member, "rules=$(iptables -w -S)\nprintf '%s\\n' \"$rules\" | { grep -i pgc || true; }");
  }

  dispose(): void {
    this.chaos.dispose();
    this.lab.dispose();
    run("rm", ["-f", path.join(PROJECT_DIR, `Pulumi.${this.chaos.name}.yaml`), path.join(PROJECT_DIR, `Pulumi.${this.lab.name}.yaml`)]);
  }
}
