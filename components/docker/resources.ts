// The lab's Docker resources: owner labels, networks, volumes, images.
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { subnetPickScript, type ContainerSpec, type Labels } from "./commands";
import { dockerLabels, labContainerArgs, labContainerEnvs, type LabContainerArgs } from "./container-args";
import { withSshMode, type SshModeArgs } from "../lab/ssh";

/** The label that marks every lab object with its owner, so the whole lab is findable and removable. */
export const OWNER_LABEL = "pgchaos.stack";

export function ownerLabels(owner: string, extra: Labels = {}): Labels {
  return { [OWNER_LABEL]: owner, ...extra };
}

/** The lab's network on a /24 of its own, chosen once (a local.Command) among those no other network uses. */
export function labNetwork(name: string, args: { networkName: string; owner: string }, opts?: pulumi.CustomResourceOptions) {
  const pick = new command.local.Command(`${name}-subnet`, { create: subnetPickScript(args.networkName) }, opts);
  const subnet = pick.stdout;
  const network = new docker.Network(name, {
    name: args.networkName,
    driver: "bridge",
    labels: dockerLabels(ownerLabels(args.owner)),
    ipamConfigs: [{ subnet, ipRange: subnet.apply((s) => s.replace(/\.0\/24$/, ".128/25")) }],
  }, opts);
  return { network, subnet };
}

export function labVolume(name: string, args: { volumeName: string; owner: string }, opts?: pulumi.CustomResourceOptions): docker.Volume {
  return new docker.Volume(name, { name: args.volumeName, labels: dockerLabels(ownerLabels(args.owner)) }, opts);
}

/** Hash of every file under a build context (names and contents), so a tag changes only with its inputs. */
export function contextHash(dir: string, extra = ""): string {
  const h = crypto.createHash("sha256");
  const walk = (d: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else {
        h.update(path.relative(dir, p));
        h.update(fs.readFileSync(p));
      }
    }
  };
  walk(dir);
  h.update(extra);
  return h.digest("hex").slice(0, 12);
}

/** The tag a build context gets: tests build the same images under the same tags. */
export const imageTag = (repository: string, contextDir: string, buildArgs: Record<string, string> = {}): string =>
  `${repository}:${contextHash(contextDir, JSON.stringify(buildArgs))}`;

/**
 * A locally built image (docker.RemoteImage with `build`). The tag is a hash of the build context and
 * its build args (so of the base it builds on): a change of a Dockerfile or its inputs is a new name,
 * which replaces the image. keepLocally: images stay in Docker's cache on destroy (build artefacts).
 */
export function labImage(name: string, args: { repository: string; contextDir: string; buildArgs?: Record<string, string> }, opts?: pulumi.CustomResourceOptions) {
  const tag = imageTag(args.repository, args.contextDir, args.buildArgs);
  const image = new docker.RemoteImage(name, { name: tag, build: { context: args.contextDir, buildArgs: args.buildArgs }, keepLocally: true }, opts);
  return { image, tag };
}

/** A lab container and what the lab reads of it: its name and its address on the lab network. */
export interface LabContainer {
  resource: docker.Container;
  containerName: string;
  ip: pulumi.Output<string>;
}

const field = <K extends keyof LabContainerArgs>(args: pulumi.Output<LabContainerArgs>, key: K) => args.apply((a) => a[key]);

/** A lab container (docker.Container). Secret values reach it only through `envs`, stored as a secret. */
export function labContainer(
  name: string,
  containerName: string,
  args: {
    spec: pulumi.Input<Omit<ContainerSpec, "name">>;
    subnet: pulumi.Input<string>;
    secretEnvironment?: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /** The lab's SSH mode: sshd beside the service, under the supervisor (components/lab/ssh.ts). */
    ssh?: pulumi.Input<SshModeArgs>;
  },
  opts?: pulumi.CustomResourceOptions,
): LabContainer {
  const spec = pulumi.all([args.spec, args.ssh]).apply(([s, ssh]): ContainerSpec => {
    const base = s as Omit<ContainerSpec, "name">;
    return { ...(ssh ? withSshMode(base, ssh as SshModeArgs) : base), name: containerName };
  });
  const plain = pulumi.all([spec, args.subnet]).apply(([s, subnet]) => labContainerArgs(s, subnet));
  const envs = pulumi.all([spec, args.secretEnvironment ?? {}]).apply(([s, secrets]) => labContainerEnvs(s, secrets as Record<string, string>));
  const resource = new docker.Container(name, {
    name: field(plain, "name"), image: field(plain, "image"), hostname: field(plain, "hostname"),
    networksAdvanced: field(plain, "networksAdvanced"), restart: field(plain, "restart"), labels: field(plain, "labels"),
    user: field(plain, "user"), memory: field(plain, "memory"), memorySwap: field(plain, "memorySwap"), init: field(plain, "init"),
    capabilities: field(plain, "capabilities"), ports: field(plain, "ports"), volumes: field(plain, "volumes"), command: field(plain, "command"),
    envs: args.secretEnvironment ? pulumi.secret(envs) : envs,
  }, opts);
  const network = spec.apply((s) => s.network);
  const ip = pulumi.all([resource.networkDatas, network]).apply(([data, net]) => data.find((d: { networkName: string; ipAddress: string }) => d.networkName === net)?.ipAddress ?? "");
  return { resource, containerName, ip };
}
