#!/usr/bin/env bash
# Writes the seed program in TypeScript, Python, Go and C#, converted from examples/yaml by the real
# CLI (`pulumi convert --from yaml --language <lang> --generate-only`, with pulumi-converter-yaml
# and the tap plugin's schema), into <out>/typescript, <out>/python, <out>/go and <out>/dotnet
# (C#: written here, compiled nowhere: this machine has no .NET SDK).
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
for lang in typescript python go csharp; do
  dir="$out/$lang"
  [ "$lang" = csharp ] && dir="$out/dotnet"
  rm -rf "$dir"
  (cd "$work/yaml" && pulumi convert --from yaml --language "$lang" --generate-only --out "$dir" --non-interactive >/dev/null)
done
# The converter (pulumi-yaml v1.25.0) writes a plain optional integer input as an int literal, but
# Go's SDK types it *int (availabilityZoneCount is plain: it decides how many subnets there are):
# the one fix-up, so examples/go compiles.
sed -i 's/\(AvailabilityZoneCount: *\)\([0-9][0-9]*\),/\1pulumi.IntRef(\2),/' "$out/go/main.go"
grep -q 'pulumi.IntRef(3)' "$out/go/main.go"
# The C# converter (pulumi-language-dotnet v3.112.1) writes the empty object `passwordPolicy: {}`
# as null (no password policy: another program) and an object output as a bare collection
# initializer on `object?` (which does not compile): the two fix-ups, so examples/dotnet says what
# the YAML says.
sed -i 's/PasswordPolicy = null,/PasswordPolicy = new Tap.Inputs.PasswordPolicyArgs(),/' "$out/dotnet/Program.cs"
perl -0pi -e 's/(\["[a-z]+"\] = )\n(\s+)\{/$1new Dictionary<string, object?>\n$2\{/g' "$out/dotnet/Program.cs"
grep -q 'PasswordPolicy = new Tap.Inputs.PasswordPolicyArgs()' "$out/dotnet/Program.cs"
grep -q '\["east"\] = new Dictionary<string, object?>' "$out/dotnet/Program.cs"
