#!/usr/bin/env bash
# Benchmarks (print figures; never part of the tests): lab up/destroy/memory, faults through Pulumi vs
# bare, experiments, where a fault toggle's time goes (bench/toggle.ts), delay fidelity vs Toxiproxy
# (bench/delay-fidelity.ts; see docs/benchmarks.md). `--cold` also measures a cold lab (deletes the local images first).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/scripts/setup.sh" >/dev/null
. "$ROOT/scripts/env.sh"
cd "$ROOT"
npx tsx bench/lab.ts "$@"
npx tsx bench/faults.ts
npx tsx bench/experiments.ts --lab-stack "${PGCHAOS_STACK:-dev}" --set default
npx tsx bench/toggle.ts --lab-stack "${PGCHAOS_STACK:-dev}"
npx tsx bench/delay-fidelity.ts
