/**
 * Fault benchmark (prints figures; not a test): per fault kind, seconds from `pulumi up` start to the
 * fault active and verified, and to its recovery; the same with verification off (what verification
 * adds); and the bare inject/recover scripts run directly (the floor), with the ratio.
 * Usage: npx tsx bench/faults.ts   (brings up its own lab stack on 36xxx ports, destroys it after)
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parse, stringify } from "yaml";
import { planFault } from "../chaos/faults/plan";
import { faultSpec } from "../chaos/faults/spec";
import { observe } from "../chaos/targets/live";
import { labMembers } from "../stacks/chaos";
import { labConfigSchema } from "../stacks/config";
import { fmt, PROJECT_DIR, timed } from "./util";

const id = Date.now().toString(36);
const lab = `bench-flt-${id}`;
const chaos = `${lab}-chaos`;
// Below the ephemeral range, where Pulumi's gRPC servers bind.
const ports = { readWrite: 29432, readOnly: 29433, haproxyStats: 29404, postgresBase: 29441, patroniRestBase: 29009, etcdClientBase: 29380 };
const FAULTS = [
  { name: "b-loss", kind: "loss", target: "pg2", peers: ["haproxy"], percent: 30 },
  { name: "b-delay", kind: "delay", target: "pg2", peers: ["haproxy"], delayMs: 100 },
  { name: "b-reset", kind: "reset", target: "pg2", peers: ["haproxy"], ports: [5432] },
  { name: "b-part", kind: "partition", groupA: ["pg3"], groupB: ["etcd1"] },
  { name: "b-cpu", kind: "stress", target: "pg3", resource: "cpu", workers: 1 },
  { name: "b-stop", kind: "node-stop", target: "any-replica", mode: "kill" },
  { name: "b-etcd", kind: "etcd-outage", variant: "stop", members: 1 },
];

const stackFile = path.join(PROJECT_DIR, `Pulumi.${chaos}.yaml`);
function setChaos(faults: unknown[], verify: boolean): void {
  const doc = parse(fs.readFileSync(stackFile, "utf8")) as { config: Record<string, unknown> };
  doc.config["pgchaos:faults"] = faults;
  doc.config["pgchaos:verify"] = verify;
  fs.writeFileSync(stackFile, stringify(doc));
}
const up = (stack: string) => timed("pulumi", ["up", "--yes", "--skip-preview", "--non-interactive", "--stack", stack]);

async function main(): Promise<void> {
  timed("pulumi", ["stack", "init", lab, "--non-interactive"]);
  timed("pulumi", ["stack", "init", chaos, "--non-interactive"]);
  try {
    for (const [k, v] of Object.entries(ports)) timed("pulumi", ["config", "set", "--path", `pgchaos:ports.${k}`, String(v), "--stack", lab]);
    timed("pulumi", ["config", "set", "--path", "pgchaos:monitoring.enabled", "false", "--stack", lab]);
    timed("pulumi", ["config", "set", "pgchaos:kind", "chaos", "--stack", chaos]);
    timed("pulumi", ["config", "set", "pgchaos:labStack", lab, "--stack", chaos]);
    up(lab);
    const outputs = JSON.parse(timed("pulumi", ["stack", "output", "--json", "--show-secrets", "--stack", lab]).stdout);
    const { members, endpoints } = labMembers(outputs.inventory);
    const rows: string[] = [];
    for (const raw of FAULTS) {
      setChaos([raw], true);
      const inj = up(chaos);
      const verification = JSON.parse(timed("pulumi", ["stack", "output", "faults", "--json", "--stack", chaos]).stdout)[0].verification;
      setChaos([], true);
      const rec = up(chaos);
      setChaos([raw], false);
      const injNoVerify = up(chaos);
      setChaos([], false);
      const recNoVerify = up(chaos);
      // The floor: the same plan's scripts run directly, no engine.
      const world = { members, live: await observe(endpoints, members) };
      const plan = planFault(faultSpec.parse(raw), { world, dcs: labConfigSchema.parse({}).dcs, defaultDurationSeconds: 600 });
      const t0 = Date.now();
      execFileSync("bash", ["-c", plan.inject], { stdio: "ignore" });
      const bareInject = (Date.now() - t0) / 1000;
      const t1 = Date.now();
      execFileSync("bash", ["-c", plan.recover], { stdio: "ignore" });
      const bareRecover = (Date.now() - t1) / 1000;
      rows.push(`${raw.kind.padEnd(12)} inject ${fmt(inj.seconds)} (verify ${verification?.seconds ?? "?"} s; without verify ${fmt(injNoVerify.seconds)}; bare ${fmt(bareInject)}; ratio ${(injNoVerify.seconds / Math.max(bareInject, 0.05)).toFixed(1)}×)` +
        ` | recover ${fmt(rec.seconds)} (without verify ${fmt(recNoVerify.seconds)}, bare ${fmt(bareRecover)}) | measured: ${verification?.measured ?? "-"}`);
      console.log(rows.at(-1));
    }
    console.log(`\nfault benchmark (${new Date().toISOString().slice(0, 10)}): seconds from \`pulumi up\` start to the fault active (verified) / recovered\n  ${rows.join("\n  ")}`);
  } finally {
    setChaos([], false);
    timed("pulumi", ["destroy", "--yes", "--skip-preview", "--non-interactive", "--stack", chaos]);
    timed("pulumi", ["destroy", "--yes", "--skip-preview", "--non-interactive", "--stack", lab]);
    timed("pulumi", ["stack", "rm", "--yes", "--force", "--stack", chaos]);
    timed("pulumi", ["stack", "rm", "--yes", "--force", "--stack", lab]);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
