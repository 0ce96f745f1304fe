// The chaos program's host process: serves the program to the runner's chaos-stack `up`s (inline-program.ts).
import { spawn } from "child_process";
import { createRequire } from "module";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { runProgram } from "../../stacks";
import { projectName } from "./stale-locks";

/**
 * Serves `index.ts`'s program over Pulumi's language-runtime protocol, as the Automation API's
 * `Stack.up({ program })` does, for as many CLI runs (`--client=127.0.0.1:<port>`) as its parent makes.
 * Booted once: each run then needs no Node.js start, no SDK load and no TypeScript compile. A process of
 * its own, so the program's work never stalls the parent's event loop (the experiment's workload).
 * Messages: → { ready, providerPort } once; per run ← { serve } → { serving, port }, then after the CLI
 * run ← { finished, hasError } → { finished, faults?, error? }.
 */
type Program = () => Promise<Record<string, unknown>>;
interface LanguageServer {
  onPulumiExit(hasError: boolean): void;
}

// The SDK's own gRPC and its (internal, untyped) language server, as Stack.up uses them.
const sdk = createRequire(require.resolve("@pulumi/pulumi"));
const grpc = sdk("@grpc/grpc-js") as typeof import("@grpc/grpc-js");
const { LanguageServer } = sdk("./automation/server") as { LanguageServer: new (p: Program) => LanguageServer };
const { LanguageRuntimeService } = sdk("./proto/language_grpc_pb") as { LanguageRuntimeService: import("@grpc/grpc-js").ServiceDefinition };
const { grpcChannelOptions } = sdk("./runtime/settings") as { grpcChannelOptions: Record<string, unknown> };

// The faults' outputs as the last run registered them: what `stack output faults` would read back.
let faults: unknown;
const language = new LanguageServer(async () => {
  faults = undefined;
  const outputs = await runProgram();
  pulumi.output(outputs.faults as pulumi.Input<object[]>).apply((v) => { faults = v; });
  return outputs;
});
// Listening only during a run, as Stack.up's server does: an insecure local port, open no longer than needed.
let server: import("@grpc/grpc-js").Server | undefined;

process.on("message", (m: { type: string; hasError?: boolean }) => {
  if (m.type === "serve") {
    server = new grpc.Server({ ...grpcChannelOptions });
    server.addService(LanguageRuntimeService, language as unknown as import("@grpc/grpc-js").UntypedServiceImplementation);
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, port) =>
      process.send!(err ? { type: "error", error: err.message } : { type: "serving", port }));
    return;
  }
  if (m.type !== "finished") return;
  server?.forceShutdown();
  server = undefined;
  try {
    language.onPulumiExit(!!m.hasError); // after a clean run: fails when the program left promises pending
    process.send!({ type: "finished", faults: m.hasError ? undefined : faults });
  } catch (e) {
    process.send!({ type: "finished", error: (e as Error).message });
  }
});
/**
 * The faults' dynamic-provider host (provider-host.cjs), started once: the engine boots a provider per
 * update otherwise (≈ 0.9 s of Node.js and SDK before a fault can act, bench/toggle.ts). Its lifetime is
 * this process's (its stdin is our pipe). Resolves to its port.
 */
function startProviderHost(): Promise<number> {
  const projectDir = path.resolve(__dirname, "..", "..");
  // The project's name, as the engine gives a provider it boots (a provider's `configure` reads it).
  const project = projectName(projectDir);
  const env = { ...process.env, PULUMI_NODEJS_PROJECT: project, PULUMI_PROJECT: project };
  const child = spawn(process.execPath, [path.join(__dirname, "provider-host.cjs")], { cwd: projectDir, env, stdio: ["pipe", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    let out = "";
    let listening = false;
    child.on("error", reject);
    child.on("exit", (code) => {
      if (!listening) return reject(new Error(`the faults' provider host exited (${code}) before listening`));
      // Every later run would fail to attach: this host goes too, and the runner starts both anew (ProgramHost.shared).
      process.stderr.write(`the faults' provider host exited (${code}): the program host exits with it\n`);
      process.exit(1);
    });
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      const port = /^(\d+)\n/.exec(out)?.[1];
      if (port && !listening) {
        listening = true;
        resolve(Number(port));
      }
    });
  });
}

startProviderHost().then(
  (providerPort) => process.send!({ type: "ready", providerPort }),
  (e: Error) => process.send!({ type: "error", error: e.message }),
);
// The parent is gone (exit, crash): nothing is left to serve.
process.on("disconnect", () => process.exit(0));
