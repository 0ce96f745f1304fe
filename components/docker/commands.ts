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
    `${sh(dockerRunArgs(spec))} >/dev/null || { rc=$?; docker rm -f -v ${name} >/dev/null 2>&1 || true; exit "$rc"; }`,
    // The address the lab's inventory reports; containers keep it across restarts on a user network.
    `docker inspect -f ${sh([`{{(index .NetworkSettings.Networks "${spec.network}").IPAddress}}`])} ${name}`,
  ].join("\n");
}

/** Delete script: idempotent (absent container is fine), removes anonymous volumes too. */
export function containerDeleteScript(name: string): string {
  return `docker rm -f -v ${sh([name])} >/dev/null 2>&1 || true`;
}

export function networkCreateScript(name: string, labels: Labels): string {
  return [
    `if ! docker network inspect ${sh([name])} >/dev/null 2>&1; then`,
    `  ${sh(["docker", "network", "create", "--driver", "bridge", ...labelArgs(labels), name])} >/dev/null`,
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
