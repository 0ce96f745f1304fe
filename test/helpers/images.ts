import * as path from "path";
import { imageBuildScript } from "../../components/docker/commands";
import { imageTag } from "../../components/docker/resources";
import { engineEnv, must, PROJECT_DIR } from "./engine";

const IMAGES_DIR = path.join(PROJECT_DIR, "images");

/**
 * Builds (when missing) the base image and one role image exactly as the lab does — same contexts,
 * same build args, so the same tags — and returns the role image's tag. Tests that run a tool from an
 * image (promtool, the alert receiver) use the very image the lab runs.
 */
export function ensureLabImage(role: string): string {
  const baseImage = engineEnv().PGCHAOS_BASE_IMAGE ?? "debian:bookworm-slim";
  const baseArgs = { BASE_IMAGE: baseImage };
  const baseDir = path.join(IMAGES_DIR, "base");
  const base = imageTag("pgchaos/base", baseDir, baseArgs);
  must("bash", ["-c", imageBuildScript(base, baseDir, baseArgs)], { timeoutMs: 1_500_000 });
  if (role === "base") return base;
  const dir = path.join(IMAGES_DIR, role);
  const args = { PGCHAOS_BASE: base };
  const tag = imageTag(`pgchaos/${role}`, dir, args);
  must("bash", ["-c", imageBuildScript(tag, dir, args)], { timeoutMs: 1_500_000 });
  return tag;
}
