import type { ResourceType } from "../common/resource";
import { runProgram } from "../common/process";
import { reveal, type Props } from "../common/values";
import { docker, dockerIgnoringGone, inspect } from "./cli";
import { containerRunArgs, containerRunEnv, networkData, type ContainerInputs } from "./container-args";

/** Properties whose change the real provider applies with `docker update` (resourceDockerContainerUpdate). */
const UPDATED_BY_DOCKER = ["restart", "maxRetryCount", "memory", "memorySwap"] as const;

async function runContainer(c: ContainerInputs): Promise<string> {
  const r = await runProgram(containerRunArgs(c), { env: containerRunEnv(c) });
  if (r.code === 0) return r.stdout.trim();
  // `docker run` creates, then starts: a failed start (a port taken) leaves a container that was never
  // running. Remove that one only — never a foreign container whose name was in the way.
  const left = /Conflict/.test(r.stderr) ? undefined : await inspect("container", c.name);
  if (left?.State?.Status === "created") await dockerIgnoringGone(["rm", "-f", "-v", c.name]);
  throw new Error(`Unable to create container ${c.name}: docker run exited ${r.code}: ${r.stderr.trim()}`);
}

/**
 * docker.Container, after https://www.pulumi.com/registry/packages/docker/api-docs/container/ (the
 * bridged kreuzwerker docker_container): every implemented property replaces the container except
 * restart, maxRetryCount, memory, memorySwap (`docker update`), mustRun (false → true starts it), init,
 * removeVolumes and destroyGraceSeconds (state only, as in the real provider); replacement deletes
 * first (the provider's DeleteBeforeReplace); refresh drops a container that is gone and records a
 * stopped one as mustRun false so the next `up` starts it; delete stops (destroyGraceSeconds), then
 * removes it with its anonymous volumes (removeVolumes, default true).
 */
export const container: ResourceType = {
  token: "docker:index/container:Container",
  inputs: {
    name: true, image: true, hostname: true, command: true, user: true, envs: true,
    labels: ["label", "value"], networksAdvanced: ["name", "aliases", "ipv4Address"], ports: ["internal", "external", "ip", "protocol"],
    volumes: ["volumeName", "containerPath", "readOnly"], capabilities: ["adds", "drops"],
    memory: true, memorySwap: true, init: true, restart: true, maxRetryCount: true, mustRun: true, removeVolumes: true, destroyGraceSeconds: true,
  },
  replaceOn: ["name", "image", "hostname", "command", "user", "envs", "labels", "networksAdvanced", "ports", "volumes", "capabilities"],
  deleteBeforeReplace: true,
  computed: ["hostname", "command", "envs", "labels", "init"],
  defaults: { restart: "no", mustRun: true, removeVolumes: true },
  async create(inputs) {
    const c = reveal<ContainerInputs>(inputs);
    const id = await runContainer(c);
    const info = await inspect("container", id);
    if (c.mustRun !== false && !info?.State?.Running) {
      const logs = await runProgram(["docker", "logs", "--tail", "20", id]);
      throw new Error(`Container ${c.name} failed to be in running state (exit ${info?.State?.ExitCode}):\n${(logs.stdout + logs.stderr).trim()}`);
    }
    return { id, outs: { ...inputs, networkDatas: networkData(info ?? {}), bridge: "", exitCode: null } };
  },
  async update(id, olds, news) {
    const o = reveal<ContainerInputs>(olds);
    const n = reveal<ContainerInputs>(news);
    if (o.mustRun === false && n.mustRun !== false) await docker(["start", id]);
    if (UPDATED_BY_DOCKER.some((k) => JSON.stringify(o[k]) !== JSON.stringify(n[k]))) {
      const restart = n.restart === "on-failure" && n.maxRetryCount ? `on-failure:${n.maxRetryCount}` : n.restart ?? "no";
      await docker(["update", "--restart", restart, ...(n.memory ? ["--memory", `${n.memory}m`] : []), ...(n.memorySwap ? ["--memory-swap", n.memorySwap < 0 ? "-1" : `${n.memorySwap}m`] : []), id]);
    }
    const info = await inspect("container", id);
    return { outs: { ...olds, ...news, networkDatas: networkData(info ?? {}), exitCode: info?.State?.Running ? null : info?.State?.ExitCode ?? null } };
  },
  async read(id, state) {
    const info = await inspect("container", id);
    if (!info) return { id: "" };
    const running = !!info.State?.Running;
    const props: Props = { ...state, networkDatas: networkData(info), exitCode: running ? null : info.State?.ExitCode ?? null };
    if (!running && state.mustRun !== false) props.mustRun = false;
    return { id, props };
  },
  async delete(id, state) {
    const s = reveal<ContainerInputs>(state);
    // The real provider stops with destroyGraceSeconds (0: kill at once), then force-removes: with no
    // grace, `docker rm -f` alone is the same kill, one Docker call instead of two.
    if ((s.destroyGraceSeconds ?? 0) > 0) await dockerIgnoringGone(["stop", "-t", String(s.destroyGraceSeconds), id]);
    await dockerIgnoringGone(["rm", "-f", ...(s.removeVolumes !== false ? ["-v"] : []), id]);
  },
};
