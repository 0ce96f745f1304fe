import { serve, standInProvider } from "../common/plugin";
import { randomPassword } from "./password";

/** The offline stand-in of pulumi-resource-random (docs/toolchain.md). */
export const RANDOM_VERSION = "4.21.2";
export const randomProvider = standInProvider("random", RANDOM_VERSION, [randomPassword]);

if (require.main === module) void serve(randomProvider);
