#!/usr/bin/env bash
# Idempotent setup: host packages, a Docker engine, the base image, the Pulumi toolchain, npm packages,
# and the local Pulumi backend. Prints each step; takes seconds when everything is already there.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=env.sh
. "$ROOT/scripts/env.sh"

# First http(s) Debian archive URI ("…/debian") in apt's deb822 .sources files or one-line .list files
# under $1 (commented lines never match: both patterns are anchored at the line start).
debian_mirror() {
  {
    grep -hE '^URIs:' "$1"/sources.list.d/*.sources 2>/dev/null | sed 's/^URIs://' | tr ' \t' '\n\n'
    grep -hE '^deb[[:space:]]' "$1"/sources.list "$1"/sources.list.d/*.list 2>/dev/null | sed -E 's/^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?//' | awk '{print $1}'
  } | grep -E '^https?://[^[:space:]]+/debian/?$' | head -1
}

step() { printf '\n[setup] %s\n' "$*"; }
ok() { printf '[setup]   ok: %s\n' "$*"; }
START=$(date +%s)

# ---------------------------------------------------------------- host packages
HOST_PACKAGES=(docker.io iptables debootstrap ca-certificates curl openssh-client)
step "host packages: ${HOST_PACKAGES[*]}"
missing=()
for p in "${HOST_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "[setup]   installing: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
ok "host packages present"

# ---------------------------------------------------------------- docker engine
step "docker engine"
if ! docker info >/dev/null 2>&1; then
  echo "[setup]   no engine answers 'docker info': starting dockerd (log: $PGCHAOS_CACHE/dockerd.log)"
  mkdir -p "$PGCHAOS_CACHE"
  nohup dockerd >"$PGCHAOS_CACHE/dockerd.log" 2>&1 &
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || { echo "[setup] dockerd did not answer within 60 s; last log lines:"; tail -20 "$PGCHAOS_CACHE/dockerd.log"; exit 1; }
fi
ok "docker $(docker version --format '{{.Server.Version}}')"

# ---------------------------------------------------------------- base image
step "base image $PGCHAOS_BASE_IMAGE"
if docker image inspect "$PGCHAOS_BASE_IMAGE" >/dev/null 2>&1; then
  ok "present"
elif timeout 60 docker pull -q "$PGCHAOS_BASE_IMAGE" >/dev/null 2>&1; then
  ok "pulled"
else
  # The Debian archive this machine's apt already uses, and no other: no mirror host is assumed.
  mirror=$(debian_mirror "${PGCHAOS_APT_DIR:-/etc/apt}" || true)
  if [ -z "$mirror" ]; then
    echo "[setup] no Debian mirror configured in ${PGCHAOS_APT_DIR:-/etc/apt}/sources.list or sources.list.d/*.sources|*.list" >&2
    echo "[setup]   (a URIs: line or a 'deb <mirror>/debian bookworm main' line) and no image $PGCHAOS_BASE_IMAGE to pull:" >&2
    echo "[setup]   configure apt with your Debian mirror, or load a debian:bookworm-slim image (docker load) and run setup again" >&2
    exit 1
  fi
  echo "[setup]   no registry answers: debootstrap --variant=minbase bookworm from $mirror"
  dir=$(mktemp -d)
  debootstrap --variant=minbase bookworm "$dir" "$mirror" >"$PGCHAOS_CACHE/debootstrap.log" 2>&1 \
    || { tail -20 "$PGCHAOS_CACHE/debootstrap.log"; exit 1; }
  # Keep images small and apt quiet, like the official slim image.
  rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/*
  tar -C "$dir" -c . | docker import -c 'CMD ["bash"]' - "$PGCHAOS_BASE_IMAGE" >/dev/null
  rm -rf "$dir"
  ok "built with debootstrap + docker import"
fi

# ---------------------------------------------------------------- pulumi toolchain
step "pulumi toolchain (cache: $PGCHAOS_TOOLS_BIN)"
"$ROOT/scripts/build-pulumi-tools.sh"

# ---------------------------------------------------------------- npm packages
step "npm packages"
lock_sum=$(sha256sum "$ROOT/package-lock.json" | cut -c1-16)
if [ -f "$ROOT/node_modules/.pgchaos-lock" ] && [ "$(cat "$ROOT/node_modules/.pgchaos-lock")" = "$lock_sum" ]; then
  ok "node_modules matches package-lock.json"
else
  (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$lock_sum" >"$ROOT/node_modules/.pgchaos-lock"
  ok "npm ci done"
fi

# ---------------------------------------------------------------- provider plugins
step "provider plugins (real where installed, else the offline stand-ins; docs/toolchain.md)"
# @pulumi/command's npm install script (`pulumi plugin install`, a download) is denied in package.json's
# allowScripts: npm skips it without hiding any other package's install error; this step decides instead.
pgchaos_plugins_report | sed 's/^/[setup]   /'
# The stand-ins start faster compiled (their scripts fall back to tsx when a source is newer than this).
if [ ! -f "$ROOT/providers/dist/.built" ] || [ -n "$(find "$ROOT/providers" -path "$ROOT/providers/dist" -prune -o -name '*.ts' -newer "$ROOT/providers/dist/.built" -print | head -1)" ]; then
  (cd "$ROOT" && rm -rf providers/dist && npx tsc -p providers/tsconfig.json && touch providers/dist/.built)
  ok "stand-ins compiled into providers/dist"
fi

# ---------------------------------------------------------------- pulumi backend
step "pulumi backend $PULUMI_BACKEND_URL"
mkdir -p "$PGCHAOS_STATE_DIR"
(cd "$ROOT" && pulumi login "$PULUMI_BACKEND_URL" >/dev/null)
ok "logged in to the local file backend (no Pulumi Cloud); secrets passphrase from PULUMI_CONFIG_PASSPHRASE"

printf '\n[setup] done in %ss\n' "$(( $(date +%s) - START ))"
