#!/usr/bin/env bash
# The README's test command: idempotent setup, type check, then every unit and end-to-end test.
# End-to-end tests run the real Pulumi engine against real Docker; they fail (never skip) without them.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/scripts/setup.sh"
. "$ROOT/scripts/env.sh"
cd "$ROOT"
echo; echo "[test] tsc --noEmit"
npx tsc --noEmit
echo "[test] vitest run $*"
npx vitest run "$@"
