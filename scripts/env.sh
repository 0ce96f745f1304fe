# Environment for every pgchaos command: source it (`. scripts/env.sh`) to run plain `pulumi` yourself.
# Offline Pulumi: no update check, no plugin downloads, a local file backend, a lab passphrase.
_pgchaos_root="$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")/.." && pwd)"
export PGCHAOS_ROOT="$_pgchaos_root"
export PGCHAOS_CACHE="${PGCHAOS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pgchaos}"
export PGCHAOS_TOOLS_BIN="${PGCHAOS_TOOLS_BIN:-$PGCHAOS_CACHE/bin}"
export PGCHAOS_BASE_IMAGE="${PGCHAOS_BASE_IMAGE:-debian:bookworm-slim}"
export PGCHAOS_STATE_DIR="${PGCHAOS_STATE_DIR:-$_pgchaos_root/.pulumi-state}"
# metadata=skip: the file backend writes no `.attrs` sidecar beside each checkpoint. It writes a checkpoint
# atomically but its sidecar in place, so a pulumi killed between the two left an empty sidecar and the stack
# unloadable ("failed to load checkpoint: EOF"; measured by bench/controller-death.ts). Nothing checks them.
export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://$PGCHAOS_STATE_DIR?metadata=skip}"
# The lab's secrets passphrase: a known default so the lab works unattended; set your own for anything real.
export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE-pgchaos-lab}"
export PULUMI_SKIP_UPDATE_CHECK=1
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=1
export PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK=1
# The program is type-checked by `tsc --noEmit` (npm test, CI); Pulumi's ts-node then only transpiles. With
# checking on, the first run after any edit type-checks the program against @pulumi/docker's large typings:
# measured 71.8 s vs 22.4 s for a lab preview with an empty ts-node cache (docs/benchmarks.md). Set false to check.
export PULUMI_NODEJS_TRANSPILE_ONLY="${PULUMI_NODEJS_TRANSPILE_ONLY:-true}"
export PULUMI_HOME="${PULUMI_HOME:-$HOME/.pulumi}"
case ":$PATH:" in *":$PGCHAOS_TOOLS_BIN:"*) ;; *) export PATH="$PGCHAOS_TOOLS_BIN:$PATH" ;; esac
# Provider plugins: the stand-ins (providers/bin/*) at the end of PATH, each only when its real plugin is absent.
. "$PGCHAOS_ROOT/scripts/plugins.sh"
pgchaos_plugins_path
unset _pgchaos_root
