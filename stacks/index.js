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
var __exportStar = (this && this.__exportStar) || function(m, exports) {
    for (var p in m) if (p !== "default" && !Object.prototype.hasOwnProperty.call(exports, p)) __createBinding(exports, m, p);
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.smokeProgram = exports.labProgram = exports.chaosProgram = void 0;
exports.rawStackConfig = rawStackConfig;
exports.runProgram = runProgram;
exports.selectProgram = selectProgram;
// The Pulumi program's entry: reads the stack's config and runs the lab, chaos or smoke program.
const pulumi = __importStar(require("@pulumi/pulumi"));
const config_1 = require("./config");
const spec_1 = require("../chaos/faults/spec");
const chaos_1 = require("./chaos");
Object.defineProperty(exports, "chaosProgram", { enumerable: true, get: function () { return chaos_1.chaosProgram; } });
const lab_1 = require("./lab");
Object.defineProperty(exports, "labProgram", { enumerable: true, get: function () { return lab_1.labProgram; } });
const smoke_1 = require("./smoke");
Object.defineProperty(exports, "smokeProgram", { enumerable: true, get: function () { return smoke_1.smokeProgram; } });
const ports_1 = require("./ports");
const port_check_1 = require("./port-check");
const naming_1 = require("../components/lab/naming");
__exportStar(require("./config"), exports);
/** All `pgchaos:` keys of the current stack as one object (what zod validates). */
function rawStackConfig(namespace = "pgchaos") {
    // The SDK's config store: filled from PULUMI_CONFIG by the language host, or by the run request when the
    // program is served inline (chaos/experiments/inline-program.ts). The variable itself when the store is
    // empty (a test that sets it after @pulumi/pulumi was loaded).
    const store = pulumi.runtime.allConfig();
    const all = Object.keys(store).length ? store : JSON.parse(process.env.PULUMI_CONFIG ?? "{}");
    const raw = {};
    for (const [key, value] of Object.entries(all)) {
        if (!key.startsWith(`${namespace}:`))
            continue;
        // The engine passes keys as `ns:key` or, through older language hosts, `ns:config:key`.
        const name = key.slice(namespace.length + 1).replace(/^config:/, "");
        try {
            raw[name] = JSON.parse(value);
        }
        catch {
            raw[name] = value; // plain strings are stored unquoted
        }
    }
    return raw;
}
/**
 * Frames in a stack trace of this program. @pulumi/pulumi records a stack trace for every property of
 * every resource (for its promise-leak report), each mapped through ts-node's source maps: with Node's 10
 * frames that cost the lab's program 0.5–0.7 s of CPU per run (3.1–3.4 s vs 2.6–2.7 s with 4, measured on a
 * lab preview). Resources' source positions are unaffected (the SDK lifts the limit for them); a leak
 * investigation (PULUMI_DEBUG_PROMISE_LEAKS) keeps Node's default.
 */
const STACK_FRAMES = 4;
/** The program `index.ts` runs (and the Automation API serves inline): a config error is shown plainly, without a stack trace. */
function runProgram() {
    if (!process.env.PULUMI_DEBUG_PROMISE_LEAKS)
        Error.stackTraceLimit = STACK_FRAMES;
    try {
        return selectProgram();
    }
    catch (e) {
        if (e instanceof config_1.ConfigError)
            throw new pulumi.RunError(e.message);
        throw e;
    }
}
/** Chooses the stack's program from `pgchaos:kind` (lab by default) after validating its config. */
function selectProgram() {
    const raw = rawStackConfig();
    switch (raw.kind ?? "lab") {
        case "smoke":
            return (0, smoke_1.smokeProgram)((0, config_1.parseConfig)(config_1.smokeConfigSchema, "pgchaos", raw).file);
        case "lab": {
            // Stacks other than dev take unset ports from their name; a taken port stops preview and up here.
            const config = (0, config_1.parseConfig)(config_1.labConfigSchema, "pgchaos", (0, ports_1.withDerivedPorts)(raw, pulumi.getStack()).raw);
            (0, port_check_1.assertLabPortsFree)(config, (0, naming_1.labNaming)(config.scope, pulumi.getProject(), pulumi.getStack()).owner);
            return (0, lab_1.labProgram)(config);
        }
        case "chaos": {
            // Secrets read apart (the SSH key in chaos.ts, the workload's password by the experiment runner):
            // they must never pass through zod's error messages.
            const { sshPrivateKey: _key, postgresPassword: _password, ...rest } = raw;
            return (0, chaos_1.chaosProgram)((0, config_1.parseConfig)(spec_1.chaosConfigSchema, "pgchaos", rest));
        }
        default:
            throw new pulumi.RunError(`pgchaos:kind = ${JSON.stringify(raw.kind)}: must be "lab", "chaos" or "smoke"`);
    }
}
