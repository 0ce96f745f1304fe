/**
 * Lab benchmark (prints figures; not a test): cold `pulumi up` (base and lab images absent, Go tools
 * cached), warm `pulumi up` (images cached) to healthy, `pulumi destroy`, and the lab's memory at rest.
 * Usage: npx tsx bench/lab.ts [--cold]   (--cold deletes the local images first: minutes of rebuild)
 */
import { fmt, labMemoryMiB, timed } from "./util";

const stack = `bench-lab-${Date.now().toString(36)}`;
// Below the ephemeral range, where Pulumi's gRPC servers bind.
const ports = { readWrite: 28432, readOnly: 28433, haproxyStats: 28404, postgresBase: 28441, patroniRestBase: 28009, etcdClientBase: 28380 };
const monitoringPorts = { prometheus: 28090, alertmanager: 28093, receiver: 28094 };
const pulumi = (...args: string[]) => timed("pulumi", [...args, "--stack", stack, "--non-interactive"]);

function main(): void {
  const cold = process.argv.includes("--cold");
  timed("pulumi", ["stack", "init", stack, "--non-interactive"]);
  try {
    for (const [k, v] of Object.entries(ports)) pulumi("config", "set", "--path", `pgchaos:ports.${k}`, String(v));
    for (const [k, v] of Object.entries(monitoringPorts)) pulumi("config", "set", "--path", `pgchaos:monitoring.ports.${k}`, String(v));
    const figures: string[] = [];
    if (cold) {
      const images = timed("docker", ["images", "-q", "--filter", "reference=pgchaos/*"]).stdout.trim().split("\n").filter(Boolean);
      if (images.length) timed("docker", ["rmi", "-f", ...images]);
      timed("docker", ["rmi", "-f", "debian:bookworm-slim"]);
      const setup = timed("bash", ["scripts/setup.sh"]);
      figures.push(`setup rebuilding the base image (debootstrap + import): ${fmt(setup.seconds)}`);
      const up = pulumi("up", "--yes", "--skip-preview");
      figures.push(`cold pulumi up (lab images absent) to healthy: ${fmt(up.seconds)}`);
      pulumi("destroy", "--yes", "--skip-preview");
    }
    const warm = pulumi("up", "--yes", "--skip-preview");
    figures.push(`warm pulumi up (images cached) to healthy: ${fmt(warm.seconds)}`);
    const noop = pulumi("up", "--yes", "--skip-preview");
    figures.push(`second pulumi up (no changes): ${fmt(noop.seconds)}`);
    // Let the members settle (checkpoints, initial WAL) before reading memory at rest.
    timed("sleep", ["20"]);
    const mem = labMemoryMiB(`pgchaos.stack=pgchaos/${stack}`);
    figures.push(`lab memory at rest (sum of docker stats, ${Object.keys(mem.perContainer).length} containers): ${mem.total.toFixed(0)} MiB`);
    for (const [n, v] of Object.entries(mem.perContainer)) figures.push(`    ${n}: ${v.toFixed(0)} MiB`);
    const destroy = pulumi("destroy", "--yes", "--skip-preview");
    figures.push(`pulumi destroy: ${fmt(destroy.seconds)}`);
    console.log(`lab benchmark (${new Date().toISOString().slice(0, 10)}, ${process.env.HOSTNAME ?? "this host"}):\n  ${figures.join("\n  ")}`);
  } finally {
    timed("pulumi", ["destroy", "--yes", "--skip-preview", "--stack", stack, "--non-interactive"]);
    timed("pulumi", ["stack", "rm", "--yes", "--force", "--stack", stack]);
  }
}

main();
