# Which provider plugin serves @pulumi/docker, @pulumi/command and @pulumi/random (docs/toolchain.md).
# Sourced by env.sh: for each package, the stand-in's folder (providers/bin/<name>) goes on PATH only
# when no real pulumi-resource-<name> is installed — on PATH, beside the pulumi binary, or in
# $PULUMI_HOME/plugins (`pulumi plugin install`). The engine prefers a plugin on PATH over
# $PULUMI_HOME/plugins, so the check runs at every sourcing: a real plugin installed later wins at once.
# PGCHAOS_STANDIN_PLUGINS=0 never adds a stand-in (to run the conformance tests against real plugins).
# `bash scripts/plugins.sh` prints which one each package uses.

PGCHAOS_PLUGIN_NAMES="docker command random"

# The real plugin of that name, if one is installed (stand-in folders skipped); prints its path.
pgchaos_real_plugin() {
  local name=$1 dir found
  local IFS=:
  for dir in $PATH; do
    case "$dir" in "$PGCHAOS_ROOT"/providers/bin/*) continue ;; esac
    if [ -x "$dir/pulumi-resource-$name" ]; then echo "$dir/pulumi-resource-$name"; return 0; fi
  done
  unset IFS
  for found in "${PULUMI_HOME:-$HOME/.pulumi}"/plugins/resource-"$name"-v*/pulumi-resource-"$name"; do
    if [ -x "$found" ]; then echo "$found"; return 0; fi
  done
  return 1
}

pgchaos_plugins_path() {
  local name dir
  for name in $PGCHAOS_PLUGIN_NAMES; do
    dir="$PGCHAOS_ROOT/providers/bin/$name"
    # Leave PATH as it is when already decided for this folder (env.sh sourced twice).
    case ":$PATH:" in *":$dir:"*) continue ;; esac
    [ "${PGCHAOS_STANDIN_PLUGINS:-1}" = 0 ] && continue
    pgchaos_real_plugin "$name" >/dev/null || PATH="$PATH:$dir"
  done
  export PATH
}

pgchaos_plugins_report() {
  local name real
  for name in $PGCHAOS_PLUGIN_NAMES; do
    if real=$(pgchaos_real_plugin "$name"); then
      echo "@pulumi/$name: real plugin $real"
    elif command -v "pulumi-resource-$name" >/dev/null 2>&1; then
      echo "@pulumi/$name: offline stand-in $(command -v "pulumi-resource-$name") (no real plugin installed)"
    else
      echo "@pulumi/$name: NO plugin (PGCHAOS_STANDIN_PLUGINS=0 and no real plugin): pulumi plugin install resource $name" >&2
      return 1
    fi
  done
}

if [ "${BASH_SOURCE[0]:-$0}" = "$0" ]; then
  # Run as a script: report for a shell set up by env.sh.
  set -eu
  . "$(cd "$(dirname "$0")" && pwd)/env.sh"
  pgchaos_plugins_report
fi
