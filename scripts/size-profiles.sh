#!/usr/bin/env bash
# The release profile, side by side: each variant is a cold release build in its own target
# directory under $TAP_CACHE/size-profiles (several minutes each on 2 cores, so this is not part
# of `make bench`), measured for cold build time, stripped binary, release tarball, start-up
# (exec → port printed) and peak RSS after Handshake + Configure + GetSchema (the bench harness's
# own probe, `cargo bench --profile dev --bench tap -- --probe`, run against each binary), and the
# heaviest crates (`cargo bloat --crates`) of the first and last variant.
# Writes bench/size-profiles.json and bench/size-profiles.md, which `make bench` copies into
# bench/REPORT.md. Usage: scripts/size-profiles.sh [variant ...]   (default: all of them)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cache="${TAP_CACHE:-$HOME/.cache/tap}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$cache/target}"
cd "$root"

# name: opt-level lto codegen-units panic
declare -A profile=(
  [o3]="3 false 16 unwind"
  [fat-s]="s fat 1 unwind"
  [fat-s-abort]="s fat 1 abort"
  [fat-z]="z fat 1 unwind"
  [fat-z-abort]="z fat 1 abort"
)
order=(o3 fat-s fat-s-abort fat-z fat-z-abort)
[ $# -gt 0 ] && order=("$@")

bloat="$cache/tools/bin/cargo-bloat"
if [ ! -x "$bloat" ]; then
  echo "== installing cargo-bloat into $cache/tools" >&2
  cargo install --quiet --locked --root "$cache/tools" cargo-bloat --version "^0.12" >&2
fi
echo "== building the bench harness (dev profile, as the tests build it)" >&2
cargo bench --profile dev --bench tap --no-run --quiet >&2

# Cargo.toml's [profile.release] as "opt-level lto codegen-units panic" (cargo's defaults filled in).
release_profile() {
  python3 - "$root/Cargo.toml" <<'PY'
import sys, tomllib
p = tomllib.load(open(sys.argv[1], "rb")).get("profile", {}).get("release", {})
lto = p.get("lto", False)
lto = {True: "fat", False: "false"}.get(lto, lto)
print(p.get("opt-level", 3), lto, p.get("codegen-units", 16), p.get("panic", "unwind"))
PY
}
[ "$(python3 -c 'import tomllib' 2>&1)" = "" ] || { echo "python3 >= 3.11 (tomllib) is needed" >&2; exit 1; }

results="$(mktemp)"
trap 'rm -f "$results"' EXIT
for name in "${order[@]}"; do
  read -r opt lto cgu panic <<<"${profile[$name]}"
  # The variant Cargo.toml's release profile is (the one that ships) is built in the main target
  # directory, exactly as `make dist` and `make bench` build it (cold when it holds no release
  # build yet), so they reuse it; the others each in a directory of their own, from nothing.
  ships=false
  [ "$opt $lto $cgu $panic" = "$(release_profile)" ] && ships=true
  if $ships; then dir="$CARGO_TARGET_DIR"; else dir="$cache/size-profiles/$name"; rm -rf "$dir"; fi
  cold=true
  [ -e "$dir/release/pulumi-resource-tap" ] && cold=false
  echo "== $name: opt-level=$opt lto=$lto codegen-units=$cgu panic=$panic (build in $dir, cold: $cold, ships: $ships)" >&2
  # Symbols kept in every variant (as Cargo.toml keeps them), for cargo bloat; measured stripped.
  env=(CARGO_TARGET_DIR="$dir" CARGO_PROFILE_RELEASE_OPT_LEVEL="$opt" CARGO_PROFILE_RELEASE_LTO="$lto"
       CARGO_PROFILE_RELEASE_CODEGEN_UNITS="$cgu" CARGO_PROFILE_RELEASE_PANIC="$panic"
       CARGO_PROFILE_RELEASE_STRIP=false)
  start=$(date +%s.%N)
  env "${env[@]}" cargo build --release --quiet --bin pulumi-resource-tap >&2
  build_s=$(python3 -c "print(round($(date +%s.%N) - $start, 1))")
  binary="$dir/release/pulumi-resource-tap"
  stripped="$dir/pulumi-resource-tap.stripped"
  cp "$binary" "$stripped" && strip "$stripped"
  dist="$(mktemp -d)"
  tarball="$(bash scripts/dist.sh "$stripped" "$dist")"
  probe="$(TAP_PROVIDER_BINARY="$stripped" cargo bench --profile dev --bench tap --quiet -- --bench --probe 2>/dev/null | tail -n 1)"
  crates="[]"
  if [ "$name" = "${order[0]}" ] || [ "$name" = "${order[-1]}" ]; then
    if ! crates="$(env "${env[@]}" PATH="$(dirname "$bloat"):$PATH" cargo bloat --release --bin pulumi-resource-tap --crates -n 15 --message-format json 2>"$dir/bloat.log")"; then
      echo "cargo bloat failed (kept in $dir/bloat.log):" >&2; tail -n 5 "$dir/bloat.log" >&2; crates="[]"
    fi
  fi
  # What unwinding costs in the file: its tables (.eh_frame, its header, .gcc_except_table).
  unwind=$(size -A "$stripped" | awk '$1 ~ /^\.(eh_frame|eh_frame_hdr|gcc_except_table)$/ {s += $2} END {print s + 0}')
  python3 - "$name" "$opt" "$lto" "$cgu" "$panic" "$build_s" "$(stat -c %s "$stripped")" "$(stat -c %s "$tarball")" "$probe" "$crates" "$cold" "$ships" "$unwind" >>"$results" <<'PY'
import json, sys
name, opt, lto, cgu, panic, build, binary, tarball, probe, crates, cold, ships, unwind = sys.argv[1:]
print(json.dumps({"name": name, "opt_level": opt, "lto": lto, "codegen_units": int(cgu), "panic": panic,
                  "cold_build_s": float(build), "cold": cold == "true", "ships": ships == "true",
                  "binary_bytes": int(binary), "tarball_bytes": int(tarball), "unwind_table_bytes": int(unwind),
                  **json.loads(probe or "{}"), "crates": json.loads(crates or "[]")}))
PY
  rm -rf "$dist"
done

python3 - "$results" "$root/bench" "$(rustc --version)" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
out, rustc = sys.argv[2], sys.argv[3]
prev = {}
try:
    prev = {r["name"]: r for r in json.load(open(f"{out}/size-profiles.json"))["variants"]}
except Exception:
    pass
for r in rows:
    # A variant measured again without a rebuild keeps the cold build time measured before.
    was = prev.get(r["name"], {})
    if not r["cold"] and was.get("cold"):
        r["cold"], r["cold_build_s"] = True, was["cold_build_s"]
    prev[r["name"]] = r
# One variant ships: the one measured last as Cargo.toml's profile.
if any(r.get("ships") for r in rows):
    for r in prev.values():
        r["ships"] = any(r is x for x in rows) and r.get("ships", False)
variants = list(prev.values())
json.dump({"rustc": rustc, "variants": variants}, open(f"{out}/size-profiles.json", "w"), indent=2)
mb = lambda b: b / 1e6
unwind = lambda r: f"{mb(r['unwind_table_bytes']):.1f} MB" if "unwind_table_bytes" in r else "not measured"
md = ["## Release profiles (scripts/size-profiles.sh: cold release builds, side by side)", "",
      f"{rustc}, 2 cores. Targets: stripped binary ≤ 12 MB, tarball ≤ 5 MB, start-up ≤ 3 ms, "
      "peak RSS after Handshake + Configure + GetSchema ≤ 15 MB.", "",
      "| variant | opt-level | lto | codegen-units | panic | cold release build | stripped binary | of it unwind tables | tarball | start-up: exec → port (median) | peak RSS after Configure + GetSchema |",
      "|---|---|---|---|---|---|---|---|---|---|---|"]
for r in variants:
    ok = lambda v, t: "met" if v <= t else "missed"
    md.append(f"| {r['name']}{' (ships)' if r.get('ships') else ''} | {r['opt_level']} | {r['lto']} | {r['codegen_units']} | {r['panic']} | "
              f"{r['cold_build_s']:.0f} s{'' if r.get('cold', True) else ' (not cold)'} | {mb(r['binary_bytes']):.1f} MB ({ok(mb(r['binary_bytes']), 12)}) | "
              f"{unwind(r)} | "
              f"{mb(r['tarball_bytes']):.1f} MB ({ok(mb(r['tarball_bytes']), 5)}) | "
              f"{r.get('startup_port_ms', {}).get('median', float('nan')):.2f} ms | {r.get('rss_idle_mb', float('nan')):.1f} MB |")
for r in variants:
    crates = r.get("crates") or {}
    items = crates.get("crates", []) if isinstance(crates, dict) else []
    if items:
        md += ["", f"Heaviest crates in `{r['name']}` (cargo bloat --crates, share of .text):", "",
               "| crate | size | share |", "|---|---|---|"]
        total = crates.get("text-section-size", 1) or 1
        for c in items:
            md.append(f"| {c['name']} | {c['size'] / 1e6:.2f} MB | {100 * c['size'] / total:.1f} % |")
open(f"{out}/size-profiles.md", "w").write("\n".join(md) + "\n")
print("\n".join(md))
PY
