#!/usr/bin/env bash
# Writes the seed program in TypeScript, Python and Go, converted from examples/yaml by the real
# CLI (`pulumi convert --from yaml --language <lang> --generate-only`, with pulumi-converter-yaml
# and the tap plugin's schema), into <out>/typescript, <out>/python and <out>/go.
# Usage: scripts/convert-examples.sh [<out>]   (default: examples/, which `make examples` updates)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$(mkdir -p "${1:-$root/examples}" && cd "${1:-$root/examples}" && pwd)"
target="${CARGO_TARGET_DIR:-${TAP_CACHE:-$HOME/.cache/tap}/target}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/home" "$work/state"
cp -r "$root/examples/yaml" "$work/yaml"
export PATH="$root/bin:$target/debug:$PATH" PULUMI_HOME="$work/home" PULUMI_BACKEND_URL="file://$work/state"
export PULUMI_CONFIG_PASSPHRASE=convert PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
for lang in typescript python go; do
  rm -rf "$out/$lang"
  (cd "$work/yaml" && pulumi convert --from yaml --language "$lang" --generate-only --out "$out/$lang" --non-interactive >/dev/null)
done
# The converter (pulumi-yaml v1.25.0) writes a plain optional integer input as an int literal, but
# Go's SDK types it *int (availabilityZoneCount is plain: it decides how many subnets there are):
# the one fix-up, so examples/go compiles.
sed -i 's/\(AvailabilityZoneCount: *\)\([0-9][0-9]*\),/\1pulumi.IntRef(\2),/' "$out/go/main.go"
grep -q 'pulumi.IntRef(3)' "$out/go/main.go"
