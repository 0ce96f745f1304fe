#!/usr/bin/env bash
# The README's main command: set up, bring the dev lab up (plain `pulumi up` on stack dev), then run the
# game day (the whole programme, findings, A/B runs for the fixes) and write reports/<run-id>/game-day.md.
# Arguments go to `pgchaos gameday` (e.g. --quick, --fail-on-findings).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/scripts/setup.sh"
. "$ROOT/scripts/env.sh"
cd "$ROOT"
STACK="${PGCHAOS_STACK:-dev}"
pulumi stack select "$STACK" 2>/dev/null || pulumi stack init "$STACK" --non-interactive
echo; echo "[lab] pulumi up -s $STACK (returns when the cluster is healthy)"
pulumi up --yes --skip-preview --stack "$STACK" --color never
pulumi stack select "$STACK-chaos" 2>/dev/null || pulumi stack init "$STACK-chaos" --non-interactive
echo; echo "[lab] game day (reports/latest/game-day.md when done)"
npx tsx cli/main.ts gameday --lab-stack "$STACK" "$@"
