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
exports.stateFaultsOf = stateFaultsOf;
exports.successions = successions;
exports.readOwnDeployment = readOwnDeployment;
// One fault at a time per link across an update: a conflicting new fault takes the old one over as its alias.
const child_process_1 = require("child_process");
const path = __importStar(require("path"));
const util_1 = require("util");
const state_sidecars_1 = require("../experiments/state-sidecars");
/** Faults in the stack's state (its last deployment), with the conflict keys stored at inject. */
function stateFaultsOf(deployment) {
    return (deployment?.resources ?? [])
        .filter((r) => r.type === "pulumi-nodejs:dynamic/pgchaos:Fault" && typeof r.outputs?.name === "string")
        .map((r) => ({ name: r.outputs.name, conflictKeys: Array.isArray(r.outputs.conflictKeys) ? r.outputs.conflictKeys : [] }));
}
/**
 * For each planned fault, the leaving fault it takes over (or undefined), and the conflicts that cannot be
 * ordered: a leaving fault claimed by two new ones, or a new fault conflicting with two leaving ones.
 */
function successions(state, planned) {
    const staying = new Set(planned.map((p) => p.name));
    const leaving = state.filter((s) => !staying.has(s.name));
    const claimed = new Map();
    const conflicts = [];
    const predecessors = planned.map((p) => {
        if (state.some((s) => s.name === p.name))
            return undefined; // the same resource: its own diff orders it
        const hits = leaving.filter((s) => s.conflictKeys.some((k) => p.conflictKeys.includes(k)));
        if (hits.length > 1)
            conflicts.push(`fault ${p.name} conflicts with ${hits.map((h) => h.name).join(" and ")}, still in state: remove them in one \`pulumi up\`, then add ${p.name}`);
        const old = hits[0];
        if (!old)
            return undefined;
        const taken = claimed.get(old.name);
        if (taken) {
            conflicts.push(`faults ${taken} and ${p.name} both conflict with ${old.name}, still in state: add one of them in a later \`pulumi up\``);
            return undefined;
        }
        claimed.set(old.name, p.name);
        return old.name;
    });
    return { predecessors, conflicts };
}
/** The project's directory: the CLI finds the stack through its Pulumi.yaml (an inline program's process may run elsewhere). */
const PROJECT_DIR = path.resolve(__dirname, "..", "..");
/**
 * The current stack's last deployment. From a local file backend it is read from the checkpoint file
 * itself (a `pulumi stack export` is one more CLI start, ≈ 0.5–1.7 s per toggle measured in bench/toggle.ts);
 * from any other backend, with the CLI that runs this program.
 */
async function readOwnDeployment(stack, project = "pgchaos", backendUrl = process.env.PULUMI_BACKEND_URL) {
    const text = (0, state_sidecars_1.checkpointText)(project, stack, backendUrl);
    if (text !== undefined)
        return JSON.parse(text).checkpoint?.latest ?? undefined;
    const { stdout } = await (0, util_1.promisify)(child_process_1.execFile)("pulumi", ["stack", "export", "--stack", stack], { cwd: PROJECT_DIR, maxBuffer: 64 * 1024 * 1024, timeout: 60_000 });
    return JSON.parse(stdout).deployment;
}
