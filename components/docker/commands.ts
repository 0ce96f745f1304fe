// Pure builders of the lab's Docker and shell scripts, every dynamic value quoted.
/**
 * Pure builders of the lab's Docker and shell scripts. Every dynamic value is
 * passed through `quote`, and secrets are never put on a command line: they are named with `-e NAME`
 * and taken from the script's environment.
 */

/** Words that need no quoting in bash (no `=`: a first word with it would be an assignment). */
const BARE_WORD = /^[A-Za-z0-9_\/.,:@%+-]+$/;

/**
 * POSIX single-quoting, hand-rolled because shell-quote switches to double quotes when a word holds a
 * single quote and then escapes `!` as `\!`, which bash keeps literally (it turned `$!` into `$\!`).
 */
export const shellWord = (word: string): string => (BARE_WORD.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`);

export const sh = (words: Array<string | number>): string => words.map((w) => shellWord(String(w))).join(" ");

export interface Labels {
  [key: string]: string;
}


export interface PublishedPort {
  host: number;
  container: number;
}

export interface ContainerSpec {
  name: string;
  image: string;
  hostname: string;
  network: string;
  /** Fixed address: this host number on the network's /24 (see memberHostNumber); else Docker picks one. */
  ipHost?: number;
  labels: Labels;
  /** Plain (non-secret) environment values. */
  env?: Record<string, string>;
  /** Names of variables whose values come from the script's (secret) environment. */
  secretEnv?: string[];
  /** Always published on 127.0.0.1 only. */
  ports?: PublishedPort[];
  volumes?: Array<{ name: string; path: string }>;
  user?: string;
  memoryMiB?: number;
  capAdd?: string[];
  init?: boolean;
  /** Docker's restart policy; lab members use "no" so a stopped member stays stopped (a fault). */
  restart?: "no" | "on-failure";
  command: string[];
}

/** Where lab networks take their /24: 10.213.<x>.0/24, x chosen from the network's name, then the next free. */
export const LAB_SUBNET_POOL = "10.213";

/** The /24 a lab network starts its search at (a hash of its name), so labs rarely collide. */
export const subnetSearchStart = (name: string): number => [...name].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 256, 7);

/**
 * Script (a local.Command's create) that prints the first 10.213.x.0/24 from the name's hash on that
 * overlaps no IPv4 subnet of an existing Docker network. The docker.Network is then created with it:
 * members get fixed addresses below .128 (memberHostNumber), Docker's own allocation for other
 * containers (monitoring) is confined to .128/25, so it can never take a stopped member's address.
 */
export function subnetPickScript(name: string): string {
  return [
    "set -eu",
    `ids=$(docker network ls -q)`,
    `{ [ -z "$ids" ] || docker network inspect -f '{{range .IPAM.Config}}{{.Subnet}} {{end}}' $ids; } | awk ${shellWord(subnetPickAwk(name))}`,
  ].join("\n");
}

/** The picker's awk program: reads subnets (words a.b.c.d/n), prints the first free candidate /24. */
export function subnetPickAwk(name: string): string {
  return [
    "function ip(a, p) { split(a, p, \".\"); return ((p[1] * 256 + p[2]) * 256 + p[3]) * 256 + p[4] }",
    "{ for (i = 1; i <= NF; i++) if ($i ~ /^[0-9.]+\\/[0-9]+$/) { split($i, c, \"/\"); lo[++n] = ip(c[1]); hi[n] = lo[n] + 2 ^ (32 - c[2]) - 1 } }",
    `END { for (k = 0; k < 256; k++) { x = (${subnetSearchStart(name)} + k) % 256; s = ip("${LAB_SUBNET_POOL}." x ".0"); e = s + 255; free = 1;`,
    "  for (j = 1; j <= n; j++) if (s <= hi[j] && lo[j] <= e) free = 0;",
    `  if (free) { print "${LAB_SUBNET_POOL}." x ".0/24"; exit 0 } } print "no free ${LAB_SUBNET_POOL}.x.0/24: every candidate overlaps a Docker network" > "/dev/stderr"; exit 1 }`,
  ].join("\n");
}

/** The member's fixed address on the lab's /24 (host number from memberHostNumber). */
export function memberAddress(subnet: string, hostNumber: number): string {
  const m = /^(\d+\.\d+\.\d+)\.0\/24$/.exec(subnet);
  if (!m) throw new Error(`subnet ${JSON.stringify(subnet)}: not the /24 pgchaos creates (a network from before fixed member addresses: run pulumi destroy, then up)`);
  return `${m[1]}.${hostNumber}`;
}

/** Builds an image only when the tag (a hash of its inputs) is not already present. */
export function imageBuildScript(tag: string, contextDir: string, buildArgs: Record<string, string> = {}): string {
  const args = Object.entries(buildArgs).flatMap(([k, v]) => ["--build-arg", `${k}=${v}`]);
  return [
    `if ! docker image inspect ${sh([tag])} >/dev/null 2>&1; then`,
    `  ${sh(["docker", "build", "-q", ...args, "-t", tag, contextDir])} >/dev/null`,
    `fi`,
    `echo ${sh([tag])}`,
  ].join("\n");
}
