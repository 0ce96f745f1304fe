import { serve, standInProvider } from "../common/plugin";
import { container } from "./container";
import { network, volume } from "./network-volume";
import { remoteImage } from "./remote-image";

/** The offline stand-in of pulumi-resource-docker (docs/toolchain.md). */
export const DOCKER_VERSION = "5.2.0";
export const dockerProvider = standInProvider("docker", DOCKER_VERSION, [container, network, volume, remoteImage]);

if (require.main === module) void serve(dockerProvider);
