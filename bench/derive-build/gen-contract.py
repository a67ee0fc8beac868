#!/usr/bin/env python3
"""Build-time benchmark of the derives (SPEC §9: a contract of 20 versions x 30 fields
compiles within 1.5x the time of the same structs with only the serde derives).

Writes a throwaway cargo workspace with two crates that depend on this workspace by path:

- `with-migrate`: `#[derive(Contract)]` and 20 `#[derive(Serialize, Deserialize, Versioned)]`
  structs; version 1 has 30 fields, each later version adds one defaulted field
  (`#[migration(from = k-1, adds_defaulted(extra_k))]`), so version 20 has 49.
- `serde-only`: the same structs with only `#[derive(Serialize, Deserialize)]`.
- `serde-used`: `serde-only` plus, per struct, a function that reads and writes it through
  `serde_json::Value`: a program that uses each version with serde_json.
- `round-trips`: `serde-only` plus, per struct, a pointer to the round trip the registry
  keeps for it (`__private::roundtrip_plain::<T>`: read the document as `T`, write it back),
  which the registry cannot do without: `with-migrate` minus the checks and the rest of the
  registry.

After one warm-up build of the dependencies, each crate is touched and rebuilt alone
(`cargo build -p <crate>`), alternating between the crates, RUNS times; the median wall time
of each is printed, and each ratio both of the medians and as the median of the ratios of
the builds run one after the other.

    python3 bench/derive-build/gen-contract.py [--runs N] [--versions V] [--fields F] [--keep DIR]
        [--incremental on|off|fresh] [--layout one-module|module-per-version]
"""

import argparse
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

WORKSPACE = pathlib.Path(__file__).resolve().parents[2]


def structs(
    versions: int,
    fields: int,
    migrate: bool,
    used: bool = False,
    round_trips: bool = False,
    modules: bool = False,
) -> str:
    out = ["use serde::{Deserialize, Serialize};"]
    if migrate:
        out.append("use migrate_runtime::{Contract, Versioned};")
        names = ", ".join(f"BenchV{v}" for v in range(1, versions + 1))
        out.append("#[derive(Contract)]")
        out.append(f'#[contract(name = "bench", versions({names}))]')
        out.append("pub struct Bench;")
    types = ["String", "u32", "bool", "Vec<String>", "Option<u64>", "f64"]
    for v in range(1, versions + 1):
        if modules:
            out.append(f"pub mod v{v} {{")
            out.append("    #[allow(unused_imports)]")
            out.append("    use super::*;")
        derives = "Serialize, Deserialize, Versioned" if migrate else "Serialize, Deserialize"
        out.append(f"/// Version {v}.")
        out.append(f"#[derive({derives})]")
        if migrate:
            out.append(f"#[versioned(contract = Bench, version = {v})]")
            if v > 1:
                out.append(f"#[migration(from = {v - 1}, adds_defaulted(extra_{v}))]")
        out.append(f"pub struct BenchV{v} {{")
        for f in range(fields):
            out.append(f"    pub field_{f}: {types[f % len(types)]},")
        for e in range(2, v + 1):
            out.append("    #[serde(default)]")
            out.append(f"    pub extra_{e}: u32,")
        out.append("}")
        if used:
            out.append(
                f"pub static ROUNDTRIP_{v}: fn(serde_json::Value) -> serde_json::Result<serde_json::Value> ="
                f" |v| serde_json::to_value(serde_json::from_value::<BenchV{v}>(v)?);"
            )
        if round_trips:
            out.append(
                f"pub static ROUNDTRIP_{v}: migrate_runtime::__private::RoundTrip ="
                f" migrate_runtime::__private::roundtrip_plain::<BenchV{v}>;"
            )
        if modules:
            out.append("}")
            out.append(f"pub use v{v}::BenchV{v};")
    return "\n".join(out) + "\n"


