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
exports.labProgram = labProgram;
// The lab stack's program: the Lab component and the outputs the chaos layer and users read.
const path = __importStar(require("path"));
const pulumi = __importStar(require("@pulumi/pulumi"));
const lab_1 = require("../components/lab/lab");
/** The lab stack's program: the Lab component and the outputs the chaos layer and users read. */
function labProgram(config) {
    const lab = new lab_1.Lab("lab", {
        config,
        project: pulumi.getProject(),
        stack: pulumi.getStack(),
        imagesDir: path.join(__dirname, "..", "images"),
        baseImage: process.env.PGCHAOS_BASE_IMAGE ?? "debian:bookworm-slim",
    });
    return {
        scope: config.scope,
        network: lab.network,
        subnet: lab.subnet,
        leader: lab.leader,
        secondsToHealthy: lab.secondsToHealthy,
        readWriteConnection: lab.readWriteConnection,
        readOnlyConnection: lab.readOnlyConnection,
        superuserPassword: lab.superuserPassword,
        ports: config.ports,
        dcs: config.dcs,
        inventory: lab.inventory,
        monitoring: lab.monitoring ?? null,
        sshTargets: lab.sshTargets ?? null,
        sshPrivateKey: lab.sshPrivateKey ? pulumi.secret(lab.sshPrivateKey) : null,
    };
}
