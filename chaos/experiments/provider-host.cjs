// The faults' dynamic-provider host for the program host's runs (program-host-main.ts starts it): the CLI
// attaches to it (PULUMI_DEBUG_PROVIDERS) instead of booting Node.js and @pulumi/pulumi for every update.
// Its stdin is a pipe from the program host, closed when that process ends, however it ends: then this one ends.
process.stdin.on("end", () => process.exit(0));
process.stdin.on("error", () => process.exit(0));
process.stdin.resume();

const { createRequire } = require("module");
const sdk = createRequire(require.resolve("@pulumi/pulumi", { paths: [process.cwd()] }));
// An engine that attaches to a running provider first calls its Attach (the engine's address), which
// @pulumi/pulumi's dynamic provider leaves unimplemented: it needs no address (it never calls the engine),
// so Attach is answered with nothing before its server starts. Everything else is the SDK's own service.
const grpc = sdk("@grpc/grpc-js");
const { Empty } = sdk("google-protobuf/google/protobuf/empty_pb");
const addService = grpc.Server.prototype.addService;
grpc.Server.prototype.addService = function (service, implementation) {
  if (service.attach) implementation.attach = (_call, callback) => callback(null, new Empty());
  return addService.call(this, service, implementation);
};
// Its server wants the engine's address as its argument and does not use it; it prints its port on stdout.
process.argv.splice(2, process.argv.length - 2, "127.0.0.1:0");
sdk("./cmd/dynamic-provider");
