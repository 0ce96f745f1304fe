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
exports.labReadiness = labReadiness;
// The lab's readiness wait as a resource: a command.local.Command running readiness-run.ts.
const path = __importStar(require("path"));
const command = __importStar(require("@pulumi/command"));
const pulumi = __importStar(require("@pulumi/pulumi"));
const readiness_wait_1 = require("./readiness-wait");
/** Where the repository is: the readiness command runs from there (node_modules, its own script). */
const REPO_ROOT = path.resolve(__dirname, "..", "..");
/**
 * The wait for a healthy lab as a command.local.Command: its create runs readiness-run.ts (waitForLab);
 * `triggers` (the members' container ids) replace it — so the wait runs again — whenever a member is
 * recreated. The password travels in its environment, a secret, so its stdout is stored as a secret
 * too; that stdout holds no password (readinessResultSchema), hence the unsecret.
 */
function labReadiness(name, args, opts) {
    const { password, generation, ...plain } = args;
    const wait = new command.local.Command(name, {
        create: "exec node --require tsx/cjs components/lab/readiness-run.ts",
        dir: REPO_ROOT,
        environment: { PGCHAOS_READINESS: JSON.stringify(readiness_wait_1.readinessArgsSchema.parse(plain)), PGCHAOS_READINESS_PASSWORD: pulumi.secret(password) },
        triggers: [generation],
    }, opts);
    const result = pulumi.unsecret(wait.stdout).apply((out) => {
        try {
            return readiness_wait_1.readinessResultSchema.parse(JSON.parse(out));
        }
        catch (e) {
            throw new Error(`readiness command (${name}) printed ${JSON.stringify(out.slice(0, 300))}, not its JSON result: ${e.message}`);
        }
    });
    return { command: wait, leader: result.leader, secondsToHealthy: result.secondsToHealthy };
}
