//! The same bytes and contract give one fingerprint, whatever the directory or the working
//! directory: nothing of time, host or path is in a proof.

mod support;

use std::fs;
use std::path::Path;
use std::process::Command;

use migrate_runtime::{prove_file, Proof, ProveOptions};
use serde_json::json;
use support::*;

const CHILD_TARGET: &str = "MIGRATE_TEST_PROVE_TARGET";
const TAG: &str = "FINGERPRINT:";

/// The child side of the working-directory test: proves the path it is given (relative
/// to its own working directory) and prints the fingerprint. Inert in a normal run.
#[test]
fn child_prove_entry() {
    let Some(target) = std::env::var_os(CHILD_TARGET) else {
        return;
    };
    let proof = prove_file(&TASKS, Path::new(&target), &ProveOptions::default()).unwrap();
    println!("{TAG}{}", proof.fingerprint);
}

fn copy_to_new_dir(bytes: &[u8], sub: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let nested = dir.path().join(sub);
    fs::create_dir_all(&nested).unwrap();
    let path = nested.join("tasks.json");
    fs::write(&path, bytes).unwrap();
    (dir, path)
}

fn prove(path: &Path) -> Proof {
    prove_file(&TASKS, path, &ProveOptions::default()).unwrap()
}

#[test]
fn one_fingerprint_in_any_directory() {
    let bytes = serde_json::to_vec_pretty(&v1_doc_without_notes()).unwrap();
    let (_a, in_a) = copy_to_new_dir(&bytes, "one");
    let (_b, in_b) = copy_to_new_dir(&bytes, "deeper/two/three");
    let (pa, pb) = (prove(&in_a), prove(&in_b));
    assert!(pa.pass, "{}", errors(&pa));
    assert_eq!(pa, pb);
    assert_eq!(pa.to_pretty_bytes(), pb.to_pretty_bytes());
    // And again: nothing varies between runs either.
    assert_eq!(prove(&in_a).fingerprint, pa.fingerprint);
}

#[test]
fn other_bytes_give_another_fingerprint() {
    // Same document, other formatting: sourceHash differs, so does the fingerprint, while
    // the result is the same document.
    let doc = v1_doc_without_notes();
    let (_a, pretty) = copy_to_new_dir(&serde_json::to_vec_pretty(&doc).unwrap(), "a");
    let (_b, compact) = copy_to_new_dir(&serde_json::to_vec(&doc).unwrap(), "b");
    let (p1, p2) = (prove(&pretty), prove(&compact));
    assert_ne!(p1.source_hash, p2.source_hash);
    assert_ne!(p1.fingerprint, p2.fingerprint);
    assert_eq!(p1.result_hash, p2.result_hash);
}

#[test]
fn one_fingerprint_from_any_working_directory() {
    let bytes = serde_json::to_vec_pretty(&json!({
        "schemaVersion": 1, "id": "x", "owner": "o", "tasks": [{"a": 1}]
    }))
    .unwrap();
    let (a, in_a) = copy_to_new_dir(&bytes, "runs/r1");
    let (b, _in_b) = copy_to_new_dir(&bytes, "elsewhere");
    let expected = prove(&in_a).fingerprint;
    // Two children with different working directories, one given a relative path, one
    // an absolute path: the proof must not see the difference.
    for (cwd, target) in [
        (
            a.path().to_owned(),
            Path::new("runs/r1/tasks.json").to_owned(),
        ),
        (b.path().to_owned(), in_a.clone()),
    ] {
        let output = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "child_prove_entry",
                "--nocapture",
                "--test-threads=1",
            ])
            .current_dir(&cwd)
            .env(CHILD_TARGET, &target)
            .output()
            .unwrap();
        assert!(output.status.success(), "{output:?}");
        let stdout = String::from_utf8_lossy(&output.stdout);
        let got = stdout
            .lines()
            .find_map(|l| l.split_once(TAG).map(|(_, f)| f.trim().to_owned()))
            .unwrap_or_else(|| panic!("the child printed no fingerprint: {stdout}"));
        assert_eq!(got, expected, "from {}", cwd.display());
    }
}

proptest::proptest! {
    /// Whatever extra data a document carries, proving it twice in two places gives one
    /// fingerprint, and the proof passes (the sound contract keeps unknown keys).
    #[test]
    fn fingerprints_are_deterministic(extra in proptest::collection::btree_map(
        "[a-z~/]{1,6}", proptest::prelude::any::<i32>(), 0..6))
    {
        let mut doc = v1_doc_without_notes();
        for (k, v) in &extra {
            doc["tasks"][1][k] = json!(v);
        }
        let bytes = serde_json::to_vec(&doc).unwrap();
        let (_a, in_a) = copy_to_new_dir(&bytes, "a");
        let (_b, in_b) = copy_to_new_dir(&bytes, "b");
        let (pa, pb) = (prove(&in_a), prove(&in_b));
        proptest::prop_assert!(pa.pass, "{}", errors(&pa));
        proptest::prop_assert_eq!(pa.fingerprint, pb.fingerprint);
    }
}
