// A password generated once per stack and kept only as a Pulumi secret.
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";

/**
 * A password generated once per stack (random.RandomPassword) and kept only as a Pulumi secret; it
 * changes only when the resource is replaced. Letters and digits only: shell-, URL- and libpq-safe, no
 * quoting surprises in connection strings.
 */
export function stackPassword(name: string, opts?: pulumi.CustomResourceOptions, length = 24): pulumi.Output<string> {
  return new random.RandomPassword(name, { length, special: false }, opts).result;
}
