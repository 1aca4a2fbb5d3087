#!/usr/bin/env bash
# Builds the generated TypeScript SDK with tsc against @pulumi/pulumi from npm (and type-checks the
# TypeScript example against it), and installs the generated Python SDK into a venv and imports
# it. Work directories live under $TAP_CACHE so npm and pip downloads are reused.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cache="${TAP_CACHE:-$HOME/.cache/tap}/sdk-check"
mkdir -p "$cache"

echo "== TypeScript SDK: npm install + tsc"
tarball="$(bash "$root/scripts/ts-sdk.sh")"
test -s "$tarball"
echo "ok: sdk/nodejs compiles and packs ($(basename "$tarball"))"

echo "== TypeScript example: compiles against the SDK"
bash "$root/scripts/ts-example.sh" "$cache/nodejs/example"
echo "ok: examples/typescript compiles"

echo "== Python SDK: venv + import"
venv="$cache/venv"
if ! "$venv/bin/python" -c 'import pulumi' >/dev/null 2>&1; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "pulumi==3.272.0"
fi
"$venv/bin/pip" install -q --disable-pip-version-check --force-reinstall --no-deps "$root/sdk/python"
"$venv/bin/pip" install -q --disable-pip-version-check "$root/sdk/python"
"$venv/bin/python" -c 'import pulumi_tap, pulumi_tap.ec2, pulumi_tap.s3; print("ok: pulumi_tap", pulumi_tap.SecureRegion.__name__, pulumi_tap.ec2.Vpc.__name__)'
