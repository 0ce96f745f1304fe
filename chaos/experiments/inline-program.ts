// The chaos program served from this process to one CLI run (an Automation API "inline program").
import { createRequire } from "module";

/**
 * Serves a Pulumi program from the calling process to one `pulumi up`, as the Automation API's
 * `Stack.up({ program })` does: the CLI connects to this process's language runtime (`--client`) instead of
 * starting the Node.js language host, which boots Node.js, loads @pulumi/pulumi (≈ 800 modules) and compiles
 * the program's TypeScript on every run. Same project, stack, state and resource URNs as the CLI's run (the
 * program is the same function `index.ts` runs). Not `Stack.up` itself: after the update it runs `stack
 * output` twice and `stack history` once, each a CLI start (see ChaosStack.apply).
 */
export interface InlineServer {
  /** Arguments for the CLI run that uses this server. */
  args: string[];
  /** Stops serving; after a run without error, fails when the program left promises pending (as Stack.up does). */
  close(hasError: boolean): void;
}

type Program = () => Promise<Record<string, unknown> | void>;

interface LanguageServer {
  onPulumiExit(hasError: boolean): void;
}

// The SDK's own gRPC and its (internal, untyped) language server: the instances Stack.up uses, so the
// served protocol is the one this @pulumi/pulumi speaks. @grpc/grpc-js is its dependency, not ours.
const sdk = createRequire(require.resolve("@pulumi/pulumi"));

export async function serveInline(program: Program): Promise<InlineServer> {
  const grpc = sdk("@grpc/grpc-js") as typeof import("@grpc/grpc-js");
  const { LanguageServer } = sdk("./automation/server") as { LanguageServer: new (p: Program) => LanguageServer };
  const { LanguageRuntimeService } = sdk("./proto/language_grpc_pb") as { LanguageRuntimeService: import("@grpc/grpc-js").ServiceDefinition };
  const { grpcChannelOptions } = sdk("./runtime/settings") as { grpcChannelOptions: Record<string, unknown> };
  const server = new grpc.Server({ ...grpcChannelOptions });
  const language = new LanguageServer(program);
  server.addService(LanguageRuntimeService, language as unknown as import("@grpc/grpc-js").UntypedServiceImplementation);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  return {
    args: [`--client=127.0.0.1:${port}`, "--exec-kind", "auto.inline"],
    close(hasError: boolean) {
      server.forceShutdown();
      language.onPulumiExit(hasError);
    },
  };
}
