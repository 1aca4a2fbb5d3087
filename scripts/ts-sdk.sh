#!/usr/bin/env bash
# Builds the generated TypeScript SDK with tsc against @pulumi/pulumi from npm and packs it as npm
# ships it (`npm pack` of bin/ with its package.json), in $TAP_CACHE/sdk-check/nodejs/sdk; rebuilt
# only when sdk/nodejs changes. Prints the tarball's path. Usage: scripts/ts-sdk.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="${TAP_CACHE:-$HOME/.cache/tap}/sdk-check/nodejs"
stamp="$(cd "$root" && find sdk/nodejs -type f | sort | xargs cat | sha256sum | cut -c1-16)"
if [ "$(cat "$work/sdk/.stamp" 2>/dev/null)" != "$stamp" ] || ! ls "$work"/sdk/tap-pulumi-tap-*.tgz >/dev/null 2>&1; then
  rm -rf "$work/sdk"
  mkdir -p "$work"
  cp -r "$root/sdk/nodejs" "$work/sdk"
  (cd "$work/sdk" && npm install --no-audit --no-fund --loglevel=error @pulumi/pulumi@3.270.0 typescript@5.9 @types/node@20 >/dev/null && npx --no-install tsc) >&2
  cp "$work/sdk/package.json" "$work/sdk/bin/package.json"
  (cd "$work/sdk/bin" && npm pack --silent --pack-destination "$work/sdk" >/dev/null)
  echo "$stamp" >"$work/sdk/.stamp"
fi
ls "$work/sdk"/tap-pulumi-tap-*.tgz
