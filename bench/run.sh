#!/usr/bin/env bash
# Whole-process benchmarks of SPEC §9, side by side with their baselines, in one run.
#
#   bench/run.sh [MB] [FILES]      (defaults: 100 MB, 10000 files)
#
# Prints wall time and peak RSS (from /usr/bin/time) of each command, best of RUNS (5), and the
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

# time_once CMD...: prints "seconds peak_kb" of one run of CMD.
time_once() {
  /usr/bin/time -f "%e %M" -o "$WORK/time" "$@" >/dev/null 2>"$WORK/stderr" || {
    # migration exits 1 on a negative verdict; only a crash or usage error is fatal here
    code=$?; [ "$code" -le 1 ] || { cat "$WORK/stderr" >&2; exit "$code"; }
  }
  cat "$WORK/time"
}

# paired NAME_A NAME_B -- CMD_A... -- CMD_B...: runs A and B alternately RUNS times (default
# 5), so that both see the machine as it is at the time, and prints, for each, the best
# time and its peak RSS, then the median of the RUNS ratios B/A.
paired() {
  local name_a=$1 name_b=$2; shift 3
  local cmd_a=() cmd_b=()
  while [ "$1" != "--" ]; do cmd_a+=("$1"); shift; done; shift
  cmd_b=("$@")
  local rows=""
  for _ in $(seq "${RUNS:-5}"); do
    local one two
    one=$(time_once "${cmd_a[@]}") || exit $?
    two=$(time_once "${cmd_b[@]}") || exit $?
    rows+="$one $two"$'\n'
  done
  local median best
  median=$(printf '%s' "$rows" | awk '{ printf "%.4f\n", $3 / $1 }' | sort -n |
    awk '{ r[NR] = $1 } END { printf "%.2f", (NR % 2) ? r[(NR + 1) / 2] : (r[NR / 2] + r[NR / 2 + 1]) / 2 }')
  best=$(printf '%s' "$rows" | awk '
    { if (NR == 1 || $1 < sa) { sa = $1; ka = $2 } if (NR == 1 || $3 < sb) { sb = $3; kb = $4 } }
    END { print sa, ka, sb, kb }')
  read -r sa ka sb kb <<<"$best"
  echo "$name_a $sa $ka $name_b $sb $kb $median"
}

PROVE=$(paired floor prove -- "$BASE/floor" "$WORK/state.json" -- \
  "$BIN/migration" prove --no-store --json "$WORK/state.json")
CHECK=$(paired read-parse check-dir -- "$BASE/read-parse" "$WORK/runs" -- \
  "$BIN/migration" check --json "$WORK/runs")
read -r _ floor_s floor_kb _ prove_s prove_kb prove_median <<<"$PROVE"
read -r _ read_s read_kb _ check_s check_kb check_median <<<"$CHECK"

printf '%-12s %8s %12s   (best of %s, run alternately in pairs)\n' command seconds peak_kb "${RUNS:-5}"
printf '%-12s %8s %12s\n' floor "$floor_s" "$floor_kb" prove "$prove_s" "$prove_kb" \
  read-parse "$read_s" "$read_kb" check-dir "$check_s" "$check_kb"
echo
awk -v p="$prove_s" -v f="$floor_s" -v m="$prove_median" 'BEGIN{printf "prove / floor            = %.2fx best/best, %.2fx median of pairs   (target <= 0.4x)\n", p/f, m}'
awk -v m="$prove_kb" -v s="$SIZE_KB" 'BEGIN{printf "prove peak RSS / file    = %.2fx   (target <= 3x; file %d KB)\n", m/s, s}'
awk -v c="$check_s" -v r="$read_s" -v n="$FILES" -v m="$check_median" 'BEGIN{printf "check %d files / read+parse = %.2fx best/best, %.2fx median of pairs   (target <= 2x)\n", n, c/r, m}'
