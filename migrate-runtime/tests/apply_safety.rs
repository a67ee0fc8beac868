//! apply: what it writes, what it refuses, how it survives a crash at each step, and that
//! two processes never interleave.
//!
//! Crashes and concurrency need separate processes: the tests re-run this test executable
//! with `--exact child_apply_entry`, which applies the file named by `CHILD_TARGET` and
//! prints its outcome; `MIGRATE_FAULT` makes that child abort after a given step.
#![cfg(unix)]

mod support;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use migrate_runtime::canonical::{bytes_sha256, canonical_sha256};
use migrate_runtime::{
    apply_file, ApplyAction, ApplyError, ApplyOptions, Status, FAULT_ENV, MIGRATION_DIR,
};
use serde_json::Value;
use support::*;

const CHILD_TARGET: &str = "MIGRATE_TEST_APPLY_TARGET";
const RESULT_TAG: &str = "APPLY-RESULT:";

/// The child side of the process tests; does nothing in a normal test run.
#[test]
fn child_apply_entry() {
    let Some(target) = std::env::var_os(CHILD_TARGET) else {
        return;
    };
    let outcome = match apply_file(&TASKS, Path::new(&target), &ApplyOptions::default()) {
        Ok(outcome) => format!("{:?}", outcome.action),
        Err(ApplyError::Locked { .. }) => "Locked".to_owned(),
        Err(e) => format!("error {e}"),
    };
    println!("{RESULT_TAG}{outcome}");
}

fn spawn_apply(target: &Path, fault: Option<&str>) -> std::process::Child {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args([
        "--exact",
        "child_apply_entry",
        "--nocapture",
        "--test-threads=1",
    ])
    .env(CHILD_TARGET, target)
    .env_remove(FAULT_ENV)
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    if let Some(step) = fault {
        cmd.env(FAULT_ENV, step);
    }
    cmd.spawn().unwrap()
}

fn child_result(output: &Output) -> Option<String> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .find_map(|l| l.split_once(RESULT_TAG).map(|(_, r)| r.trim().to_owned()))
}

/// A target holding a version-1 document, and its bytes.
fn setup() -> (tempfile::TempDir, PathBuf, Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    let path = write_doc(dir.path(), "tasks.json", &v1_doc_without_notes());
    let bytes = fs::read(&path).unwrap();
    (dir, path, bytes)
}

/// The migrated document, as apply must write it.
fn expected_result(path: &Path) -> Value {
    let proof = migrate_runtime::prove_file(&TASKS, path, &Default::default()).unwrap();
    let bytes = fs::read(path).unwrap();
    let doc: Value = serde_json::from_slice(&bytes).unwrap();
    let migrated = migrate_runtime::migrate(&TASKS, &doc).unwrap();
    assert_eq!(
        Some(canonical_sha256(&migrated.result)),
        proof.result_hash,
        "the proof's resultHash is the engine's result"
    );
    migrated.result
}

fn source_copy(dir: &Path, bytes: &[u8]) -> PathBuf {
    let hash = bytes_sha256(bytes);
    dir.join(MIGRATION_DIR)
        .join(format!("{}.source.json", &hash["sha256:".len()..]))
}

