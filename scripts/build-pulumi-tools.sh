#!/usr/bin/env bash
# Ensures the Pulumi CLI, the Node.js language host and the dynamic-provider shim.
# Uses an ordinary Pulumi install when one is on PATH; otherwise builds pinned Go modules from tools/
# (the offline path: the Go module proxy is reachable, Pulumi's download site is not) into the cache.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$ROOT/scripts/env.sh"
mkdir -p "$PGCHAOS_TOOLS_BIN"

CLI_VERSION=v3.274.1        # tools/pulumi-cli/go.mod
HOST_VERSION=v3.68.0        # tools/pulumi-language-nodejs/go.mod

ambient() { # a tool on PATH that is not one of ours
  local p; p=$(PATH="${PATH//$PGCHAOS_TOOLS_BIN:/}" command -v "$1" 2>/dev/null) || return 1; echo "$p"
}

# build NAME MODULE_DIR PACKAGE VERSION [extra go build args...]: rebuild only when the pinned module files change.
build() {
  local name=$1 dir=$2 pkg=$3 version=$4; shift 4
  local stamp="$PGCHAOS_TOOLS_BIN/.$name.stamp" want
  want=$(cat "$ROOT/$dir/go.mod" "$ROOT/$dir/go.sum" | sha256sum | cut -c1-16)
  if [ -x "$PGCHAOS_TOOLS_BIN/$name" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
    echo "[setup]   ok: $name $version (cached)"; return
  fi
  echo "[setup]   building $name $version from $pkg (go build; cold cache takes minutes)"
  local t0; t0=$(date +%s)
  (cd "$ROOT/$dir" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath "$@" \
      -ldflags "-w -s -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$version" \
      -o "$PGCHAOS_TOOLS_BIN/$name.tmp" "$pkg")
  mv "$PGCHAOS_TOOLS_BIN/$name.tmp" "$PGCHAOS_TOOLS_BIN/$name"
  echo "$want" >"$stamp"
  echo "[setup]   built $name in $(( $(date +%s) - t0 ))s"
}

if cli=$(ambient pulumi) && host=$(ambient pulumi-language-nodejs); then
  echo "[setup]   ok: using installed Pulumi: $cli ($("$cli" version)), $host"
else
  command -v go >/dev/null || { echo "[setup] neither an installed Pulumi nor Go to build it: install one of them" >&2; exit 1; }
  build pulumi tools/pulumi-cli github.com/pulumi/pulumi/pkg/v3/cmd/pulumi "$CLI_VERSION" -tags osusergo,grpcnotrace
  build pulumi-language-nodejs tools/pulumi-language-nodejs \
    github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs "$HOST_VERSION"
fi

# Dynamic providers (all of this project's resources) run through this shim, as in Pulumi's own release.
shim="$PGCHAOS_TOOLS_BIN/pulumi-resource-pulumi-nodejs"
if ! ambient pulumi-resource-pulumi-nodejs >/dev/null || [ -x "$shim" ]; then
  cat >"$shim.tmp" <<'SHIM'
#!/bin/sh
# Pulumi's Node.js dynamic-provider host: runs @pulumi/pulumi's provider from the program's node_modules.
exec node "$(node -p "require.resolve('@pulumi/pulumi/cmd/dynamic-provider')")" "$@"
SHIM
  chmod +x "$shim.tmp"; mv "$shim.tmp" "$shim"
fi
echo "[setup]   ok: $(pulumi version) with language host $(command -v pulumi-language-nodejs)"
