#!/usr/bin/env bash
# Replays each fuzz target's committed corpus, then fuzzes it for a while,
# two targets at a time (one per core).
#   scripts/fuzz.sh BUILD_DIR SECONDS
# Targets listed in fuzz/long.txt get SECONDS; the others a third of it.
# New inputs go to a scratch corpus so the committed one stays reviewed.
set -euo pipefail
bdir="$1"; secs="${2:-30}"
root="$(cd "$(dirname "$0")/.." && pwd)"
jobs="${FUZZ_JOBS:-2}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

run_one() { # $1 = target binary
  local t="$1" name corpus scratch s
  name=$(basename "$t")
  corpus="$root/fuzz/corpus/${name#fuzz_}"
  mkdir -p "$corpus"
  scratch="$work/$name.corpus"
  mkdir -p "$scratch"
  local dict=()
  [ -f "$root/fuzz/${name#fuzz_}.dict" ] && dict=(-dict="$root/fuzz/${name#fuzz_}.dict")
  s=$((secs / 3)); [ $s -lt 5 ] && s=5
  grep -qx "$name" "$root/fuzz/long.txt" 2>/dev/null && s=$secs
  if "$t" "${dict[@]}" -max_total_time="$s" -timeout=10 -rss_limit_mb=2048 \
       -artifact_prefix="$root/fuzz/" -print_final_stats=0 "$scratch" "$corpus" \
       > "$work/$name.log" 2>&1; then
    echo "fuzz: $name ${s}s ($(ls "$corpus" | wc -l) seeds): $(grep -E '^#[0-9]+\s+DONE' "$work/$name.log" | tail -1 | awk '{print $1" runs, "$3" "$4}')"
  else
    echo "fuzz: $name FAILED"; tail -40 "$work/$name.log"
    return 1
  fi
}

pids=()
fail=0
for t in "$bdir"/fuzz_*; do
  [ -x "$t" ] || continue
  run_one "$t" &
  pids+=($!)
  if [ ${#pids[@]} -ge "$jobs" ]; then
    wait "${pids[0]}" || fail=1
    pids=("${pids[@]:1}")
  fi
done
for p in "${pids[@]}"; do wait "$p" || fail=1; done
if [ $fail = 0 ]; then echo "fuzz: all targets passed"; else exit 1; fi
