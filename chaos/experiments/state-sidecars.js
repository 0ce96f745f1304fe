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
exports.backendRoot = backendRoot;
exports.checkpointText = checkpointText;
exports.sidecarBroken = sidecarBroken;
exports.brokenSidecars = brokenSidecars;
exports.removeBrokenSidecars = removeBrokenSidecars;
// Checkpoint sidecars a killed `pulumi` truncated in a file backend: found, told, and removed.
const fs = __importStar(require("fs"));
const path = __importStar(require("path"));
const url_1 = require("url");
const zlib_1 = require("zlib");
/**
 * The file backend (Go CDK's fileblob) writes a checkpoint atomically (temporary file, then rename) but its
 * `<file>.attrs` sidecar in place: a `pulumi` SIGKILLed between the two leaves the old checkpoint whole and
 * its sidecar empty, and from then on every command on that stack fails with "failed to load checkpoint:
 * EOF" — naming nothing to run (measured: bench/controller-death.ts, docs/benchmarks.md). A sidecar only
 * holds the blob's content type and MD5, which nothing checks on read, and a missing one reads as none:
 * removing a broken one restores the last complete checkpoint. scripts/env.sh's `?metadata=skip` stops
 * new sidecars being written at all; this repairs state written without it.
 */
/** The backend's root folder for a `file://` URL (its query, e.g. `?metadata=skip`, dropped); else undefined. */
function backendRoot(backendUrl) {
    if (!backendUrl?.startsWith("file://"))
        return undefined;
    return (0, url_1.fileURLToPath)(backendUrl.replace(/^file:\/\/~/, `file://${process.env.HOME ?? ""}`));
}
/**
 * A stack's checkpoint text in a `file://` backend (`.pulumi/stacks/<project>/<stack>.json`, or `.json.gz`
 * when the backend gzips); undefined for another backend or when there is none.
 */
function checkpointText(project, stack, backendUrl = process.env.PULUMI_BACKEND_URL) {
    const root = backendRoot(backendUrl);
    if (!root)
        return undefined;
    const base = path.join(root, ".pulumi", "stacks", project, `${stack}.json`);
    if (fs.existsSync(base))
        return fs.readFileSync(base, "utf8");
    if (fs.existsSync(`${base}.gz`))
        return (0, zlib_1.gunzipSync)(fs.readFileSync(`${base}.gz`)).toString("utf8");
    return undefined;
}
/** A sidecar that is not a JSON object (empty, cut short): what a write killed half-way leaves. */
function sidecarBroken(text) {
    try {
        const v = JSON.parse(text);
        return typeof v !== "object" || v === null;
    }
    catch {
        return true;
    }
}
/** Broken sidecars of the stack's checkpoint and its backup (`<stack>.json[.gz][.bak].attrs`). */
function brokenSidecars(project, stack, backendUrl = process.env.PULUMI_BACKEND_URL) {
    const root = backendRoot(backendUrl);
    if (!root)
        return [];
    const dir = path.join(root, ".pulumi", "stacks", project);
    const ours = new RegExp(`^${stack.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\.json(\\.gz)?(\\.bak)?\\.attrs$`);
    let names;
    try {
        names = fs.readdirSync(dir).filter((n) => ours.test(n));
    }
    catch {
        return [];
    }
    return names.map((n) => path.join(dir, n)).filter((f) => sidecarBroken(fs.readFileSync(f, "utf8")));
}
/** Removes the stack's broken sidecars; returns their paths. Idempotent. */
function removeBrokenSidecars(project, stack, backendUrl = process.env.PULUMI_BACKEND_URL) {
    const broken = brokenSidecars(project, stack, backendUrl);
    for (const f of broken)
        fs.rmSync(f, { force: true });
    return broken;
}
