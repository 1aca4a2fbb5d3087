#!/usr/bin/env bash
# Generates tap's SDKs from schema.json with the real CLI (`pulumi package gen-sdk`, which runs the
# language hosts' generators) into <out>/nodejs, <out>/python, <out>/go and <out>/dotnet.
# The .NET generator downloads the package logo (an HTTP GET of the schema's logoUrl, or of a
# default on a public host): it is given a copy of the schema whose logoUrl is the project's own
# docs/logo.png, served on 127.0.0.1 only while it runs, so nothing leaves the machine (the URL
# appears nowhere in what it writes: the SDK carries the logo file itself).
# Usage: scripts/gen-sdk.sh [<out>]   (default: sdk/, which `make sdk` updates)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$(mkdir -p "${1:-$root/sdk}" && cd "${1:-$root/sdk}" && pwd)"
home="$(mktemp -d)"
server=""
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$home"' EXIT
export PATH="$root/bin:$PATH" PULUMI_HOME="$home" PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
for lang in nodejs python go; do
  rm -rf "${out:?}/$lang"
  pulumi package gen-sdk "$root/schema.json" --language "$lang" --out "$out" >/dev/null
done

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
python3 -m http.server --bind 127.0.0.1 --directory "$root/docs" "$port" >"$home/http.log" 2>&1 &
server=$!
for _ in $(seq 1 50); do
  if python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/logo.png', timeout=1)" 2>/dev/null; then break; fi
  sleep 0.1
done
python3 - "$root/schema.json" "$home/schema.json" "http://127.0.0.1:$port/logo.png" <<'PY'
import json, sys
spec = json.load(open(sys.argv[1]))
spec["logoUrl"] = sys.argv[3]
json.dump(spec, open(sys.argv[2], "w"), indent=2)
PY
rm -rf "${out:?}/dotnet"
pulumi package gen-sdk "$home/schema.json" --language dotnet --out "$out" >/dev/null
cmp -s "$out/dotnet/logo.png" "$root/docs/logo.png"
