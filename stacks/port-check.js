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
exports.assertLabPortsFree = assertLabPortsFree;
// Refuses a lab whose host ports are taken, before any resource is registered.
const child_process_1 = require("child_process");
const fs = __importStar(require("fs"));
const resources_1 = require("../components/docker/resources");
const config_1 = require("./config");
const ports_1 = require("./ports");
/**
 * Refuses a lab whose host ports are taken, before any resource is registered: the program runs at
 * preview and at the start of `up`, so a clash stops both with the key to change, and `up` never creates
 * half a lab. Listeners are read from /proc/net/tcp{,6} (Linux); Docker names the containers that own them.
 */
function assertLabPortsFree(config, owner) {
    const ports = (0, ports_1.labHostPorts)(config);
    const problems = (0, ports_1.overlappingPorts)(ports);
    const proc = ["/proc/net/tcp", "/proc/net/tcp6"].filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f, "utf8")).join("\n");
    const listening = (0, ports_1.listeningPorts)(proc);
    let dockerPs = "";
    try {
        dockerPs = (0, child_process_1.execFileSync)("docker", ["ps", "--format", `{{.Names}}\t{{.Label "${resources_1.OWNER_LABEL}"}}\t{{.Ports}}`], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    }
    catch {
        // No engine: the lab's own images step fails with Docker's message; listeners are still checked.
    }
    problems.push(...(0, ports_1.portClashes)(ports, listening, (0, ports_1.publishedPorts)(dockerPs), owner));
    if (problems.length > 0)
        throw new config_1.ConfigError(`host ports of this lab are not free:\n${problems.join("\n")}`);
}
