// The faults' dynamic-provider host for the program host's runs (program-host-main.ts starts it): the CLI
// attaches to it (PULUMI_DEBUG_PROVIDERS) instead of booting Node.js and @pulumi/pulumi for every update.
// Its stdin is a pipe from the program host, closed when that process ends, however it ends: then this one ends.
process.stdin.on("end", () => process.exit(0));
process.stdin.on("error", () => process.exit(0));
process.stdin.resume();
// The SDK's provider server wants the engine's address as its argument and never uses it (it only listens);
// each attaching engine configures it anew. It prints its port on stdout, as for the engine.
process.argv.splice(2, process.argv.length - 2, "127.0.0.1:0");
require(require.resolve("@pulumi/pulumi/cmd/dynamic-provider", { paths: [process.cwd()] }));
