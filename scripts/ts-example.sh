#!/usr/bin/env bash
# Makes a runnable copy of examples/typescript in <dir> as a user would: the generated SDK's npm
# tarball (scripts/ts-sdk.sh) installed with `npm install` beside the example's own dependencies
# from npm, and the program compiled once with tsc (the CLI then runs JavaScript, not ts-node on
# every command). Usage: scripts/ts-example.sh <dir>
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$1"
tarball="$(bash "$root/scripts/ts-sdk.sh")"
rm -rf "$out"
cp -r "$root/examples/typescript" "$out"
cd "$out"
npm install --no-audit --no-fund --loglevel=error "$tarball" @types/node@20 >/dev/null
npx --no-install tsc -p .
test -f bin/index.js
# The example's Pulumi.yaml, running the compiled program.
sed -i -e 's/^runtime: nodejs$/runtime:\n  name: nodejs\n  options:\n    typescript: false/' Pulumi.yaml
echo 'main: bin/index.js' >>Pulumi.yaml
grep -q 'typescript: false' Pulumi.yaml
