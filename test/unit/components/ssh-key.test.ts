import { spawnSync } from "child_process";
import { describe, expect, it } from "vitest";
import { splitKeyOutput, SSH_KEYGEN_SCRIPT } from "../../../components/lab/ssh";

describe("the SSH mode's key pair command", () => {
  it("prints a new ed25519 private key then its public line, split apart for the lab", () => {
    const r = spawnSync("/bin/sh", ["-c", SSH_KEYGEN_SCRIPT], { env: { ...process.env, KEY_COMMENT: "pgchaos-lab-unit" }, encoding: "utf8" });
    expect(r.status).toBe(0);
    const { privateKey, publicKey } = splitKeyOutput(r.stdout.replace(/\n$/, ""));
    expect(privateKey).toMatch(/^-----BEGIN OPENSSH PRIVATE KEY-----\n[\s\S]+-----END OPENSSH PRIVATE KEY-----\n$/);
    expect(publicKey).toMatch(/^ssh-ed25519 \S+ pgchaos-lab-unit$/);
    // The public half is the private key's: ssh-keygen -y derives the same line.
    const derived = spawnSync("bash", ["-c", 'f=$(mktemp); printf "%s" "$KEY" > "$f"; chmod 600 "$f"; ssh-keygen -y -f "$f"; rm -f "$f"'], { env: { ...process.env, KEY: privateKey }, encoding: "utf8" });
    expect(derived.stdout.trim().split(" ").slice(0, 2)).toEqual(publicKey.split(" ").slice(0, 2));
    // A second run is another key: the command runs once per stack, on create.
    expect(spawnSync("/bin/sh", ["-c", SSH_KEYGEN_SCRIPT], { env: { ...process.env, KEY_COMMENT: "x" }, encoding: "utf8" }).stdout).not.toContain(publicKey.split(" ")[1]);
  });

  it("refuses output that is not a key pair", () => {
    expect(() => splitKeyOutput("hello\nworld")).toThrow(/not a private key followed by an ssh-ed25519 public key/);
  });
});
