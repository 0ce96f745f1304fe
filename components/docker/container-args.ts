// Container arguments as @pulumi/docker takes them (labels, ports, volumes, capabilities).
import type { ContainerSpec, Labels } from "./commands";
import { memberAddress } from "./commands";

/** Labels as @pulumi/docker takes them: a list of {label, value}. */
export const dockerLabels = (labels: Labels): Array<{ label: string; value: string }> =>
  Object.entries(labels).map(([label, value]) => ({ label, value }));

/** The plain (non-secret) part of a lab container's docker.Container inputs; `envs` is built apart. */
export interface LabContainerArgs {
  name: string;
  image: string;
  hostname: string;
  networksAdvanced: Array<{ name: string; aliases: string[]; ipv4Address?: string }>;
  restart: string;
  labels: Array<{ label: string; value: string }>;
  user?: string;
  memory?: number;
  memorySwap?: number;
  init?: boolean;
  capabilities?: { adds: string[] };
  ports: Array<{ internal: number; external: number; ip: string; protocol: string }>;
  volumes: Array<{ volumeName: string; containerPath: string }>;
  command: string[];
}

/**
 * A lab container's docker.Container inputs: on the lab network under its hostname (fixed address for
 * members), ports published on 127.0.0.1 only, memory without swap, the container's restart policy.
 */
export function labContainerArgs(spec: ContainerSpec, subnet: string): LabContainerArgs {
  return {
    name: spec.name,
    image: spec.image,
    hostname: spec.hostname,
    networksAdvanced: [{ name: spec.network, aliases: [spec.hostname], ...(spec.ipHost !== undefined ? { ipv4Address: memberAddress(subnet, spec.ipHost) } : {}) }],
    restart: spec.restart ?? "no",
    labels: dockerLabels(spec.labels),
    ...(spec.user ? { user: spec.user } : {}),
    ...(spec.memoryMiB ? { memory: spec.memoryMiB, memorySwap: spec.memoryMiB } : {}),
    ...(spec.init ? { init: true } : {}),
    ...(spec.capAdd?.length ? { capabilities: { adds: spec.capAdd } } : {}),
    ports: (spec.ports ?? []).map((p) => ({ internal: p.container, external: p.host, ip: "127.0.0.1", protocol: "tcp" })),
    volumes: (spec.volumes ?? []).map((v) => ({ volumeName: v.name, containerPath: v.path })),
    command: spec.command,
  };
}

/** `envs` (NAME=value): the spec's plain values, then the secret ones named in `secretEnv`. */
export function labContainerEnvs(spec: Pick<ContainerSpec, "env" | "secretEnv">, secrets: Record<string, string> = {}): string[] {
  const missing = (spec.secretEnv ?? []).filter((k) => secrets[k] === undefined);
  if (missing.length) throw new Error(`secret environment: no value for ${missing.join(", ")}`);
  return [
    ...Object.entries(spec.env ?? {}).map(([k, v]) => `${k}=${v}`),
    ...(spec.secretEnv ?? []).map((k) => `${k}=${secrets[k]}`),
  ];
}
