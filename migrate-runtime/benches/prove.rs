//! Prove on a large synthetic document, against the naive floor of SPEC §9 (one `Value`
//! parse + serialize + two sha256 passes of the same file), measured in the same run.
//!
//! `cargo bench -p migrate-runtime --bench prove [-- <tasks>]` (default 200000 tasks,
//! about 50 MB). A measurement to read, not a timed test: it asserts only that the proof
//! passes. Its floor is built inside the workspace, so with serde_json's `preserve_order`
//! and `float_roundtrip`, which slow it down: its ratios flatter the prover. The honest
//! ratios come from `bench/run.sh` (see `docs/performance.md`).

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use migrate_runtime::canonical::bytes_sha256;
use migrate_runtime::{migrate, prove_file, ContractInfo, ProveOptions};
use serde_json::{json, Value};

fn main() {
    let tasks: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
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
    drop(doc);
    let size = std::fs::metadata(&path).unwrap().len();
    println!("document: {:.1} MB, {tasks} tasks", size as f64 / 1e6);

    let floor = time(|| {
        let bytes = std::fs::read(&path).unwrap();
        let first = bytes_sha256(&bytes);
        let value: Value = serde_json::from_slice(&bytes).unwrap();
        let out = serde_json::to_vec(&value).unwrap();
        (first, bytes_sha256(&out))
    });
    println!("floor (parse + serialize + 2 sha256): {floor:?}");

    let bytes = std::fs::read(&path).unwrap();
    let value: Value = serde_json::from_slice(&bytes).unwrap();
    drop(bytes);
    let engine = time(|| migrate(&support::TASKS, &value).unwrap());
    drop(value);
    println!("engine migrate alone: {engine:?}");

    for (label, info) in [
        (
            "prove, reversible chain",
            &support::TASKS as &'static ContractInfo,
        ),
        ("prove, irreversible chain", &support::IRREVERSIBLE),
    ] {
        let mut pass = false;
        let took = time(|| {
            pass = prove_file(info, &path, &ProveOptions::default())
                .unwrap()
                .pass
        });
        assert!(pass, "{label}: the proof must pass");
        println!(
            "{label}: {took:?} = {:.1}x the floor (target: 0.4x)",
            took.as_secs_f64() / floor.as_secs_f64()
        );
    }
}

fn time<R>(f: impl FnOnce() -> R) -> Duration {
    let start = Instant::now();
    let out = f();
    let took = start.elapsed();
    drop(out);
    took
}
