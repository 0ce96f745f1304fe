"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
// Pulumi entry point: validates the stack's config and builds the lab (or another program kind).
const stacks_1 = require("./stacks");
module.exports = (0, stacks_1.runProgram)();
