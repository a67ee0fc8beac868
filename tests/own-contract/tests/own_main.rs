//! A project's own contract through `migrate_cli::run`: the same command line, its types.

use std::path::Path;
use std::process::Output;

use serde_json::{json, Value};

fn notes_migration(cwd: &Path, args: &[&str]) -> Output {
    assert_cmd::Command::cargo_bin("notes-migration")
        .unwrap()
        .current_dir(cwd)
        .args(args)
        .output()
        .unwrap()
}

fn json_lines(out: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn lists_the_projects_own_contract() {
    let dir = tempfile::tempdir().unwrap();
    let out = notes_migration(dir.path(), &["list", "--json"]);
    assert_eq!(out.status.code(), Some(0));
    let list: Value = serde_json::from_slice(&out.stdout).unwrap();
    let note = &list["contracts"][0];
    assert_eq!(list["contracts"].as_array().unwrap().len(), 1);
    assert_eq!(note["name"], "note");
    assert_eq!(note["versionKey"], "v");
    assert_eq!(note["file"], "note.json");
    assert_eq!(note["versions"], json!([1, 2, 3]));
    assert_eq!(
        note["edges"][0]["description"],
        "The body becomes the text; notes get tags."
    );
    assert_eq!(
        note["edges"][0]["proof"]["renames"],
        json!([{"from": "body", "to": "text"}])
    );
    assert_eq!(note["edges"][0]["proof"]["reversible"], true);
}

#[test]
fn checks_proves_and_applies_a_note() {
    let dir = tempfile::tempdir().unwrap();
    let note = dir.path().join("note.json");
    std::fs::write(
        &note,
        r#"{"v": 1, "title": "groceries", "body": "milk", "colour": "yellow"}"#,
    )
    .unwrap();

    let check = notes_migration(dir.path(), &["check", "--json", "note.json"]);
    assert_eq!(check.status.code(), Some(0));
    let report = &json_lines(&check)[0];
    assert_eq!(report["status"], "migrated");
    assert_eq!(report["chain"], json!([1, 2, 3]));

    let prove = notes_migration(dir.path(), &["prove", "--json", "--no-store", "note.json"]);
    assert_eq!(prove.status.code(), Some(0));
    let proof = &json_lines(&prove)[0];
    assert_eq!(proof["pass"], true);
    // Not every edge of the chain is reversible, so the round trip does not apply.
    assert_eq!(proof["roundTrip"], Value::Null);

    let apply = notes_migration(dir.path(), &["apply", "note.json"]);
    assert_eq!(
        apply.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&apply.stderr)
    );
    let applied: Value = serde_json::from_slice(&std::fs::read(&note).unwrap()).unwrap();
    assert_eq!(
        applied,
        json!({"v": 3, "title": "groceries", "text": "milk", "colour": "yellow", "tags": [], "pinned": false})
    );
}

#[test]
fn refuses_files_of_other_contracts() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("state.json"), "{}").unwrap();
    let out = notes_migration(dir.path(), &["check", "state.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("note (note.json)"));
}
