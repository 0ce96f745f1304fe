// Pulumi entry point: validates the stack's config and builds the lab (or another program kind).
import { runProgram } from "./stacks";

module.exports = runProgram();
