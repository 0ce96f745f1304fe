import { main, type Provider } from "@pulumi/pulumi/provider";
import { checkInputs, diffInputs, type ResourceType } from "./resource";

/** The resource type token inside a URN (`urn:pulumi:stack::project::parent$type::name`). */
export const typeOfUrn = (urn: string): string => (urn.split("::")[2] ?? "").split("$").pop() ?? "";

/** The resource name inside a URN. */
export const nameOfUrn = (urn: string): string => urn.split("::").slice(3).join("::");

/** A provider serving these resource types, refusing any other with an error that names it. */
export function standInProvider(pkg: string, version: string, types: ResourceType[]): Provider {
  const byToken = new Map(types.map((t) => [t.token, t]));
  const typeOf = (urn: string): ResourceType => {
    const token = typeOfUrn(urn);
    const t = byToken.get(token);
    if (!t) throw new Error(`${token}: the offline stand-in of the ${pkg} plugin does not implement this resource type (it implements ${[...byToken.keys()].join(", ")})`);
    return t;
  };
  return {
    version,
    check: async (urn, _olds, news) => checkInputs(typeOf(urn), news),
    diff: async (_id, urn, olds, news) => diffInputs(typeOf(urn), olds, news),
    create: async (urn, inputs) => typeOf(urn).create(inputs, urn),
    read: async (id, urn, props) => typeOf(urn).read(id, props ?? {}),
    update: async (id, urn, olds, news) => {
      const t = typeOf(urn);
      if (!t.update) throw new Error(`${t.token}: no property of this type updates in place; the engine should have replaced it`);
      return t.update(id, olds, news);
    },
    delete: async (id, urn, props) => typeOf(urn).delete(id, props),
  };
}

/** Entry point of a stand-in plugin executable: serves the provider to the engine. */
export async function serve(provider: Provider): Promise<void> {
  await main(provider, process.argv.slice(2));
}
