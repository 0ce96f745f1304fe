import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { openLabEarly } from "../../../stacks/lab-reference";

const created: Array<{ type: string; name: string; inputs: Record<string, any> }> = [];
const invoked: string[] = [];

// Which lab a chaos stack opens before its modules load (Pulumi mocks: what the engine would be asked).
describe("the chaos program opens its lab early", () => {
  beforeAll(() => {
    pulumi.runtime.setMocks(
      {
        newResource(args) {
          created.push({ type: args.type, name: args.name, inputs: args.inputs });
          return { id: `${args.name}-id`, state: { outputs: {} } };
        },
        call(args) {
          invoked.push(args.token);
          return {};
        },
      },
      "pgchaos",
      "qt-lab-chaos",
      true,
    );
  });

  it("reads the named lab stack, then asks for the faults' provider host", async () => {
    const lab = await openLabEarly({ kind: "chaos", labStack: "qt-lab" });
    expect(lab?.labStack).toBe("qt-lab");
    expect(created.map((c) => [c.type, c.name, c.inputs.name])).toEqual([["pulumi:pulumi:StackReference", "lab", "organization/pgchaos/qt-lab"]]);
    expect(invoked).toEqual(["pulumi-nodejs:dynamic:boot"]);
  });

  it("reads dev when no lab stack is named, as the config's default", async () => {
    created.length = 0;
    expect((await openLabEarly({ kind: "chaos" }))?.labStack).toBe("dev");
    expect(created.map((c) => c.inputs.name)).toEqual(["organization/pgchaos/dev"]);
  });

  it("opens nothing for SSH targets or a name that is not a stack name (the program reports it with zod's message)", async () => {
    created.length = 0;
    expect(await openLabEarly({ kind: "chaos", targets: { scope: "x", hosts: [] } })).toBeUndefined();
    expect(await openLabEarly({ kind: "chaos", labStack: "not a stack/name" })).toBeUndefined();
    expect(await openLabEarly({ kind: "chaos", labStack: 7 })).toBeUndefined();
    expect(created).toEqual([]);
  });
});
