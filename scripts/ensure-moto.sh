#!/usr/bin/env bash
# Installs the pinned moto server into a venv kept outside the clone (reused by later runs and CI),
# and prints the venv's python. Usage: scripts/ensure-moto.sh
set -euo pipefail
MOTO_VERSION="${MOTO_VERSION:-5.2.5}"
cache="${TAP_CACHE:-$HOME/.cache/tap}"
venv="$cache/moto-$MOTO_VERSION"
if ! "$venv/bin/python" -c 'import moto.server' >/dev/null 2>&1; then
  mkdir -p "$cache"
  rm -rf "$venv"
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install -q --disable-pip-version-check "moto[server]==$MOTO_VERSION" >&2
fi
echo "$venv/bin/python"
