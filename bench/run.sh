#!/usr/bin/env bash
# Whole-process benchmarks of SPEC §9, side by side with their baselines, in one run.
#
#   bench/run.sh [MB] [FILES]      (defaults: 100 MB, 10000 files)
#
# Prints wall time and peak RSS (from /usr/bin/time) of each command, best of 3, and the
# ratios the targets are stated in. The machines are shared and noisy: compare ratios from
# one run, never absolute times across runs. Nothing here is a test.
#
# The baselines (`floor`, `read-parse`) live in bench/baseline/, a cargo project of its own
# outside the workspace, so that they get serde_json with its default features: the
# workspace's `preserve_order` and `float_roundtrip` would slow them down and flatter us.
set -euo pipefail
cd "$(dirname "$0")/.."
MB=${1:-100}
FILES=${2:-10000}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

cargo build --release -q -p migrate-bench -p migrate-cli
cargo build --release -q --manifest-path bench/baseline/Cargo.toml --target-dir target/baseline
BIN=target/release
BASE=target/baseline/release

"$BIN/gen-state" "$WORK/state.json" "$MB"
mkdir -p "$WORK/runs"
"$BIN/gen-dir" "$WORK/runs" "$FILES"
SIZE_KB=$(( $(stat -c %s "$WORK/state.json") / 1024 ))

# best_of3 NAME CMD...: prints "NAME seconds peak_kb" for the fastest of three runs.
best_of3() {
  local name=$1; shift
  local best_s="" best_kb=""
  for _ in 1 2 3; do
    /usr/bin/time -f "%e %M" -o "$WORK/time" "$@" >/dev/null 2>"$WORK/stderr" || {
      # migration exits 1 on a negative verdict; only a crash or usage error is fatal here
      code=$?; [ "$code" -le 1 ] || { cat "$WORK/stderr"; exit "$code"; }
    }
    read -r s kb <"$WORK/time"
    if [ -z "$best_s" ] || awk "BEGIN{exit !($s < $best_s)}"; then best_s=$s; best_kb=$kb; fi
  done
  echo "$name $best_s $best_kb"
}

FLOOR=$(best_of3 floor "$BASE/floor" "$WORK/state.json")
PROVE=$(best_of3 prove "$BIN/migration" prove --no-store --json "$WORK/state.json")
READ=$(best_of3 read-parse "$BASE/read-parse" "$WORK/runs")
CHECK=$(best_of3 check-dir "$BIN/migration" check --json "$WORK/runs")

printf '%-12s %8s %12s\n' command seconds peak_kb
for line in "$FLOOR" "$PROVE" "$READ" "$CHECK"; do printf '%-12s %8s %12s\n' $line; done
read -r _ floor_s _ <<<"$FLOOR"
read -r _ prove_s prove_kb <<<"$PROVE"
read -r _ read_s _ <<<"$READ"
read -r _ check_s _ <<<"$CHECK"
echo
awk -v p="$prove_s" -v f="$floor_s" 'BEGIN{printf "prove / floor            = %.2fx   (target <= 0.4x)\n", p/f}'
awk -v m="$prove_kb" -v s="$SIZE_KB" 'BEGIN{printf "prove peak RSS / file    = %.2fx   (target <= 3x; file %d KB)\n", m/s, s}'
awk -v c="$check_s" -v r="$read_s" -v n="$FILES" 'BEGIN{printf "check %d files / read+parse = %.2fx   (target <= 2x)\n", n, c/r}'
