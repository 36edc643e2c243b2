#!/usr/bin/env bash
# Replays each fuzz target's committed corpus, then fuzzes it for a while.
#   scripts/fuzz.sh BUILD_DIR SECONDS
# Targets listed in fuzz/long.txt get SECONDS; the others a third of it.
# New inputs go to a scratch corpus so the committed one stays reviewed.
set -euo pipefail
bdir="$1"; secs="${2:-30}"
root="$(cd "$(dirname "$0")/.." && pwd)"
fail=0
for t in "$bdir"/fuzz_*; do
  [ -x "$t" ] || continue
  name=$(basename "$t")
  corpus="$root/fuzz/corpus/${name#fuzz_}"
  mkdir -p "$corpus"
  scratch=$(mktemp -d)
  dict=()
  [ -f "$root/fuzz/${name#fuzz_}.dict" ] && dict=(-dict="$root/fuzz/${name#fuzz_}.dict")
  s=$((secs / 3)); [ $s -lt 5 ] && s=5
  grep -qx "$name" "$root/fuzz/long.txt" 2>/dev/null && s=$secs
  echo "fuzz: $name for ${s}s (corpus $(ls "$corpus" | wc -l) files)"
  if ! "$t" "${dict[@]}" -max_total_time="$s" -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="$root/fuzz/" -print_final_stats=0 "$scratch" "$corpus" \
        >"$scratch.log" 2>&1; then
    echo "fuzz: $name FAILED"; tail -40 "$scratch.log"; fail=1
  else
    grep -E '^(#[0-9]+\s+DONE|Done)' "$scratch.log" | tail -1 || true
  fi
  rm -rf "$scratch" "$scratch.log"
done
if [ $fail = 0 ]; then echo "fuzz: all targets passed"; else exit 1; fi
