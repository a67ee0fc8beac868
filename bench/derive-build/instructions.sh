#!/usr/bin/env bash
# Instructions of one crate's rustc process, in a workspace written by
# gen-contract.py --keep DIR: `cargo check` (the front end: expansion, type checking, the
# const checks) or `cargo build` (the front end and code generation) of the crate under
# cachegrind. Deterministic to about 0.01 G, where times vary by 10% on a shared machine.
#
#   bash bench/derive-build/instructions.sh DIR [with-migrate|serde-only|serde-used|round-trips] [check|build]
set -euo pipefail
dir=$1
crate=${2:-with-migrate}
mode=${3:-check}
case $mode in
    check) what="front end" ;;
    build) what="full build" ;;
    *) echo "instructions.sh: mode is check or build, not $mode" >&2; exit 2 ;;
esac
command -v valgrind >/dev/null || { echo "instructions.sh: needs valgrind" >&2; exit 2; }
cd "$dir"
export CARGO_TARGET_DIR="$dir/target" CARGO_INCREMENTAL=0
cargo "$mode" -q -p "$crate"            # dependencies built outside the count
touch "$crate/src/lib.rs"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
valgrind --tool=cachegrind --cache-sim=no --trace-children=yes \
    --cachegrind-out-file="$out/%p" --log-file="$out/log.%p" cargo "$mode" -q -p "$crate"
name=${crate//-/_}
for f in "$out"/*; do
    if grep -q "^cmd: .*rustc --crate-name $name " "$f"; then
        awk -v c="$crate" -v w="$what" '/^summary/ { printf "%s: %.3f G instructions (%s)\n", c, $2 / 1e9, w }' "$f"
    fi
done
