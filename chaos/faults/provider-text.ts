// The fault provider's serialized text (the dynamic resource's `__provider`), made once per version of its code.
import * as pulumi from "@pulumi/pulumi";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/**
 * Why cached: the SDK serializes a dynamic provider's closure in every program run, walking each captured
 * function through the V8 inspector and parsing it with TypeScript: ≈ 80 KB of text for the fault provider,
 * 1.2–2.5 s when timed alone under tsx (docs/benchmarks.md). That text is a function of the code alone: the
 * same under another HOME, cache directory and environment (test/unit/faults/provider-text.test.ts), so it
 * is stored under a key made of that code — every project module loaded when the first fault is declared,
 * both tsconfigs, the TypeScript loader — and the versions of Node.js, the SDK and TypeScript. Any edit makes
 * a new key, so a cached text never outlives the code it came from. Hand-rolled: the SDK has no hook for it.
 */

export interface KeyInput {
  /** Project modules loaded (path relative to the project, content). */
  modules: Array<{ file: string; content: string }>;
  /** Everything else the text depends on: versions, tsconfig, the loader. */
  context: string[];
}

/** The cache key: order of the modules does not matter; any byte of any input does. */
export function providerTextKey(input: KeyInput): string {
  const h = crypto.createHash("sha256");
  for (const c of input.context) h.update(`${c.length}:${c}\n`);
  for (const m of [...input.modules].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0))) {
    h.update(`${m.file.length}:${m.file}\n${m.content.length}:`).update(m.content).update("\n");
  }
  return h.digest("hex").slice(0, 32);
}

const PROJECT = path.resolve(__dirname, "..", "..");
const version = (pkg: string) => { try { return String(require(`${pkg}/package.json`).version); } catch { return "absent"; } };

/** This process's key input: the project's loaded modules (not node_modules) and the compile context. */
function currentKeyInput(): KeyInput {
  const files = Object.keys(require.cache).filter((f) => f.startsWith(PROJECT + path.sep) && !f.includes(`${path.sep}node_modules${path.sep}`));
  const read = (f: string) => { try { return fs.readFileSync(f, "utf8"); } catch { return `unreadable ${Math.random()}`; } };
  return {
    modules: files.map((f) => ({ file: path.relative(PROJECT, f), content: read(f) })),
    context: [process.version, version("@pulumi/pulumi"), version("typescript"), read(path.join(PROJECT, "tsconfig.json")), read(path.join(PROJECT, "tsconfig.program.json")),
      // ts-node (Pulumi's program), tsx (the CLI) and vitest emit different JavaScript from one source.
      String((require.extensions as Record<string, unknown>)[".ts"] ?? "no .ts loader")],
  };
}

export function providerTextDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.PGCHAOS_CACHE ?? path.join(env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "pgchaos"), "fault-provider");
}

export interface Serialized { text: string; containsSecrets: boolean }
export const KEEP_TEXTS = 10;

function readCached(file: string): Serialized | undefined {
  try {
    const s = JSON.parse(fs.readFileSync(file, "utf8")) as Serialized;
    return typeof s.text === "string" && s.text.length > 0 && typeof s.containsSecrets === "boolean" ? s : undefined;
  } catch {
    return undefined;
  }
}

/** Writes atomically (rename), keeps the newest KEEP_TEXTS; a cache that cannot be written only costs time. */
function writeCached(dir: string, file: string, s: Serialized): void {
  try {
    fs.mkdirSync(dir, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(s));
    fs.renameSync(tmp, file);
    const old = fs.readdirSync(dir).filter((f) => f.endsWith(".json")).map((f) => path.join(dir, f))
      .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs).slice(KEEP_TEXTS);
    for (const f of old) fs.rmSync(f, { force: true });
  } catch {
    // read-only home, full disk: the next run serializes again
  }
}

/** The cached text for this code, else a fresh serialization, stored. */
export async function serializedProvider(provider: pulumi.dynamic.ResourceProvider, opts: { dir?: string; keyInput?: KeyInput } = {}): Promise<Serialized> {
  const dir = opts.dir ?? providerTextDir();
  const file = path.join(dir, `${providerTextKey(opts.keyInput ?? currentKeyInput())}.json`);
  const cached = readCached(file);
  if (cached) return cached;
  const sf = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
  const fresh = { text: sf.text, containsSecrets: sf.containsSecrets };
  writeCached(dir, file, fresh);
  return fresh;
}

const perProcess = new WeakMap<pulumi.dynamic.ResourceProvider, pulumi.Output<string>>();

/** The provider's text as the SDK's dynamic.Resource would send it (secret when it captured a secret). */
export function providerText(provider: pulumi.dynamic.ResourceProvider): pulumi.Output<string> {
  let text = perProcess.get(provider);
  if (!text) {
    text = pulumi.output(serializedProvider(provider)).apply((s) => (s.containsSecrets ? pulumi.secret(s.text) : pulumi.output(s.text)));
    perProcess.set(provider, text);
  }
  return text;
}
