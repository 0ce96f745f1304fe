// The lab stack's program: the Lab component and the outputs the chaos layer and users read.
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { Lab } from "../components/lab/lab";
import type { LabConfig } from "./config";

/** The lab stack's program: the Lab component and the outputs the chaos layer and users read. */
export function labProgram(config: LabConfig) {
  const lab = new Lab("lab", {
    config,
    project: pulumi.getProject(),
    stack: pulumi.getStack(),
    imagesDir: path.join(__dirname, "..", "images"),
    baseImage: process.env.PGCHAOS_BASE_IMAGE ?? "debian:bookworm-slim",
  });
  return {
    scope: config.scope,
    network: lab.network,
    subnet: lab.subnet,
    leader: lab.leader,
    secondsToHealthy: lab.secondsToHealthy,
    readWriteConnection: lab.readWriteConnection,
    readOnlyConnection: lab.readOnlyConnection,
    superuserPassword: lab.superuserPassword,
    ports: config.ports,
    dcs: config.dcs,
    inventory: lab.inventory,
    monitoring: lab.monitoring ?? null,
    sshTargets: lab.sshTargets ?? null,
    sshPrivateKey: lab.sshPrivateKey ? pulumi.secret(lab.sshPrivateKey) : null,
  };
}
