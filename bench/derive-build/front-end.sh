#!/usr/bin/env bash
# Front-end instructions of one crate of a workspace written by gen-contract.py --keep DIR:
# `cargo check` of the crate under cachegrind, the count of its rustc process (deterministic
# to about 0.01 G, where times vary by 10% on a shared machine).
#
#   bash bench/derive-build/front-end.sh DIR [with-migrate|serde-only|serde-used]
set -euo pipefail
dir=$1
crate=${2:-with-migrate}
command -v valgrind >/dev/null || { echo "front-end.sh: needs valgrind" >&2; exit 2; }
cd "$dir"
export CARGO_TARGET_DIR="$dir/target" CARGO_INCREMENTAL=0
cargo check -q -p "$crate"            # dependencies checked outside the count
touch "$crate/src/lib.rs"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
valgrind --tool=cachegrind --cache-sim=no --trace-children=yes \
    --cachegrind-out-file="$out/%p" cargo check -q -p "$crate" 2>/dev/null
name=${crate//-/_}
for f in "$out"/*; do
    if grep -q "^cmd: .*rustc --crate-name $name " "$f"; then
        awk -v c="$crate" '/^summary/ { printf "%s: %.3f G instructions (front end)\n", c, $2 / 1e9 }' "$f"
    fi
done
