"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.dockerLabels = void 0;
exports.labContainerArgs = labContainerArgs;
exports.labContainerEnvs = labContainerEnvs;
const commands_1 = require("./commands");
/** Labels as @pulumi/docker takes them: a list of {label, value}. */
const dockerLabels = (labels) => Object.entries(labels).map(([label, value]) => ({ label, value }));
exports.dockerLabels = dockerLabels;
/**
 * A lab container's docker.Container inputs: on the lab network under its hostname (fixed address for
 * members), ports published on 127.0.0.1 only, memory without swap, the container's restart policy.
 */
function labContainerArgs(spec, subnet) {
    return {
        name: spec.name,
        image: spec.image,
        hostname: spec.hostname,
        networksAdvanced: [{ name: spec.network, aliases: [spec.hostname], ...(spec.ipHost !== undefined ? { ipv4Address: (0, commands_1.memberAddress)(subnet, spec.ipHost) } : {}) }],
        restart: spec.restart ?? "no",
        labels: (0, exports.dockerLabels)(spec.labels),
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
function labContainerEnvs(spec, secrets = {}) {
    const missing = (spec.secretEnv ?? []).filter((k) => secrets[k] === undefined);
    if (missing.length)
        throw new Error(`secret environment: no value for ${missing.join(", ")}`);
    return [
        ...Object.entries(spec.env ?? {}).map(([k, v]) => `${k}=${v}`),
        ...(spec.secretEnv ?? []).map((k) => `${k}=${secrets[k]}`),
    ];
}
