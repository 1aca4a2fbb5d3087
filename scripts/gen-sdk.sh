#!/usr/bin/env bash
# Generates tap's SDKs from schema.json with the real CLI (`pulumi package gen-sdk`, which runs the
# language hosts' generators) into <out>/nodejs, <out>/python and <out>/go.
# Usage: scripts/gen-sdk.sh [<out>]   (default: sdk/, which `make sdk` updates)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$(mkdir -p "${1:-$root/sdk}" && cd "${1:-$root/sdk}" && pwd)"
home="$(mktemp -d)"
trap 'rm -rf "$home"' EXIT
export PATH="$root/bin:$PATH" PULUMI_HOME="$home" PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
for lang in nodejs python go; do
  rm -rf "${out:?}/$lang"
  pulumi package gen-sdk "$root/schema.json" --language "$lang" --out "$out" >/dev/null
done
