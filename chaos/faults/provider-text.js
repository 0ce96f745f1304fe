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
exports.KEEP_TEXTS = void 0;
exports.providerTextKey = providerTextKey;
exports.providerTextDir = providerTextDir;
exports.serializedProvider = serializedProvider;
exports.providerText = providerText;
// The fault provider's serialized text (the dynamic resource's `__provider`), made once per version of its code.
const pulumi = __importStar(require("@pulumi/pulumi"));
const crypto = __importStar(require("crypto"));
const fs = __importStar(require("fs"));
const os = __importStar(require("os"));
const path = __importStar(require("path"));
/** The cache key: order of the modules does not matter; any byte of any input does. */
function providerTextKey(input) {
    const h = crypto.createHash("sha256");
    for (const c of input.context)
        h.update(`${c.length}:${c}\n`);
    for (const m of [...input.modules].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0))) {
        h.update(`${m.file.length}:${m.file}\n${m.content.length}:`).update(m.content).update("\n");
    }
    return h.digest("hex").slice(0, 32);
}
const PROJECT = path.resolve(__dirname, "..", "..");
const version = (pkg) => { try {
    return String(require(`${pkg}/package.json`).version);
}
catch {
    return "absent";
} };
/** This process's key input: the project's loaded modules (not node_modules) and the compile context. */
function currentKeyInput() {
    const files = Object.keys(require.cache).filter((f) => f.startsWith(PROJECT + path.sep) && !f.includes(`${path.sep}node_modules${path.sep}`));
    const read = (f) => { try {
        return fs.readFileSync(f, "utf8");
    }
    catch {
        return `unreadable ${Math.random()}`;
    } };
    return {
        modules: files.map((f) => ({ file: path.relative(PROJECT, f), content: read(f) })),
        context: [process.version, version("@pulumi/pulumi"), version("typescript"), read(path.join(PROJECT, "tsconfig.json")), read(path.join(PROJECT, "tsconfig.program.json")),
            // ts-node (Pulumi's program), tsx (the CLI) and vitest emit different JavaScript from one source.
            String(require.extensions[".ts"] ?? "no .ts loader")],
    };
}
function providerTextDir(env = process.env) {
    return path.join(env.PGCHAOS_CACHE ?? path.join(env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "pgchaos"), "fault-provider");
}
exports.KEEP_TEXTS = 10;
function readCached(file) {
    try {
        const s = JSON.parse(fs.readFileSync(file, "utf8"));
        return typeof s.text === "string" && s.text.length > 0 && typeof s.containsSecrets === "boolean" ? s : undefined;
    }
    catch {
        return undefined;
    }
}
/** Writes atomically (rename), keeps the newest KEEP_TEXTS; a cache that cannot be written only costs time. */
function writeCached(dir, file, s) {
    try {
        fs.mkdirSync(dir, { recursive: true });
        const tmp = `${file}.${process.pid}.tmp`;
        fs.writeFileSync(tmp, JSON.stringify(s));
        fs.renameSync(tmp, file);
        const old = fs.readdirSync(dir).filter((f) => f.endsWith(".json")).map((f) => path.join(dir, f))
            .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs).slice(exports.KEEP_TEXTS);
        for (const f of old)
            fs.rmSync(f, { force: true });
    }
    catch {
        // read-only home, full disk: the next run serializes again
    }
}
/** The cached text for this code, else a fresh serialization, stored. */
async function serializedProvider(provider, opts = {}) {
    const dir = opts.dir ?? providerTextDir();
    const file = path.join(dir, `${providerTextKey(opts.keyInput ?? currentKeyInput())}.json`);
    const cached = readCached(file);
    if (cached)
        return cached;
    const sf = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
    const fresh = { text: sf.text, containsSecrets: sf.containsSecrets };
    writeCached(dir, file, fresh);
    return fresh;
}
const perProcess = new WeakMap();
/** The provider's text as the SDK's dynamic.Resource would send it (secret when it captured a secret). */
function providerText(provider) {
    let text = perProcess.get(provider);
    if (!text) {
        text = pulumi.output(serializedProvider(provider)).apply((s) => (s.containsSecrets ? pulumi.secret(s.text) : pulumi.output(s.text)));
        perProcess.set(provider, text);
    }
    return text;
}
