//! In-process figures for SPEC §9, with divan: `prove_file` on a large synthetic document
//! beside the naive floor (one `Value` parse + serialize + two sha256 passes of the same
//! file), and `check_bytes` on one small state beside reading and parsing it, all in one
//! run so that they compare.
//!
//! `cargo bench -p migrate-runtime --bench prove` (the large document has
//! `MIGRATE_BENCH_TASKS` tasks, default 200000: about 45 MB). Figures to read, not timed
//! tests. The floor is built inside the workspace, so with serde_json's `preserve_order`
//! and `float_roundtrip`, which slow it down: its ratios flatter the prover. The honest
//! ratios come from `bench/run.sh` (see `docs/performance.md`).

#[path = "../tests/support/mod.rs"]
mod support;

use std::path::PathBuf;
use std::sync::LazyLock;

use divan::{black_box, Bencher};
use migrate_runtime::canonical::bytes_sha256;
use migrate_runtime::{check_bytes, prove_file, ProveOptions};
use serde_json::{json, Value};

fn main() {
    divan::main();
}

/// The large document, written once to a temporary directory kept for the whole run.
struct Large {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

static LARGE: LazyLock<Large> = LazyLock::new(|| {
    let tasks: usize = std::env::var("MIGRATE_BENCH_TASKS")
        .ok()
        .and_then(|t| t.parse().ok())
        .unwrap_or(200_000);
    let mut doc = support::v1_doc_without_notes();
    doc["tasks"] = Value::Array(
        (0..tasks)
            .map(|i| {
                json!({
                    "title": format!("task number {i}"), "owner": "someone", "n": i,
                    "ratio": i as f64 * 0.37, "tags": ["a", "b", "c"],
                    "meta": {"done": i % 2 == 0, "note": null, "by": "zzzzzzzzzzzzzzzz"}
                })
            })
            .collect(),
    );
    let dir = tempfile::tempdir().unwrap();
    let path = support::write_doc(dir.path(), "tasks.json", &doc);
    Large { _dir: dir, path }
});

/// A small state, as a directory of runs holds thousands of.
static SMALL: LazyLock<Vec<u8>> =
    LazyLock::new(|| serde_json::to_vec_pretty(&support::v1_doc()).unwrap());

#[divan::bench(sample_count = 5, sample_size = 1)]
fn large_floor(bencher: Bencher<'_, '_>) {
    let path = &LARGE.path;
    bencher.bench_local(|| {
        let bytes = std::fs::read(path).unwrap();
        let first = bytes_sha256(&bytes);
        let value: Value = serde_json::from_slice(&bytes).unwrap();
        let out = serde_json::to_vec(&value).unwrap();
        let second = bytes_sha256(&std::fs::read(path).unwrap());
        (first, second, out.len())
    });
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn large_prove(bencher: Bencher<'_, '_>) {
    let path = &LARGE.path;
    bencher.bench_local(|| {
        let proof = prove_file(&support::IRREVERSIBLE, path, &ProveOptions::default()).unwrap();
        assert!(proof.pass, "the proof must pass: {:?}", proof.errors);
        proof
    });
}

#[divan::bench]
fn small_read_parse(bencher: Bencher<'_, '_>) {
    bencher.bench_local(|| serde_json::from_slice::<Value>(black_box(&SMALL)).unwrap());
}

#[divan::bench]
fn small_check(bencher: Bencher<'_, '_>) {
    bencher.bench_local(|| check_bytes(&support::TASKS, "tasks.json", black_box(&SMALL)));
}
