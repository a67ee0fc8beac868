//! The proof store's rules: exclusive, append-only, never through a symlink.
#![cfg(unix)]

mod support;

use std::fs;
use std::path::Path;

use migrate_runtime::{
    prove_file, store_proof, Proof, ProveOptions, StoreError, StoreOutcome, MIGRATION_DIR,
};
use support::*;

fn proven(dir: &Path) -> (std::path::PathBuf, Proof) {
    let path = write_doc(dir, "tasks.json", &v1_doc_without_notes());
    let proof = prove_file(&TASKS, &path, &ProveOptions::default()).unwrap();
    assert!(proof.pass, "{}", errors(&proof));
    (path, proof)
}

fn stored_name(proof: &Proof) -> String {
    format!(
        "{}.json",
        proof.fingerprint.strip_prefix("sha256:").unwrap()
    )
}

/// Every entry of `dir`, sorted: what a step left behind.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn a_passing_proof_is_stored_pretty_under_its_fingerprint() {
    let dir = tempfile::tempdir().unwrap();
    let (path, proof) = proven(dir.path());
    let outcome = store_proof(&path, &proof).unwrap();
    let expected = dir.path().join(MIGRATION_DIR).join(stored_name(&proof));
    assert_eq!(outcome, StoreOutcome::Stored(expected.clone()));
    let text = fs::read_to_string(&expected).unwrap();
    assert!(text.ends_with("}\n"), "trailing newline");
    assert!(text.starts_with("{\n  \"proofFormat\": 1,\n"), "{text}");
    let back: Proof = serde_json::from_str(&text).unwrap();
    assert_eq!(back, proof);
    // No temp file is left behind.
    assert_eq!(
        listing(&dir.path().join(MIGRATION_DIR)),
        [stored_name(&proof)]
    );
}

#[test]
fn storing_again_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (path, proof) = proven(dir.path());
    let first = store_proof(&path, &proof).unwrap();
    let modified = fs::metadata(first.path()).unwrap().modified().unwrap();
    // A second prove of the same bytes gives the same proof, already stored.
    let again = prove_file(&TASKS, &path, &ProveOptions::default()).unwrap();
    assert_eq!(again, proof);
    let second = store_proof(&path, &again).unwrap();
    assert_eq!(second, StoreOutcome::AlreadyStored(first.path().to_owned()));
    assert_eq!(
        fs::metadata(first.path()).unwrap().modified().unwrap(),
        modified
    );
    assert_eq!(listing(&dir.path().join(MIGRATION_DIR)).len(), 1);
}

#[test]
fn a_conflicting_file_is_reported_and_left_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let (path, proof) = proven(dir.path());
    let store = dir.path().join(MIGRATION_DIR);
    fs::create_dir(&store).unwrap();
    let existing = store.join(stored_name(&proof));
    // Same length as the real proof, other bytes: only a content comparison tells.
    let mut other = proof.to_pretty_bytes();
    other[0] = b' ';
    fs::write(&existing, &other).unwrap();
    let err = store_proof(&path, &proof).unwrap_err();
    assert!(matches!(err, StoreError::Conflict { .. }), "{err}");
    assert!(err.is_verdict(), "a proof conflict is a verdict (exit 1)");
    assert!(err.to_string().contains(&stored_name(&proof)), "{err}");
    assert_eq!(fs::read(&existing).unwrap(), other);
    assert_eq!(listing(&store), [stored_name(&proof)]);
}

#[test]
fn a_symlinked_migration_folder_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let (path, proof) = proven(dir.path());
    std::os::unix::fs::symlink(elsewhere.path(), dir.path().join(MIGRATION_DIR)).unwrap();
    let err = store_proof(&path, &proof).unwrap_err();
    assert!(matches!(err, StoreError::Symlink { .. }), "{err}");
    assert!(!err.is_verdict());
    assert!(listing(elsewhere.path()).is_empty());
}

#[test]
fn a_migration_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (path, proof) = proven(dir.path());
    fs::write(dir.path().join(MIGRATION_DIR), b"not a folder").unwrap();
    let err = store_proof(&path, &proof).unwrap_err();
    assert!(matches!(err, StoreError::NotADirectory { .. }), "{err}");
    assert_eq!(
        fs::read(dir.path().join(MIGRATION_DIR)).unwrap(),
        b"not a folder"
    );
}

#[test]
fn failing_proofs_are_never_stored() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_doc(dir.path(), "tasks.json", &v1_doc_without_notes());
    let proof = prove_file(&BROKEN_DROPS_NESTED, &path, &ProveOptions::default()).unwrap();
    assert!(!proof.pass);
    let err = store_proof(&path, &proof).unwrap_err();
    assert!(matches!(err, StoreError::NotPassing { .. }), "{err}");
    assert!(!dir.path().join(MIGRATION_DIR).exists());
}

#[test]
fn an_edited_proof_is_not_stored() {
    let dir = tempfile::tempdir().unwrap();
    let (path, mut proof) = proven(dir.path());
    proof.chain = vec![2];
    let err = store_proof(&path, &proof).unwrap_err();
    assert!(matches!(err, StoreError::BadFingerprint { .. }), "{err}");
    // A fingerprint that is not a hash never becomes a file name.
    proof.fingerprint = "sha256:../../escape".to_owned();
    let err = store_proof(&path, &proof).unwrap_err();
    assert!(matches!(err, StoreError::BadFingerprint { .. }), "{err}");
    assert!(!dir.path().join(MIGRATION_DIR).exists());
}
