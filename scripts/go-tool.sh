#!/usr/bin/env bash
# Builds a pinned Go tool once per machine into $TAP_CACHE/go-bin (keyed by its go.mod, go.sum,
# package, link flags, local sources and Go version) and links it to <out>: a fresh clone on a warm
# machine reuses the build instead of linking the CLI again.
# Usage: scripts/go-tool.sh <module dir> <out> <package> [ldflags]
set -euo pipefail
dir=$1 out=$2 pkg=$3
# No symbol table or DWARF: nothing here debugs these tools, and linking them is a long, one-core
# step of every cold build.
ldflags="-s -w ${4:-}"
cache="${TAP_CACHE:-$HOME/.cache/tap}/go-bin"
key=$(
  {
    cat "$dir/go.mod" "$dir/go.sum"
    echo "$pkg $ldflags"
    if [ -d "$dir/$pkg" ]; then cat "$dir/$pkg"/*.go; fi
    go version
  } | sha256sum | cut -c1-16
)
cached="$cache/$(basename "$out")-$key"
if [ ! -x "$cached" ]; then
  mkdir -p "$cache"
  echo "building $(basename "$out") ($pkg) into $cache, once per machine" >&2
  # go build is silent for minutes on a cold machine: say it is still working.
  started=$SECONDS
  (while sleep 60 </dev/null >/dev/null 2>&1; do echo "  ... still building $(basename "$out") ($((SECONDS - started)) s)" >&2; done) &
  ticker=$!
  trap 'kill $ticker 2>/dev/null || true' EXIT
  (cd "$dir" && go build -trimpath -ldflags "$ldflags" -o "$cached.tmp.$$" "$pkg")
  mv "$cached.tmp.$$" "$cached"
  echo "built $(basename "$out") in $((SECONDS - started)) s" >&2
fi
mkdir -p "$(dirname "$out")"
rm -f "$out"
ln "$cached" "$out" 2>/dev/null || cp "$cached" "$out"
touch "$out"
