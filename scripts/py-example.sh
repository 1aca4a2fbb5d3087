#!/usr/bin/env bash
# Makes a runnable copy of examples/python in <dir>: a venv (kept under $TAP_CACHE) with the pulumi
# package from PyPI and the generated SDK installed from a wheel built as pip builds it, named in
# the copy's Pulumi.yaml (toolchain pip). Usage: scripts/py-example.sh <dir>
# TAP_PY_SDK: another generated Python SDK to build (default sdk/python); TAP_PY_VENV: the venv's
# name under the cache (default py-example-venv; one venv per SDK, tests run at once).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$1"
sdk="${TAP_PY_SDK:-$root/sdk/python}"
cache="${TAP_CACHE:-$HOME/.cache/tap}/sdk-check"
venv="$cache/${TAP_PY_VENV:-py-example-venv}"
if ! "$venv/bin/python" -c 'import pulumi' >/dev/null 2>&1; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "pulumi==3.272.0" >&2
fi
wheels="$(mktemp -d)"
trap 'rm -rf "$wheels"' EXIT
cp -r "$sdk" "$wheels/src"
"$venv/bin/pip" wheel -q --disable-pip-version-check --no-deps -w "$wheels" "$wheels/src" >&2
# This build of the SDK, and what it needs from PyPI.
"$venv/bin/pip" install -q --disable-pip-version-check --force-reinstall --no-deps "$wheels"/pulumi_tap-*.whl >&2
"$venv/bin/pip" install -q --disable-pip-version-check "$wheels"/pulumi_tap-*.whl >&2
rm -rf "$out"
cp -r "$root/examples/python" "$out"
sed -i "s|^runtime: python$|runtime:\n  name: python\n  options:\n    toolchain: pip\n    virtualenv: $venv|" "$out/Pulumi.yaml"
grep -q "virtualenv: $venv" "$out/Pulumi.yaml"
