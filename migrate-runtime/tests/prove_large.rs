//! A large document takes the prover's two-thread path (two parses at once, checks beside
//! the result's hash): its proof must say exactly what the one-thread path says of the
//! same document, findings and their order included.

mod support;

use migrate_runtime::{prove_file, ContractInfo, Proof, ProveOptions};
use support::*;

/// Past the size from which the prover uses two threads (1 MiB).
const PADDING: usize = 1 << 21;

/// The proof of `doc` as a small file, and as the same JSON followed by whitespace that
/// makes the file large.
fn small_and_large(info: &'static ContractInfo, doc: &serde_json::Value) -> (Proof, Proof) {
    let dir = tempfile::tempdir().unwrap();
    let small = write_doc(dir.path(), "small.json", doc);
    let mut bytes = std::fs::read(&small).unwrap();
    bytes.resize(bytes.len() + PADDING, b' ');
    let large = dir.path().join("large.json");
    std::fs::write(&large, bytes).unwrap();
    let options = ProveOptions::default();
    (
        prove_file(info, &small, &options).unwrap(),
        prove_file(info, &large, &options).unwrap(),
    )
}

#[test]
fn large_documents_get_the_same_verdicts_and_findings() {
    let contracts: [&'static ContractInfo; 11] = [
        &TASKS,
        &BROKEN_DROPS_NESTED,
        &BROKEN_DROPS_UNDER_RENAME,
        &BROKEN_CHANGES_VALUE,
        &BROKEN_DROPS_ESCAPED,
        &BROKEN_NOT_IDEMPOTENT,
        &BROKEN_REJECTS,
        &BROKEN_WRONG_DOWN,
        &IRREVERSIBLE,
        &LOSSY,
        &CONVERTS,
    ];
    for info in contracts {
        for doc in [v1_doc(), v1_doc_without_notes()] {
            let (small, mut large) = small_and_large(info, &doc);
            // Only the bytes differ (the padding), and the fingerprint that covers them.
            large.target = small.target.clone();
            large.source_hash = small.source_hash.clone();
            large.fingerprint = small.fingerprint.clone();
            assert_eq!(small, large, "{}", info.name);
        }
    }
}