#[test]
fn apply_writes_the_result_and_keeps_proof_and_source() {
    let (dir, path, before) = setup();
    let expected = expected_result(&path);
    fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
    let outcome = apply_file(&TASKS, &path, &ApplyOptions::default()).unwrap();
    assert_eq!(outcome.action, ApplyAction::Applied);
    assert!(outcome.proof.pass);
    assert_eq!(outcome.proof.status, Status::Migrated);

    let written = fs::read_to_string(&path).unwrap();
    assert_eq!(
        written,
        format!("{}\n", serde_json::to_string_pretty(&expected).unwrap())
    );
    // The version key leads, then the source's keys in their order, then new ones.
    let keys: Vec<String> = serde_json::from_str::<Value>(&written)
        .unwrap()
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    assert_eq!(keys[0], "schemaVersion");
    assert_eq!(keys[1], "id");
    assert_eq!(
        fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );

    let proof_path = outcome.proof_path.unwrap();
    let stored: migrate_runtime::Proof =
        serde_json::from_slice(&fs::read(&proof_path).unwrap()).unwrap();
    assert_eq!(stored, outcome.proof);
    let copy = outcome.source_copy.unwrap();
    assert_eq!(copy, source_copy(dir.path(), &before));
    assert_eq!(fs::read(&copy).unwrap(), before);

    // Applying again finds the target current and writes nothing.
    let again = apply_file(&TASKS, &path, &ApplyOptions::default()).unwrap();
    assert_eq!(again.action, ApplyAction::UpToDate);
    assert_eq!(fs::read_to_string(&path).unwrap(), written);
    // No temp file is left beside the target.
    let leftovers: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn dry_run_writes_nothing() {
    let (dir, path, before) = setup();
    let outcome = apply_file(
        &TASKS,
        &path,
        &ApplyOptions {
            dry_run: true,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(outcome.action, ApplyAction::WouldApply);
    assert!(outcome.proof.pass);
    assert_eq!(fs::read(&path).unwrap(), before);
    assert_eq!(
        fs::read_dir(dir.path()).unwrap().count(),
        1,
        "nothing created"
    );
}

#[test]
fn apply_refuses_a_failing_or_unsupported_proof() {
    let (dir, path, before) = setup();
    let err = apply_file(&BROKEN_DROPS_NESTED, &path, &ApplyOptions::default()).unwrap_err();
    let ApplyError::NotProven { proof, .. } = &err else {
        panic!("{err}")
    };
    assert!(!proof.append_only);
    assert!(err.to_string().contains("/tasks/0/owner"), "{err}");
    assert!(err.is_verdict());
    assert_eq!(fs::read(&path).unwrap(), before);

    fs::write(&path, br#"{"schemaVersion": 9}"#).unwrap();
    let err = apply_file(&TASKS, &path, &ApplyOptions::default()).unwrap_err();
    assert!(err.to_string().contains("unsupported"), "{err}");
    assert!(err.to_string().contains("above-current"), "{err}");
    assert_eq!(fs::read(&path).unwrap(), br#"{"schemaVersion": 9}"#);
    // Nothing was written for either: no proof, no source copy, not even the store.
    assert!(!dir.path().join(MIGRATION_DIR).exists());
}

#[test]
fn declared_losses_need_acceptance() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_doc(dir.path(), "tasks.json", &v1_doc());
    let err = apply_file(&LOSSY, &path, &ApplyOptions::default()).unwrap_err();
    assert!(err.to_string().contains("losses"), "{err}");
    let outcome = apply_file(
        &LOSSY,
        &path,
        &ApplyOptions {
            accept_declared_losses: true,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(outcome.action, ApplyAction::Applied);
    let written: Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
    assert!(written.get("notes").is_none());
    // What was dropped is still in the store.
    let kept: Value =
        serde_json::from_slice(&fs::read(outcome.source_copy.unwrap()).unwrap()).unwrap();
    assert_eq!(kept["notes"], "keep me");
}

#[test]
fn a_symlinked_target_is_refused() {
    let (dir, path, before) = setup();
    let link = dir.path().join("link.json");
    std::os::unix::fs::symlink(&path, &link).unwrap();
    let err = apply_file(&TASKS, &link, &ApplyOptions::default()).unwrap_err();
    assert!(matches!(err, ApplyError::Symlink { .. }), "{err}");
    assert!(
        !err.is_verdict(),
        "a symlinked target is the environment (exit 2)"
    );
    assert_eq!(fs::read(&path).unwrap(), before);
}

#[test]
fn a_held_lock_makes_apply_report_locked_and_write_nothing() {
    let (dir, path, before) = setup();
    let store = dir.path().join(MIGRATION_DIR);
    fs::create_dir(&store).unwrap();
    let lock = fs::File::create(store.join("tasks.json.lock")).unwrap();
    rustix::fs::flock(&lock, rustix::fs::FlockOperation::NonBlockingLockExclusive).unwrap();
    let err = apply_file(&TASKS, &path, &ApplyOptions::default()).unwrap_err();
    assert!(matches!(err, ApplyError::Locked { .. }), "{err}");
    assert!(err.to_string().contains("locked"), "{err}");
    assert!(err.is_verdict(), "locked is a verdict (exit 1)");
    assert_eq!(fs::read(&path).unwrap(), before);
    assert_eq!(
        fs::read_dir(&store).unwrap().count(),
        1,
        "only the lock file"
    );
    // Unlock, not just close: a child forked meanwhile by another test may share the
    // descriptor until it execs.
    rustix::fs::flock(&lock, rustix::fs::FlockOperation::Unlock).unwrap();
    drop(lock);
    let outcome = apply_file(&TASKS, &path, &ApplyOptions::default()).unwrap();
    assert_eq!(outcome.action, ApplyAction::Applied);
}

#[test]
fn a_crash_at_any_step_leaves_old_or_new_and_the_source_recoverable() {
    for step in ["after-proof", "after-source", "after-temp", "after-rename"] {
        let (dir, path, before) = setup();
        let expected = expected_result(&path);
        let output = spawn_apply(&path, Some(step)).wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{step}: the child must die");
        assert!(
            stderr.contains(&format!("{FAULT_ENV}={step}")),
            "{step}: died elsewhere: {stderr}"
        );
        assert_eq!(child_result(&output), None, "{step}: apply must not return");
        assert!(
            String::from_utf8_lossy(&output.stdout).contains("child_apply_entry"),
            "{step}: the child ran the entry"
        );

        let now = fs::read(&path).unwrap();
        let copy = source_copy(dir.path(), &before);
        if step == "after-rename" {
            let doc: Value = serde_json::from_slice(&now).unwrap();
            assert_eq!(doc, expected, "{step}: the new document, complete");
        } else {
            assert_eq!(now, before, "{step}: the old bytes, untouched");
        }
        if step == "after-proof" {
            assert!(!copy.exists(), "{step}: the source copy comes next");
        } else {
            assert_eq!(
                fs::read(&copy).unwrap(),
                before,
                "{step}: source recoverable"
            );
        }

        // A later apply finishes the job (or finds it done) despite the leftovers.
        let outcome = apply_file(&TASKS, &path, &ApplyOptions::default()).unwrap();
        let expected_action = if step == "after-rename" {
            ApplyAction::UpToDate
        } else {
            ApplyAction::Applied
        };
        assert_eq!(outcome.action, expected_action, "{step}");
        let doc: Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
        assert_eq!(doc, expected, "{step}");
        assert_eq!(fs::read(&copy).unwrap(), before, "{step}");
    }
}

#[test]
fn concurrent_applies_never_interleave() {
    let (dir, path, before) = setup();
    let expected = expected_result(&path);
    let children: Vec<_> = (0..4).map(|_| spawn_apply(&path, None)).collect();
    let results: Vec<String> = children
        .into_iter()
        .map(|c| {
            let output = c.wait_with_output().unwrap();
            assert!(output.status.success(), "{output:?}");
            child_result(&output).expect("the child reports")
        })
        .collect();
    let applied = results.iter().filter(|r| *r == "Applied").count();
    assert_eq!(applied, 1, "exactly one applies: {results:?}");
    assert!(
        results
            .iter()
            .all(|r| r == "Applied" || r == "UpToDate" || r == "Locked"),
        "the others report locked or already applied: {results:?}"
    );
    let written = fs::read_to_string(&path).unwrap();
    assert_eq!(
        written,
        format!("{}\n", serde_json::to_string_pretty(&expected).unwrap())
    );
    assert_eq!(fs::read(source_copy(dir.path(), &before)).unwrap(), before);
}

#[test]
fn a_missing_target_is_an_error_and_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tasks.json");
    let err = apply_file(&TASKS, &path, &ApplyOptions::default()).unwrap_err();
    assert!(matches!(err, ApplyError::Prove(_)), "{err}");
    assert!(!err.is_verdict());
    assert!(err.to_string().contains("tasks.json"), "{err}");
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn the_new_file_keeps_the_old_owner_where_permitted() {
    use std::os::unix::fs::MetadataExt;
    let (_dir, path, _before) = setup();
    // Only root may give a file away; elsewhere there is nothing apply could keep.
    if std::os::unix::fs::chown(&path, Some(4321), Some(4321)).is_err() {
        eprintln!("not root: ownership cannot be tested here");
        return;
    }
    let outcome = apply_file(&TASKS, &path, &ApplyOptions::default()).unwrap();
    assert_eq!(outcome.action, ApplyAction::Applied);
    let meta = fs::metadata(&path).unwrap();
    assert_eq!((meta.uid(), meta.gid()), (4321, 4321));
}
