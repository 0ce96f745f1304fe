import * as pulumi from "@pulumi/pulumi";

/**
 * A password generated once per stack from the kernel's random source (Node's crypto reads it) and kept
 * only as a Pulumi secret; it changes only when the resource is replaced. Replaces @pulumi/random,
 * whose plugin cannot be built offline (README).
 */
const passwordProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: { length: number }) {
    const { randomBytes } = require("crypto") as typeof import("crypto");
    // base64url is shell-, URL- and libpq-safe: no quoting surprises in connection strings.
    const value = randomBytes(Math.ceil((inputs.length * 3) / 4)).toString("base64url").slice(0, inputs.length);
    return { id: randomBytes(8).toString("hex"), outs: { length: inputs.length, value } };
  },
  async diff(_id: string, olds: { length: number }, news: { length: number }) {
    const changed = olds.length !== news.length;
    return { changes: changed, replaces: changed ? ["length"] : [] };
  },
};

export class StackPassword extends pulumi.dynamic.Resource {
  declare public readonly value: pulumi.Output<string>;

  constructor(name: string, args: { length?: number }, opts?: pulumi.CustomResourceOptions) {
    super(passwordProvider, name, { length: args.length ?? 24, value: undefined }, { ...opts, additionalSecretOutputs: ["value"] }, "pgchaos", "StackPassword");
  }
}
