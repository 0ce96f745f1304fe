/**
 * Pure builders of Docker CLI scripts for the lab's ShellCommand resources. Every dynamic value is
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

const labelArgs = (labels: Labels) => Object.entries(labels).flatMap(([k, v]) => ["--label", `${k}=${v}`]);

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

/** `docker run` words for a long-running lab member. */
export function dockerRunArgs(spec: ContainerSpec): string[] {
  return [
    "docker", "run", "-d",
    "--name", spec.name,
    "--hostname", spec.hostname,
    "--network", spec.network,
    "--network-alias", spec.hostname,
    "--restart", spec.restart ?? "no",
    ...labelArgs(spec.labels),
    ...(spec.user ? ["--user", spec.user] : []),
    ...(spec.memoryMiB ? ["--memory", `${spec.memoryMiB}m`, "--memory-swap", `${spec.memoryMiB}m`] : []),
    ...(spec.init ? ["--init"] : []),
    ...(spec.capAdd ?? []).flatMap((c) => ["--cap-add", c]),
    ...(spec.ports ?? []).flatMap((p) => ["-p", `127.0.0.1:${p.host}:${p.container}`]),
    ...(spec.volumes ?? []).flatMap((v) => ["-v", `${v.name}:${v.path}`]),
    ...Object.entries(spec.env ?? {}).flatMap(([k, v]) => ["-e", `${k}=${v}`]),
    ...(spec.secretEnv ?? []).flatMap((k) => ["-e", k]),
    spec.image,
    ...spec.command,
  ];
}

/**
 * Create script: replaces a leftover container of the same name only when it carries this stack's
 * label (a crashed earlier run); refuses to touch a foreign container.
 */
export function containerCreateScript(spec: ContainerSpec, ownerLabel: { key: string; value: string }): string {
  const name = sh([spec.name]);
  return [
    `owner=$(docker inspect -f ${sh([`{{index .Config.Labels "${ownerLabel.key}"}}`])} ${name} 2>/dev/null || true)`,
    `if docker inspect ${name} >/dev/null 2>&1; then`,
    `  if [ "$owner" != ${sh([ownerLabel.value])} ]; then echo "container ${spec.name} exists and is not ours (label ${ownerLabel.key}=$owner)" >&2; exit 1; fi`,
    `  docker rm -f -v ${name} >/dev/null`,
    `fi`,
    // A run that fails (e.g. a port already taken) can leave a "Created" container no state knows of.
    ...(spec.ipHost !== undefined ? [
      `subnet=$(docker network inspect -f '{{(index .IPAM.Config 0).Subnet}}' ${sh([spec.network])})`,
      `case "$subnet" in */24) ip="\${subnet%.*}.${spec.ipHost}" ;; *) echo "network ${spec.network} has subnet $subnet, not the /24 pgchaos creates: it predates fixed member addresses; run pulumi destroy, then up" >&2; exit 1 ;; esac`,
    ] : []),
    `${sh(dockerRunArgs(spec).slice(0, 3))}${spec.ipHost !== undefined ? ' --ip "$ip"' : ""} ${sh(dockerRunArgs(spec).slice(3))} >/dev/null || { rc=$?; docker rm -f -v ${name} >/dev/null 2>&1 || true; exit "$rc"; }`,
    // The address the lab's inventory reports (fixed for members: it survives restarts in any order).
    `docker inspect -f ${sh([`{{(index .NetworkSettings.Networks "${spec.network}").IPAddress}}`])} ${name}`,
  ].join("\n");
}

/** Delete script: idempotent (absent container is fine), removes anonymous volumes too. */
export function containerDeleteScript(name: string): string {
  return `docker rm -f -v ${sh([name])} >/dev/null 2>&1 || true`;
}

/** Where lab networks take their /24: 10.213.<x>.0/24, x chosen from the network's name, then the next free. */
export const LAB_SUBNET_POOL = "10.213";

/**
 * A /24 per lab: members get fixed addresses below .128 (memberHostNumber), Docker's own allocation for
 * other containers (monitoring) is confined to .128/25, so it can never take a stopped member's address.
 * Candidates start at a hash of the name; Docker refuses one overlapping another network, then the next.
 */
export function networkCreateScript(name: string, labels: Labels): string {
  const start = [...name].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 256, 7);
  const create = (x: string) => `${sh(["docker", "network", "create", "--driver", "bridge"])} --subnet "${LAB_SUBNET_POOL}.${x}.0/24" --ip-range "${LAB_SUBNET_POOL}.${x}.128/25" ${sh([...labelArgs(labels), name])}`;
  return [
    `if ! docker network inspect ${sh([name])} >/dev/null 2>&1; then`,
    `  created=0`,
    `  for i in $(seq 0 255); do x=$(( (${start} + i) % 256 )); if ${create("$x")} >/dev/null 2>&1; then created=1; break; fi; done`,
    `  [ "$created" = 1 ] || { echo "no free ${LAB_SUBNET_POOL}.x.0/24 for network ${name}: every candidate overlaps another Docker network" >&2; exit 1; }`,
    `fi`,
    `docker network inspect -f '{{(index .IPAM.Config 0).Subnet}}' ${sh([name])}`,
  ].join("\n");
}

export function networkDeleteScript(name: string): string {
  return `docker network rm ${sh([name])} >/dev/null 2>&1 || true`;
}

export function volumeCreateScript(name: string, labels: Labels): string {
  return `docker volume inspect ${sh([name])} >/dev/null 2>&1 || ${sh(["docker", "volume", "create", ...labelArgs(labels), name])} >/dev/null`;
}

export function volumeDeleteScript(name: string): string {
  return `docker volume rm -f ${sh([name])} >/dev/null 2>&1 || true`;
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