def write(root: pathlib.Path, versions: int, fields: int, modules: bool) -> None:
    runtime = WORKSPACE / "migrate-runtime"
    (root / "Cargo.toml").write_text(
        '[workspace]\nresolver = "2"\nmembers = ["with-migrate", "serde-only", "serde-used", "round-trips"]\n'
    )
    for name, migrate, used, round_trips in (
        ("with-migrate", True, False, False),
        ("serde-only", False, False, False),
        ("serde-used", False, True, False),
        ("round-trips", False, False, True),
    ):
        crate = root / name
        (crate / "src").mkdir(parents=True, exist_ok=True)
        (crate / "Cargo.toml").write_text(
            f'[package]\nname = "{name}"\nversion = "0.0.0"\nedition = "2021"\npublish = false\n\n'
            f'[dependencies]\nserde = {{ version = "1", features = ["derive"] }}\n'
            f'serde_json = "1"\nmigrate-runtime = {{ path = "{runtime}" }}\n'
        )
        (crate / "src" / "lib.rs").write_text(
            "#![allow(dead_code)]\n" + structs(versions, fields, migrate, used, round_trips, modules)
        )


def build(root: pathlib.Path, crate: str, env: dict, fresh_cache: bool) -> float:
    (root / crate / "src" / "lib.rs").touch()
    if fresh_cache:
        # cargo's dev default (incremental) on a crate it has not built before: its
        # incremental cache goes, its dependencies' builds stay.
        name = crate.replace("-", "_")
        for cache in (root / "target" / "debug" / "incremental").glob(f"{name}-*"):
            shutil.rmtree(cache)
    start = time.perf_counter()
    subprocess.run(
        ["cargo", "build", "--quiet", "-p", crate],
        cwd=root,
        env=env,
        check=True,
    )
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--versions", type=int, default=20)
    parser.add_argument("--fields", type=int, default=30)
    parser.add_argument("--keep", help="write the crates here and keep them")
    parser.add_argument(
        "--incremental",
        choices=["on", "off", "fresh"],
        default="off",
        help="off (default): each rebuild compiles the crate from scratch, without incremental"
        " compilation; on: cargo's dev default, a rebuild after a touch; fresh: cargo's dev"
        " default with the crate's incremental cache removed before each build",
    )
    parser.add_argument(
        "--layout",
        choices=["one-module", "module-per-version"],
        default="one-module",
        help="one-module (default): all the structs in the crate's root; module-per-version:"
        " each version in a module of its own (`mod v1 { ... }`), as many projects write them",
    )
    args = parser.parse_args()

    root = pathlib.Path(args.keep or tempfile.mkdtemp(prefix="migrate-derive-bench-"))
    root.mkdir(parents=True, exist_ok=True)
    write(root, args.versions, args.fields, args.layout == "module-per-version")
    env = dict(
        os.environ,
        CARGO_TARGET_DIR=str(root / "target"),
        CARGO_INCREMENTAL="0" if args.incremental == "off" else "1",
    )
    try:
        print(f"workspace: {root}", file=sys.stderr)
        subprocess.run(["cargo", "build", "--quiet", "--workspace"], cwd=root, env=env, check=True)
        times = {"with-migrate": [], "serde-only": [], "serde-used": [], "round-trips": []}
        for _ in range(args.runs):
            for crate in times:
                times[crate].append(build(root, crate, env, args.incremental == "fresh"))
        medians = {crate: statistics.median(ts) for crate, ts in times.items()}
        for crate, ts in times.items():
            runs = ", ".join(f"{t:.2f}" for t in ts)
            print(f"{crate:13} median {medians[crate]:.2f} s  (runs: {runs})")
        # Two estimates of each ratio: of the medians, and the median of the ratios of the
        # builds run one after the other (a pair sees the machine in the same state, so the
        # second is the steadier one when other tenants come and go during the run), with
        # its quartiles.
        def ratios(crate: str, base: str) -> str:
            of_medians = medians[crate] / medians[base]
            paired = sorted(a / b for a, b in zip(times[crate], times[base]))
            q = statistics.quantiles(paired, n=4) if len(paired) > 1 else paired * 3
            return (
                f"{of_medians:.2f}x of medians, {statistics.median(paired):.2f}x median of pairs"
                f" (quartiles {q[0]:.2f}x-{q[2]:.2f}x)"
            )

        for crate in ("with-migrate", "serde-used", "round-trips"):
            print(f"ratio {crate} / serde-only: {ratios(crate, 'serde-only')}")
        print("target: with-migrate / serde-only at most 1.5x")
        for base in ("serde-used", "round-trips"):
            print(f"ratio with-migrate / {base}: {ratios('with-migrate', base)}")
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
