//! The cool-workflow corpus: all fourteen files get the verdicts its README promises, prove,
//! and give the same fingerprints from two directories and two working directories.

mod support;

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;
use support::{copy_tree, corpus, run, snapshot};

/// `relative path -> JSON object` for every line of a `--json` run.
fn by_file(root: &Path, lines: Vec<Value>, key: &str) -> BTreeMap<String, Value> {
    lines
        .into_iter()
        .map(|line| {
            let target = line[key].as_str().expect("target is a string").to_owned();
            let rel = Path::new(&target)
                .strip_prefix(root)
                .map(|p| p.display().to_string())
                .unwrap_or(target);
            (rel.trim_start_matches("./").to_owned(), line)
        })
        .collect()
}

fn copied_corpus() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&corpus(), dir.path());
    dir
}

#[test]
fn corpus_checks_with_the_promised_statuses() {
    let dir = copied_corpus();
    let before = snapshot(dir.path());
    let out = run(dir.path(), &["check", "--json", "runs", "apps"]);
    assert_eq!(out.code, 0, "stderr: {}", out.stderr);
    let reports = by_file(Path::new(""), out.json_lines(), "target");
    assert_eq!(reports.len(), 14, "{reports:#?}");

    let legacy = &reports["runs/pre-app-simple-run/state.json"];
    assert_eq!(legacy["contract"], "run-state");
    assert_eq!(legacy["status"], "migrated");
    assert_eq!(legacy["detectedVersion"], 0);
    assert_eq!(legacy["currentVersion"], 1);
    assert_eq!(legacy["chain"], serde_json::json!([0, 1]));
    assert_eq!(legacy["reachable"], true);
    assert!(legacy["changes"].as_u64().unwrap() > 0);

    for (file, report) in &reports {
        if file.starts_with("runs/") && !file.contains("pre-app") {
            assert_eq!(report["contract"], "run-state", "{file}");
            let status = report["status"].as_str().unwrap();
            assert!(
                status == "normalized" || status == "current",
                "{file}: {status}"
            );
            assert_eq!(report["detectedVersion"], 1, "{file}");
            assert_eq!(report["chain"], serde_json::json!([1]), "{file}");
        }
        if file.starts_with("apps/") {
            assert_eq!(report["contract"], "workflow-app", "{file}");
            assert_eq!(report["status"], "current", "{file}");
            assert_eq!(report["changes"], 0, "{file}");
        }
        assert_eq!(report["reason"], Value::Null, "{file}");
    }
    assert_eq!(snapshot(dir.path()), before, "check wrote something");
}

#[test]
fn corpus_proves_with_identical_fingerprints_from_two_places() {
    let first = copied_corpus();
    let second = copied_corpus();
    let elsewhere = tempfile::tempdir().unwrap();

    // One run from inside the copy with relative targets, one from an unrelated working
    // directory with absolute targets.
    let a = run(first.path(), &["prove", "--json", "runs", "apps"]);
    let runs = second.path().join("runs");
    let apps = second.path().join("apps");
    let b = run(
        elsewhere.path(),
        &[
            "prove",
            "--json",
            runs.to_str().unwrap(),
            apps.to_str().unwrap(),
        ],
    );
    assert_eq!(a.code, 0, "stderr: {}", a.stderr);
    assert_eq!(b.code, 0, "stderr: {}", b.stderr);
    let (a, b) = (a.json_lines(), b.json_lines());
    assert_eq!(a.len(), 14);
    assert_eq!(b.len(), 14);
    for (pa, pb) in a.iter().zip(&b) {
        assert_eq!(pa["pass"], true, "{pa:#}");
        assert_eq!(pa["validatesAtCurrent"], true);
        assert_eq!(pa["appendOnly"], true);
        assert_eq!(pa["idempotent"], true);
        assert_eq!(pa["sourceImmutable"], true);
        assert!(pa["target"] == "state.json" || pa["target"] == "app.json");
        assert_eq!(pa["fingerprint"], pb["fingerprint"], "{pa:#} vs {pb:#}");
        assert_eq!(pa, pb);
    }

    // The legacy run's proof is stored beside it, and the unknown key survived.
    let legacy = a
        .iter()
        .find(|p| p["detectedVersion"] == 0)
        .expect("the legacy run");
    assert_eq!(legacy["chain"], serde_json::json!([0, 1]));
    let hex = legacy["fingerprint"]
        .as_str()
        .unwrap()
        .strip_prefix("sha256:")
        .unwrap();
    let stored = first
        .path()
        .join("runs/pre-app-simple-run/migration")
        .join(format!("{hex}.json"));
    let stored: Value = serde_json::from_slice(&std::fs::read(stored).unwrap()).unwrap();
    assert_eq!(&stored, legacy);
    // The state file itself was not written.
    assert_eq!(
        std::fs::read(first.path().join("runs/pre-app-simple-run/state.json")).unwrap(),
        std::fs::read(corpus().join("runs/pre-app-simple-run/state.json")).unwrap()
    );
}

#[test]
fn legacy_run_keeps_its_unknown_keys_when_applied() {
    let dir = copied_corpus();
    let target = dir.path().join("runs/pre-app-simple-run/state.json");
    let out = run(dir.path(), &["apply", "runs/pre-app-simple-run/state.json"]);
    assert_eq!(
        out.code, 0,
        "stdout: {}\nstderr: {}",
        out.stdout, out.stderr
    );
    let migrated: Value = serde_json::from_slice(&std::fs::read(&target).unwrap()).unwrap();
    assert_eq!(migrated["schemaVersion"], 1);
    assert_eq!(
        migrated["userMetadata"],
        serde_json::json!({"preserve": "unknown top-level data"})
    );
    assert_eq!(migrated["workflowId"], "research-synthesis");
    assert_eq!(migrated["workflow"]["id"], "research-synthesis");
    assert_eq!(migrated["tasks"][0]["taskPath"], "");
    // And it is now current: a second check reports nothing to do.
    let again = run(
        dir.path(),
        &["check", "--json", "runs/pre-app-simple-run/state.json"],
    );
    assert_eq!(again.json_lines()[0]["status"], "current");
}
