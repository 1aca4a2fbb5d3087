#!/usr/bin/env bash
# Packages a built pulumi-resource-tap into the release tarball Pulumi installs:
#   pulumi-resource-tap-v<version>-<os>-<arch>.tar.gz, the stripped binary at the archive root,
# and writes pulumi-resource-tap-v<version>-checksums.txt (sha256 of every tarball in <out-dir>)
# and its schema beside it. A directory of these served over HTTP is a plugin server: `pulumi plugin install
# resource tap <version> --server <url>`, or the pluginDownloadURL a program names.
# Usage: scripts/dist.sh <binary> <out-dir> [os] [arch]
set -euo pipefail
binary="$1"; out="$2"
os="${3:-linux}"; arch="${4:-amd64}"
root="$(cd "$(dirname "$0")/.." && pwd)"
version="$(sed -n 's/^version = "\(.*\)"/\1/p' "$root/Cargo.toml" | head -n1)"
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
cp "$binary" "$stage/pulumi-resource-tap"
strip "$stage/pulumi-resource-tap" 2>/dev/null || true
chmod 755 "$stage/pulumi-resource-tap"
mkdir -p "$out"
tarball="$out/pulumi-resource-tap-v$version-$os-$arch.tar.gz"
# GNU format: no pax global header (Pulumi's installer rejects one).
tar --format=gnu --owner=0 --group=0 -czf "$tarball" -C "$stage" pulumi-resource-tap
# The schema this binary serves (its pluginDownloadURL included): SDKs for this release are
# generated from it (`pulumi package gen-sdk <schema>`).
"$binary" --schema >"$out/pulumi-resource-tap-v$version-schema.json"
(cd "$out" && sha256sum pulumi-resource-tap-v"$version"-*.tar.gz >"pulumi-resource-tap-v$version-checksums.txt")
echo "$tarball"
