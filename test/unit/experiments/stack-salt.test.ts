import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { adoptLabSalt } from "../../../chaos/experiments/stack-salt";

const SALT = "v1:J1yqUfUEB/g=:v1:tLrD3ObRUv4/5YVM:nZHTBqrz1VeAGfKel1S47O8pjcF3qQ==";

describe("a new chaos stack takes its lab's passphrase salt", () => {
  const project = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pgchaos-salt-"));
    fs.writeFileSync(path.join(dir, "Pulumi.lab.yaml"), `config:\n  pgchaos:kind: lab\nencryptionsalt: ${SALT}\n`);
    return dir;
  };
  const chaosFile = (dir: string) => parse(fs.readFileSync(path.join(dir, "Pulumi.lab-chaos.yaml"), "utf8"));

  it("writes the lab's salt into a chaos stack file that has none, keeping its config", () => {
    const dir = project();
    expect(adoptLabSalt(dir, "lab", "lab-chaos")).toBe(true);
    expect(chaosFile(dir)).toEqual({ encryptionsalt: SALT });
    const dir2 = project();
    fs.writeFileSync(path.join(dir2, "Pulumi.lab-chaos.yaml"), "# mine\nconfig:\n  pgchaos:kind: chaos\n");
    expect(adoptLabSalt(dir2, "lab", "lab-chaos")).toBe(true);
    expect(chaosFile(dir2)).toEqual({ config: { "pgchaos:kind": "chaos" }, encryptionsalt: SALT });
    expect(fs.readFileSync(path.join(dir2, "Pulumi.lab-chaos.yaml"), "utf8")).toMatch(/^# mine/);
  });

  it("never replaces a stack's own salt or secrets provider, and does nothing for a lab without a passphrase salt", () => {
    const own = project();
    fs.writeFileSync(path.join(own, "Pulumi.lab-chaos.yaml"), "encryptionsalt: v1:other\n");
    expect(adoptLabSalt(own, "lab", "lab-chaos")).toBe(false);
    expect(chaosFile(own)).toEqual({ encryptionsalt: "v1:other" });
    const kms = project();
    fs.writeFileSync(path.join(kms, "Pulumi.lab.yaml"), "secretsprovider: awskms://alias/x\nencryptedkey: abc\n");
    expect(adoptLabSalt(kms, "lab", "lab-chaos")).toBe(false);
    expect(adoptLabSalt(project(), "no-such-lab", "lab-chaos")).toBe(false);
  });
});
