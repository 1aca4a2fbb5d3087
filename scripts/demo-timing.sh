#!/usr/bin/env bash
# The newcomer's first command, measured: `make demo` on a fresh clone with every cache empty
# (cold), `make demo` again (the second run), then `make demo-destroy`. The caches are isolated
# under one scratch directory, so this machine's own stay as they are: tap's (cargo target dir, Go
# tools, moto venv, demo state), cargo's registry, Go's module and build caches, pip's cache.
# Writes bench/demo-timing.md and bench/demo-timing.json, which `make bench` puts in REPORT.md.
# Usage: scripts/demo-timing.sh        (about ten minutes on 2 cores; a few GB of scratch)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
scratch="$(mktemp -d "${TMPDIR:-/tmp}/tap-demo-timing.XXXXXX")"
cleanup() {
  (cd "$scratch/clone" 2>/dev/null && make --no-print-directory demo-destroy >/dev/null 2>&1) || true
  chmod -R u+w "$scratch" 2>/dev/null || true
  rm -rf "$scratch"
}
trap cleanup EXIT

git clone -q "$root" "$scratch/clone"
export TAP_CACHE="$scratch/tap" CARGO_HOME="$scratch/cargo" GOMODCACHE="$scratch/gomod" \
  GOCACHE="$scratch/gocache" PIP_CACHE_DIR="$scratch/pip"
unset CARGO_TARGET_DIR
# The rustup proxies stay on PATH; only the registry and git caches move to the scratch CARGO_HOME.
export PATH="$HOME/.cargo/bin:$PATH"

# Runs `make demo` in the clone, each output line stamped with seconds since the start; prints
# "<total s> <s when the first resource was created> <s when the builds were done>".
run_demo() {
  local log=$1 start=$SECONDS status=0
  (cd "$scratch/clone" && make --no-print-directory demo 2>&1) | while IFS= read -r line; do
    printf '%d %s\n' "$((SECONDS - start))" "$line"
  done >"$log" || status=$?
  local total=$((SECONDS - start))
  if [ "$status" -ne 0 ] || ! grep -q 'Resources:' "$log"; then
    echo "make demo failed; its output:" >&2
    tail -n 40 "$log" >&2
    exit 1
  fi
  local first built
  first=$(awk '/ created( \(|$)/ { print $1; exit }' "$log")
  built=$(awk '/scripts\/demo.sh up/ { print $1; exit }' "$log")
  echo "$total ${first:--} ${built:--}"
}

echo "cold make demo in $scratch/clone ..." >&2
read -r cold cold_first cold_built < <(run_demo "$scratch/cold.log")
echo "second make demo ..." >&2
read -r warm warm_first warm_built < <(run_demo "$scratch/warm.log")
# What the cold run built, and for how long (the Go tools' own lines).
go_builds=$(sed -n 's/^[0-9]* built \(.*\) in \([0-9]*\) s$/\1 \2 s/p' "$scratch/cold.log" | paste -sd ';' - | sed 's/;/; /g')

machine="$(nproc) cores, $(rustc --version), $(go version | cut -d' ' -f3)"
cat >"$root/bench/demo-timing.json" <<JSON
{
  "measured": "$(date -u +%Y-%m-%d)",
  "machine": "$machine",
  "cold_s": $cold,
  "cold_first_resource_s": ${cold_first/-/null},
  "cold_builds_done_s": ${cold_built/-/null},
  "second_s": $warm
}
JSON
cat >"$root/bench/demo-timing.md" <<MD
## The newcomer's first command (scripts/demo-timing.sh)

\`make demo\` on a fresh clone with every cache empty (tap's, cargo's registry, Go's module and
build caches, pip's), then again. Measured $(date -u +%Y-%m-%d) on $machine.

| run | total | builds done | first resource created |
|---|---|---|---|
| cold | $cold s | ${cold_built} s | ${cold_first} s |
| second | $warm s | ${warm_built} s | ${warm_first} s |

Go tools built in the cold run: ${go_builds:-none}.
MD
echo "cold $cold s (builds done at ${cold_built} s), second $warm s; wrote bench/demo-timing.md and .json" >&2
