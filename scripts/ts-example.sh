#!/usr/bin/env bash
# Makes a runnable copy of examples/typescript in <dir>: the program compiled once with tsc (the CLI
# then runs JavaScript, not ts-node on every command) against the generated SDK (scripts/ts-sdk.sh),
# with node_modules holding the SDK and @pulumi/pulumi. Usage: scripts/ts-example.sh <dir>
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$1"
sdk="$(bash "$root/scripts/ts-sdk.sh")"
rm -rf "$out"
mkdir -p "$out/node_modules/@tap"
cp "$root/examples/typescript/index.ts" "$root/examples/typescript/tsconfig.json" "$out/"
ln -s "$sdk/bin" "$out/node_modules/@tap/pulumi-tap"
ln -s "$sdk/node_modules/@pulumi" "$out/node_modules/@pulumi"
ln -s "$sdk/node_modules/@types" "$out/node_modules/@types"
(cd "$out" && "$sdk/node_modules/.bin/tsc" -p .)
test -f "$out/bin/index.js"
# The example's Pulumi.yaml, running the compiled program.
sed -e 's/^runtime: nodejs$/runtime:\n  name: nodejs\n  options:\n    typescript: false/' \
  "$root/examples/typescript/Pulumi.yaml" >"$out/Pulumi.yaml"
echo 'main: bin/index.js' >>"$out/Pulumi.yaml"
grep -q 'typescript: false' "$out/Pulumi.yaml"
echo '{"name": "tap-typescript-example", "private": true, "main": "bin/index.js"}' >"$out/package.json"
