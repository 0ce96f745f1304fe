import { serve, standInProvider } from "../common/plugin";
import { localCommand } from "./local-command";

/** The offline stand-in of pulumi-resource-command (docs/toolchain.md). */
export const COMMAND_VERSION = "1.2.1";
export const commandProvider = standInProvider("command", COMMAND_VERSION, [localCommand]);

if (require.main === module) void serve(commandProvider);
