import type { ResourceType } from "../common/resource";
import { reveal } from "../common/values";
import { docker, dockerIgnoringGone, inspect } from "./cli";

interface RemoteImageInputs {
  name: string;
  build?: { context: string; dockerfile?: string; buildArgs?: Record<string, string> };
  keepLocally?: boolean;
  forceRemove?: boolean;
  triggers?: Record<string, string>;
}

/**
 * docker.RemoteImage with `build`, after https://www.pulumi.com/registry/packages/docker/api-docs/remoteimage/
 * (the bridged docker_image): builds `name` from `build.context` (no registry is involved); name, build
 * and triggers replace the image, keepLocally and forceRemove are state only; imageId is Docker's image
 * id and the resource id is imageId followed by name; refresh drops an image whose name no longer
 * resolves; delete removes the image unless keepLocally.
 */
export const remoteImage: ResourceType = {
  token: "docker:index/remoteImage:RemoteImage",
  inputs: { name: true, build: ["context", "dockerfile", "buildArgs"], keepLocally: true, forceRemove: true, triggers: true },
  replaceOn: ["name", "build", "triggers"],
  async create(inputs) {
    const i = reveal<RemoteImageInputs>(inputs);
    if (!i.build) throw new Error("build: the offline stand-in of docker.RemoteImage builds images only (pulling needs a registry); set build.context");
    const b = i.build;
    await docker(["build", "-q", ...Object.entries(b.buildArgs ?? {}).flatMap(([k, v]) => ["--build-arg", `${k}=${v}`]),
      ...(b.dockerfile ? ["-f", b.dockerfile] : []), "-t", i.name, b.context], { timeoutMs: 1_800_000 });
    const info = await inspect("image", i.name);
    if (!info) throw new Error(`image ${i.name} not found after its build`);
    const repoDigest = (info.RepoDigests as string[] | undefined)?.[0] ?? "";
    return { id: `${info.Id}${i.name}`, outs: { ...inputs, imageId: info.Id, repoDigest } };
  },
  async update(_id, olds, news) {
    return { outs: { ...olds, ...news } };
  },
  async read(id, state) {
    const info = await inspect("image", String(reveal(state.name)));
    if (!info) return { id: "" };
    return { id, props: { ...state, imageId: info.Id } };
  },
  async delete(_id, state) {
    const i = reveal<RemoteImageInputs & { imageId?: string }>(state);
    if (i.keepLocally) return;
    await dockerIgnoringGone(["image", "rm", ...(i.forceRemove ? ["-f"] : []), i.name]);
  },
};
