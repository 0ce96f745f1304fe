#!/usr/bin/env bash
# Builds Toxiproxy's server (pinned in tools/toxiproxy/go.mod, v2.5.0) into the tools cache, static so it
# runs inside a lab container; only bench/delay-fidelity.ts uses it. Rebuilds when the pin changes.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$ROOT/scripts/env.sh"
mkdir -p "$PGCHAOS_TOOLS_BIN"
out="$PGCHAOS_TOOLS_BIN/toxiproxy-server"
want=$(cat "$ROOT/tools/toxiproxy/go.mod" "$ROOT/tools/toxiproxy/go.sum" | sha256sum | cut -c1-16)
if [ -x "$out" ] && [ "$(cat "$out.stamp" 2>/dev/null)" = "$want" ]; then exit 0; fi
(cd "$ROOT/tools/toxiproxy" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -ldflags "-w -s" -o "$out.tmp" github.com/Shopify/toxiproxy/v2/cmd/server)
mv "$out.tmp" "$out"
echo "$want" > "$out.stamp"
echo "built $out ($("$out" -version 2>&1 | head -1))"
