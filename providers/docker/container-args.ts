/**
 * Pure translation of docker.Container inputs (the subset the stand-in implements) into `docker run`
 * words. Environment values never reach the command line: `-e NAME` takes each from the process
 * environment the caller builds (`containerRunEnv`), so secrets stay out of `ps` and logs.
 */
export interface ContainerInputs {
  name: string;
  image: string;
  hostname?: string;
  command?: string[];
  user?: string;
  envs?: string[];
  labels?: Array<{ label: string; value: string }>;
  networksAdvanced?: Array<{ name: string; aliases?: string[]; ipv4Address?: string }>;
  ports?: Array<{ internal: number; external?: number; ip?: string; protocol?: string }>;
  volumes?: Array<{ volumeName?: string; containerPath?: string; readOnly?: boolean }>;
  capabilities?: { adds?: string[]; drops?: string[] };
  memory?: number;
  memorySwap?: number;
  init?: boolean;
  restart?: string;
  maxRetryCount?: number;
  mustRun?: boolean;
  removeVolumes?: boolean;
  destroyGraceSeconds?: number;
}

const envName = (entry: string): string => {
  const i = entry.indexOf("=");
  if (i <= 0) throw new Error(`envs: ${JSON.stringify(entry.slice(0, 40))} is not NAME=value`);
  return entry.slice(0, i);
};

/** The process environment of the `docker run` that passes `envs` by name. */
export function containerRunEnv(inputs: ContainerInputs, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base };
  for (const entry of inputs.envs ?? []) env[envName(entry)] = entry.slice(entry.indexOf("=") + 1);
  return env;
}

/** `docker run -d …` words; the first network is given at run, like the real provider's create. */
export function containerRunArgs(c: ContainerInputs): string[] {
  const [net] = c.networksAdvanced ?? [];
  if ((c.networksAdvanced?.length ?? 0) > 1) throw new Error("networksAdvanced: the stand-in attaches one network per container (got several)");
  const restart = c.restart ?? "no";
  return [
    "docker", "run", "-d",
    "--name", c.name,
    ...(c.hostname ? ["--hostname", c.hostname] : []),
    ...(net ? ["--network", net.name, ...(net.aliases ?? []).flatMap((a) => ["--network-alias", a]), ...(net.ipv4Address ? ["--ip", net.ipv4Address] : [])] : []),
    "--restart", restart === "on-failure" && c.maxRetryCount ? `on-failure:${c.maxRetryCount}` : restart,
    ...(c.labels ?? []).flatMap((l) => ["--label", `${l.label}=${l.value}`]),
    ...(c.user ? ["--user", c.user] : []),
    // The real provider takes memory and memorySwap in MB (memorySwap -1: unlimited).
    ...(c.memory ? ["--memory", `${c.memory}m`] : []),
    ...(c.memorySwap ? ["--memory-swap", c.memorySwap < 0 ? "-1" : `${c.memorySwap}m`] : []),
    ...(c.init ? ["--init"] : []),
    ...(c.capabilities?.adds ?? []).flatMap((cap) => ["--cap-add", cap]),
    ...(c.capabilities?.drops ?? []).flatMap((cap) => ["--cap-drop", cap]),
    ...(c.ports ?? []).flatMap((p) => ["-p", `${p.ip ?? "0.0.0.0"}:${p.external ?? ""}:${p.internal}/${p.protocol ?? "tcp"}`]),
    ...(c.volumes ?? []).flatMap((v) => {
      if (!v.volumeName || !v.containerPath) throw new Error("volumes: the stand-in mounts named volumes only (volumeName and containerPath)");
      return ["-v", `${v.volumeName}:${v.containerPath}${v.readOnly ? ":ro" : ""}`];
    }),
    ...(c.envs ?? []).flatMap((e) => ["-e", envName(e)]),
    c.image,
    ...(c.command ?? []),
  ];
}

/** docker.Container's networkDatas output from `docker inspect` (NetworkSettings.Networks). */
export function networkData(inspect: { NetworkSettings?: { Networks?: Record<string, Record<string, unknown>> } }) {
  return Object.entries(inspect.NetworkSettings?.Networks ?? {}).map(([networkName, n]) => ({
    networkName,
    ipAddress: String(n.IPAddress ?? ""),
    ipPrefixLength: Number(n.IPPrefixLen ?? 0),
    gateway: String(n.Gateway ?? ""),
    macAddress: String(n.MacAddress ?? ""),
    globalIpv6Address: String(n.GlobalIPv6Address ?? ""),
    globalIpv6PrefixLength: Number(n.GlobalIPv6PrefixLen ?? 0),
    ipv6Gateway: String(n.IPv6Gateway ?? ""),
  }));
}
