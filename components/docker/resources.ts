import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { ShellCommand } from "../command/shell-command";
import {
  containerCreateScript,
  containerDeleteScript,
  imageBuildScript,
  networkCreateScript,
  networkDeleteScript,
  volumeCreateScript,
  volumeDeleteScript,
  type ContainerSpec,
  type Labels,
} from "./commands";
import { withSshMode, type SshModeArgs } from "../lab/ssh";

/** The label that marks every lab object with its owner, so the whole lab is findable and removable. */
export const OWNER_LABEL = "pgchaos.stack";

export function ownerLabels(owner: string, extra: Labels = {}): Labels {
  return { [OWNER_LABEL]: owner, ...extra };
}

export class DockerNetwork extends ShellCommand {
  /** stdout is the subnet Docker allocated. */
  constructor(name: string, args: { networkName: string; owner: string }, opts?: pulumi.CustomResourceOptions) {
    super(name, {
      create: networkCreateScript(args.networkName, ownerLabels(args.owner)),
      delete: networkDeleteScript(args.networkName),
    }, opts);
  }
}

export class DockerVolume extends ShellCommand {
  constructor(name: string, args: { volumeName: string; owner: string }, opts?: pulumi.CustomResourceOptions) {
    super(name, {
      create: volumeCreateScript(args.volumeName, ownerLabels(args.owner)),
      delete: volumeDeleteScript(args.volumeName),
    }, opts);
  }
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

/** The tag DockerImage gives a build context: tests build the same images under the same tags. */
export const imageTag = (repository: string, contextDir: string, buildArgs: Record<string, string> = {}): string =>
  `${repository}:${contextHash(contextDir, JSON.stringify(buildArgs))}`;

/**
 * A locally built image. The tag is a hash of the build context (and of the base it builds on), so
 * `pulumi up` rebuilds only when a Dockerfile or its inputs change. Images stay in Docker's cache on
 * destroy: they are build artefacts, not lab state.
 */
export class DockerImage extends ShellCommand {
  public readonly tag: string;

  constructor(name: string, args: { repository: string; contextDir: string; buildArgs?: Record<string, string> }, opts?: pulumi.CustomResourceOptions) {
    const tag = imageTag(args.repository, args.contextDir, args.buildArgs);
    super(name, { create: imageBuildScript(tag, args.contextDir, args.buildArgs), triggers: [tag], timeoutSeconds: 1200 }, opts);
    this.tag = tag;
  }
}

/** A lab container; stdout is its IP address on the lab network. Secret values come via `environment`. */
export class DockerContainer extends ShellCommand {
  constructor(
    name: string,
    public readonly containerName: string,
    args: {
      spec: pulumi.Input<Omit<ContainerSpec, "name">>; owner: string; secretEnvironment?: pulumi.Input<Record<string, pulumi.Input<string>>>;
      /** The lab's SSH mode: sshd beside the service, under the supervisor (components/lab/ssh.ts). */
      ssh?: pulumi.Input<SshModeArgs>;
    },
    opts?: pulumi.CustomResourceOptions,
  ) {
    const spec = pulumi.all([args.spec, args.ssh]).apply(([s, ssh]) => {
      const base = s as Omit<ContainerSpec, "name">;
      return { ...(ssh ? withSshMode(base, ssh as SshModeArgs) : base), name: containerName };
    });
    super(name, {
      create: spec.apply((s) => containerCreateScript(s, { key: OWNER_LABEL, value: args.owner })),
      delete: containerDeleteScript(containerName),
      environment: args.secretEnvironment,
      // Any change of the container's definition recreates it (delete first: names and ports are unique).
      replaceOnChange: true,
    }, opts);
  }
}
