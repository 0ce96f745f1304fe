"use strict";
var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __setModuleDefault = (this && this.__setModuleDefault) || (Object.create ? (function(o, v) {
    Object.defineProperty(o, "default", { enumerable: true, value: v });
}) : function(o, v) {
    o["default"] = v;
});
var __importStar = (this && this.__importStar) || (function () {
    var ownKeys = function(o) {
        ownKeys = Object.getOwnPropertyNames || function (o) {
            var ar = [];
            for (var k in o) if (Object.prototype.hasOwnProperty.call(o, k)) ar[ar.length] = k;
            return ar;
        };
        return ownKeys(o);
    };
    return function (mod) {
        if (mod && mod.__esModule) return mod;
        var result = {};
        if (mod != null) for (var k = ownKeys(mod), i = 0; i < k.length; i++) if (k[i] !== "default") __createBinding(result, mod, k[i]);
        __setModuleDefault(result, mod);
        return result;
    };
})();
Object.defineProperty(exports, "__esModule", { value: true });
exports.imageTag = exports.OWNER_LABEL = void 0;
exports.ownerLabels = ownerLabels;
exports.labNetwork = labNetwork;
exports.labVolume = labVolume;
exports.contextHash = contextHash;
exports.labImage = labImage;
exports.labContainer = labContainer;
// The lab's Docker resources: owner labels, networks, volumes, images.
const crypto = __importStar(require("crypto"));
const fs = __importStar(require("fs"));
const path = __importStar(require("path"));
const command = __importStar(require("@pulumi/command"));
const docker = __importStar(require("@pulumi/docker"));
const pulumi = __importStar(require("@pulumi/pulumi"));
const commands_1 = require("./commands");
const container_args_1 = require("./container-args");
const ssh_1 = require("../lab/ssh");
/** The label that marks every lab object with its owner, so the whole lab is findable and removable. */
exports.OWNER_LABEL = "pgchaos.stack";
function ownerLabels(owner, extra = {}) {
    return { [exports.OWNER_LABEL]: owner, ...extra };
}
/** The lab's network on a /24 of its own, chosen once (a local.Command) among those no other network uses. */
function labNetwork(name, args, opts) {
    const pick = new command.local.Command(`${name}-subnet`, { create: (0, commands_1.subnetPickScript)(args.networkName) }, opts);
    const subnet = pick.stdout;
    const network = new docker.Network(name, {
        name: args.networkName,
        driver: "bridge",
        labels: (0, container_args_1.dockerLabels)(ownerLabels(args.owner)),
        ipamConfigs: [{ subnet, ipRange: subnet.apply((s) => s.replace(/\.0\/24$/, ".128/25")) }],
    }, opts);
    return { network, subnet };
}
function labVolume(name, args, opts) {
    return new docker.Volume(name, { name: args.volumeName, labels: (0, container_args_1.dockerLabels)(ownerLabels(args.owner)) }, opts);
}
/** Hash of every file under a build context (names and contents), so a tag changes only with its inputs. */
function contextHash(dir, extra = "") {
    const h = crypto.createHash("sha256");
    const walk = (d) => {
        for (const entry of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
            const p = path.join(d, entry.name);
            if (entry.isDirectory())
                walk(p);
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
const imageTag = (repository, contextDir, buildArgs = {}) => `${repository}:${contextHash(contextDir, JSON.stringify(buildArgs))}`;
exports.imageTag = imageTag;
/**
 * A locally built image (docker.RemoteImage with `build`). The tag is a hash of the build context and
 * its build args (so of the base it builds on): a change of a Dockerfile or its inputs is a new name,
 * which replaces the image. keepLocally: images stay in Docker's cache on destroy (build artefacts).
 */
function labImage(name, args, opts) {
    const tag = (0, exports.imageTag)(args.repository, args.contextDir, args.buildArgs);
    const image = new docker.RemoteImage(name, { name: tag, build: { context: args.contextDir, buildArgs: args.buildArgs }, keepLocally: true }, opts);
    return { image, tag };
}
const field = (args, key) => args.apply((a) => a[key]);
/** A lab container (docker.Container). Secret values reach it only through `envs`, stored as a secret. */
function labContainer(name, containerName, args, opts) {
    const spec = pulumi.all([args.spec, args.ssh]).apply(([s, ssh]) => {
        const base = s;
        return { ...(ssh ? (0, ssh_1.withSshMode)(base, ssh) : base), name: containerName };
    });
    const plain = pulumi.all([spec, args.subnet]).apply(([s, subnet]) => (0, container_args_1.labContainerArgs)(s, subnet));
    const envs = pulumi.all([spec, args.secretEnvironment ?? {}]).apply(([s, secrets]) => (0, container_args_1.labContainerEnvs)(s, secrets));
    const resource = new docker.Container(name, {
        name: field(plain, "name"), image: field(plain, "image"), hostname: field(plain, "hostname"),
        networksAdvanced: field(plain, "networksAdvanced"), restart: field(plain, "restart"), labels: field(plain, "labels"),
        user: field(plain, "user"), memory: field(plain, "memory"), memorySwap: field(plain, "memorySwap"), init: field(plain, "init"),
        capabilities: field(plain, "capabilities"), ports: field(plain, "ports"), volumes: field(plain, "volumes"), command: field(plain, "command"),
        envs: args.secretEnvironment ? pulumi.secret(envs) : envs,
    }, opts);
    const network = spec.apply((s) => s.network);
    const ip = pulumi.all([resource.networkDatas, network]).apply(([data, net]) => data.find((d) => d.networkName === net)?.ipAddress ?? "");
    return { resource, containerName, ip };
}
