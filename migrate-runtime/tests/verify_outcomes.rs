//! verify on a fresh proof, an applied one, a changed target, a tampered proof, and a
//! contract that changed since.

mod support;

use std::fs;
use std::path::PathBuf;

use migrate_runtime::{
    apply_file, prove_file, store_proof, ApplyOptions, Contract, ContractInfo, ProveOptions,
    Registry, VerifyError, VerifyOutcome, VersionInfo, Versioned,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use support::*;

fn registry() -> Registry {
    Registry::new().with::<Tasks>()
}

/// A target proven and its proof stored: (dir, target, proof path).
fn stored() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = write_doc(dir.path(), "tasks.json", &v1_doc_without_notes());
    let proof = prove_file(&TASKS, &path, &ProveOptions::default()).unwrap();
    let stored = store_proof(&path, &proof).unwrap();
    (dir, path, stored.path().to_owned())
}

#[test]
fn fresh_when_the_target_still_holds_the_proven_source() {
    let (dir, path, proof_path) = stored();
    let report = migrate_runtime::verify_proof(&registry(), &proof_path).unwrap();
    assert_eq!(report.outcome, VerifyOutcome::Fresh, "{}", report.detail);
    assert!(report.outcome.is_ok());
    assert_eq!(report.target.as_deref(), Some(path.as_path()));
    assert_eq!(report.proof.unwrap().target, "tasks.json");
    drop(dir);
}

#[test]
fn applied_when_the_target_holds_the_proven_result() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_doc(dir.path(), "tasks.json", &v1_doc_without_notes());
    let outcome = apply_file(&TASKS, &path, &ApplyOptions::default()).unwrap();
    let proof_path = outcome.proof_path.unwrap();
    let report = migrate_runtime::verify_proof(&registry(), &proof_path).unwrap();
    assert_eq!(report.outcome, VerifyOutcome::Applied, "{}", report.detail);
    assert!(report.outcome.is_ok());

    // Reformatting or reordering keys is still the same document.
    let doc: Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
    fs::write(&path, serde_json::to_vec(&doc).unwrap()).unwrap();
    let report = migrate_runtime::verify_proof(&registry(), &proof_path).unwrap();
    assert_eq!(report.outcome, VerifyOutcome::Applied, "{}", report.detail);
}

#[test]
fn changed_when_the_target_holds_something_else_or_is_gone() {
    let (_dir, path, proof_path) = stored();
    let mut doc: Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
    doc["id"] = "edited".into();
    fs::write(&path, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    let report = migrate_runtime::verify_proof(&registry(), &proof_path).unwrap();
    assert_eq!(report.outcome, VerifyOutcome::Changed, "{}", report.detail);
    assert!(!report.outcome.is_ok());

    fs::write(&path, b"not json at all").unwrap();
    let report = migrate_runtime::verify_proof(&registry(), &proof_path).unwrap();
    assert_eq!(report.outcome, VerifyOutcome::Changed, "{}", report.detail);

    fs::remove_file(&path).unwrap();
    let report = migrate_runtime::verify_proof(&registry(), &proof_path).unwrap();
    assert_eq!(report.outcome, VerifyOutcome::Changed);
    assert!(report.detail.contains("missing"), "{}", report.detail);
}

#[test]
fn tampered_when_the_proof_was_edited() {
    let (_dir, _path, proof_path) = stored();
    let original = fs::read_to_string(&proof_path).unwrap();

    // A property flipped by hand.
    let edited = original.replace("\"appendOnly\": true", "\"appendOnly\": false");
    assert_ne!(edited, original);
    fs::write(&proof_path, &edited).unwrap();
    let report = migrate_runtime::verify_proof(&registry(), &proof_path).unwrap();
    assert_eq!(report.outcome, VerifyOutcome::Tampered, "{}", report.detail);
    assert!(!report.outcome.is_ok());

    // A field added by hand is part of the content too.
    let mut value: Value = serde_json::from_str(&original).unwrap();
    value["note"] = "trust me".into();
    fs::write(&proof_path, serde_json::to_vec_pretty(&value).unwrap()).unwrap();
    let report = migrate_runtime::verify_proof(&registry(), &proof_path).unwrap();
    assert_eq!(report.outcome, VerifyOutcome::Tampered, "{}", report.detail);

    // Whitespace is not content: the canonical form is what is hashed.
    let value: Value = serde_json::from_str(&original).unwrap();
    fs::write(&proof_path, serde_json::to_vec(&value).unwrap()).unwrap();
    let report = migrate_runtime::verify_proof(&registry(), &proof_path).unwrap();
    assert_eq!(report.outcome, VerifyOutcome::Fresh, "{}", report.detail);
}

/// A second contract named `tasks` whose edge's down is wrong: a program whose contract
/// changed since the proof was made.
struct ChangedTasks;

#[derive(Serialize, Deserialize)]
#[serde(transparent)]
struct ChangedCurrent(TaskV2);

impl Versioned for ChangedCurrent {
    type Contract = ChangedTasks;
    const VERSION: u32 = 2;
    const INFO: VersionInfo = TaskV2::INFO;
}

static CHANGED: ContractInfo = ContractInfo {
    name: "tasks",
    version_key: "schemaVersion",
    unversioned: None,
    file: None,
    versions: BROKEN_WRONG_DOWN.versions,
};

impl Contract for ChangedTasks {
    type Current = ChangedCurrent;
    fn info() -> &'static ContractInfo {
        &CHANGED
    }
}

#[test]
fn mismatch_when_proving_the_same_source_again_gives_another_proof() {
    let (_dir, _path, proof_path) = stored();
    let changed = Registry::new().with::<ChangedTasks>();
    let report = migrate_runtime::verify_proof(&changed, &proof_path).unwrap();
    assert_eq!(report.outcome, VerifyOutcome::Mismatch, "{}", report.detail);
    assert!(!report.outcome.is_ok());
}

#[test]
fn errors_name_the_file_and_the_problem() {
    let (dir, _path, proof_path) = stored();
    let err = migrate_runtime::verify_proof(&Registry::new(), &proof_path).unwrap_err();
    assert!(matches!(err, VerifyError::UnknownContract { .. }), "{err}");
    assert!(err.to_string().contains("`tasks`"), "{err}");

    let missing = dir.path().join("migration").join("nope.json");
    let err = migrate_runtime::verify_proof(&registry(), &missing).unwrap_err();
    assert!(matches!(err, VerifyError::Read { .. }), "{err}");
    assert!(err.to_string().contains("nope.json"), "{err}");

    let junk = dir.path().join("migration").join("junk.json");
    fs::write(&junk, b"{}").unwrap();
    let err = migrate_runtime::verify_proof(&registry(), &junk).unwrap_err();
    assert!(matches!(err, VerifyError::NotAProof { .. }), "{err}");
}

#[test]
fn a_proof_naming_a_path_instead_of_a_file_is_refused() {
    let (_dir, _path, proof_path) = stored();
    let mut proof: migrate_runtime::Proof =
        serde_json::from_slice(&fs::read(&proof_path).unwrap()).unwrap();
    proof.target = "../outside.json".to_owned();
    proof.fingerprint = proof.compute_fingerprint();
    fs::write(&proof_path, proof.to_pretty_bytes()).unwrap();
    let err = migrate_runtime::verify_proof(&registry(), &proof_path).unwrap_err();
    assert!(err.to_string().contains("not a file name"), "{err}");
}
