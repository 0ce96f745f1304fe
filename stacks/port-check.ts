// Refuses a lab whose host ports are taken, before any resource is registered.
import { execFileSync } from "child_process";
import * as fs from "fs";
import { OWNER_LABEL } from "../components/docker/resources";
import { ConfigError, type LabConfig } from "./config";
import { labHostPorts, listeningPorts, overlappingPorts, portClashes, publishedPorts } from "./ports";

/**
 * Refuses a lab whose host ports are taken, before any resource is registered: the program runs at
 * preview and at the start of `up`, so a clash stops both with the key to change, and `up` never creates
 * half a lab. Listeners are read from /proc/net/tcp{,6} (Linux); Docker names the containers that own them.
 */
export function assertLabPortsFree(config: LabConfig, owner: string): void {
  const ports = labHostPorts(config);
  const problems = overlappingPorts(ports);
  const proc = ["/proc/net/tcp", "/proc/net/tcp6"].filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f, "utf8")).join("\n");
  const listening = listeningPorts(proc);
  let dockerPs = "";
  try {
    dockerPs = execFileSync("docker", ["ps", "--format", `{{.Names}}\t{{.Label "${OWNER_LABEL}"}}\t{{.Ports}}`], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
  } catch {
    // No engine: the lab's own images step fails with Docker's message; listeners are still checked.
  }
  problems.push(...portClashes(ports, listening, publishedPorts(dockerPs), owner));
  if (problems.length > 0) throw new ConfigError(`host ports of this lab are not free:\n${problems.join("\n")}`);
}
