#!/usr/bin/env bash
# Makes a runnable copy of examples/go in <dir>: the generated Go SDK built with `go build ./...`
# (a copy under $TAP_CACHE, its go.sum completed by `go mod tidy`), the program's go.mod pointing at
# it with a replace as a user's would, the program built once into bin/ and named in the copy's
# Pulumi.yaml (the Go host's `binary` option). Usage: scripts/go-example.sh <dir>
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$1"
sdk="${TAP_CACHE:-$HOME/.cache/tap}/sdk-check/go/sdk"
rm -rf "$sdk"
mkdir -p "$(dirname "$sdk")"
cp -r "$root/sdk/go" "$sdk"
# The Pulumi Go SDK of the CLI tap tests with (its module graph resolves wherever the CLI builds).
pulumi_sdk="github.com/pulumi/pulumi/sdk/v3@$(cd "$root/tools/pulumi" && go list -m -f '{{.Version}}' github.com/pulumi/pulumi/sdk/v3)"
(cd "$sdk" && go get "$pulumi_sdk" >&2 && go mod tidy >&2 && go build ./... >&2)
rm -rf "$out"
cp -r "$root/examples/go" "$out"
cd "$out"
go mod edit -require=github.com/tap/pulumi-tap/sdk/go@v0.0.0 -replace=github.com/tap/pulumi-tap/sdk/go="$sdk"
go mod tidy >&2
go build -o bin/tap-example . >&2
sed -i 's|^runtime: go$|runtime:\n  name: go\n  options:\n    binary: bin/tap-example|' Pulumi.yaml
grep -q 'binary: bin/tap-example' Pulumi.yaml
