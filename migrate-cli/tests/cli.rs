//! The `migration` binary end to end, in temporary directories: every subcommand, every
//! exit code, the `--json` objects field by field, directory mode and usage errors.

mod support;

use serde_json::{json, Value};
use support::{copy_tree, run, snapshot, workspace, write};

const LEGACY: &str = r#"{
  "id": "r1",
  "workflowId": "wf",
  "createdAt": "2024-01-01T00:00:00.000Z",
  "updatedAt": "2024-01-01T00:00:00.000Z",
  "tasks": [],
  "mine": {"deep": [1, {"keep": true}]}
}
"#;

const CURRENT_APP: &str = r#"{"schemaVersion": 1, "id": "a", "title": "A", "version": "1.0.0", "inputs": [], "sandboxProfiles": [], "metadata": {}, "workflow": {"entrypoint": "w.js"}}"#;

fn temp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

#[test]
fn list_json_describes_the_reference_contracts() {
    let dir = temp();
    let out = run(dir.path(), &["list", "--json"]);
    assert_eq!(out.code, 0);
    let list: Value = serde_json::from_str(out.stdout.trim()).unwrap();
    let contracts = list["contracts"].as_array().unwrap();
    assert_eq!(contracts.len(), 2);
    let run_state = &contracts[0];
    assert_eq!(run_state["name"], "run-state");
    assert_eq!(run_state["versionKey"], "schemaVersion");
    assert_eq!(run_state["unversioned"], 0);
    assert_eq!(run_state["file"], "state.json");
    assert_eq!(run_state["minVersion"], 0);
    assert_eq!(run_state["currentVersion"], 1);
    assert_eq!(run_state["versions"], json!([0, 1]));
    let edge = &run_state["edges"][0];
    assert_eq!(edge["from"], 0);
    assert_eq!(edge["to"], 1);
    assert!(!edge["description"].as_str().unwrap().is_empty());
    assert_eq!(
        edge["proof"],
        json!({
            "addsDefaulted": ["phases", "dispatches", "commits"],
            "adds": ["workflow"],
            "removes": [],
            "renames": [],
            "converts": [],
            "dropsNothing": true,
            "custom": true,
            "reversible": false
        })
    );
    let app = &contracts[1];
    assert_eq!(app["name"], "workflow-app");
    assert_eq!(app["unversioned"], Value::Null);
    assert_eq!(app["file"], "app.json");
    assert_eq!(app["edges"], json!([]));

    let human = run(dir.path(), &["list"]);
    assert_eq!(human.code, 0);
    assert!(human.stdout.contains("run-state"));
    assert!(human.stdout.contains("0 -> 1"));
}

#[test]
fn check_json_object_field_by_field() {
    let dir = temp();
    write(dir.path(), "state.json", LEGACY);
    let out = run(dir.path(), &["check", "--json", "state.json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let lines = out.json_lines();
    assert_eq!(lines.len(), 1);
    let r = &lines[0];
    let keys: Vec<&str> = r.as_object().unwrap().keys().map(String::as_str).collect();
    for key in [
        "contract",
        "target",
        "status",
        "detectedVersion",
        "currentVersion",
        "reachable",
        "chain",
        "changes",
        "changeList",
        "reason",
        "errors",
    ] {
        assert!(keys.contains(&key), "missing {key} in {r}");
    }
    assert_eq!(r["contract"], "run-state");
    assert_eq!(r["target"], "state.json");
    assert_eq!(r["status"], "migrated");
    assert_eq!(r["detectedVersion"], 0);
    assert_eq!(r["currentVersion"], 1);
    assert_eq!(r["reachable"], true);
    assert_eq!(r["chain"], json!([0, 1]));
    let changes = r["changeList"].as_array().unwrap();
    assert_eq!(r["changes"], changes.len());
    let pointers: Vec<&str> = changes
        .iter()
        .map(|c| c["path"].as_str().unwrap())
        .collect();
    assert!(pointers.contains(&"/schemaVersion"), "{pointers:?}");
    assert!(pointers.contains(&"/workflow"), "{pointers:?}");
    assert!(changes.iter().all(|c| c["kind"] == "added"), "{changes:?}");
    assert_eq!(r["reason"], Value::Null);
    assert_eq!(r["errors"], json!([]));
}

#[test]
fn unsupported_targets_exit_1_with_reason_and_hint() {
    let dir = temp();
    write(
        dir.path(),
        "future/state.json",
        r#"{"schemaVersion": 9, "id": "x"}"#,
    );
    write(
        dir.path(),
        "string/state.json",
        r#"{"schemaVersion": "1", "id": "x"}"#,
    );
    write(dir.path(), "broken/state.json", "{ not json");
    let before = snapshot(dir.path());
    let out = run(dir.path(), &["check", "--json", "."]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let lines = out.json_lines();
    assert_eq!(lines.len(), 3);
    let codes: Vec<&str> = lines
        .iter()
        .map(|l| {
            assert_eq!(l["status"], "unsupported");
            assert_eq!(l["reachable"], false);
            l["reason"]["code"].as_str().unwrap()
        })
        .collect();
    assert_eq!(codes, ["invalid-json", "above-current", "invalid-version"]);
    assert!(lines[1]["reason"]["message"]
        .as_str()
        .unwrap()
        .contains('9'));
    assert!(out.stderr.contains("above-current") || out.stderr.contains("newer"));
    assert!(out.stderr.contains("hint:"), "{}", out.stderr);

    // Prove and apply fail closed on them, and nothing is written.
    let prove = run(dir.path(), &["prove", "--json", "."]);
    assert_eq!(prove.code, 1);
    for proof in prove.json_lines() {
        assert_eq!(proof["pass"], false);
        assert_eq!(proof["status"], "unsupported");
    }
    let apply = run(dir.path(), &["apply", "."]);
    assert_eq!(apply.code, 1);
    assert_eq!(snapshot(dir.path()), before);
}

#[test]
fn directory_mode_finds_each_contracts_files_and_summarises() {
    let dir = temp();
    write(dir.path(), "runs/a/state.json", LEGACY);
    write(dir.path(), "apps/b/app.json", CURRENT_APP);
    write(dir.path(), "apps/b/notes.json", "{}");
    write(dir.path(), "runs/a/migration/state.json", LEGACY);
    let out = run(dir.path(), &["check", "."]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", out.stdout);
    assert!(lines[0].contains("app.json") && lines[0].contains("current"));
    assert!(lines[1].contains("state.json") && lines[1].contains("migrated"));
    assert_eq!(lines[2], "checked 2 files: 1 current, 1 migrated");
}

#[test]
fn contract_flag_rules() {
    let dir = temp();
    write(dir.path(), "legacy.json", LEGACY);
    // A file whose name matches no contract needs --contract.
    let out = run(dir.path(), &["check", "legacy.json"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("--contract"), "{}", out.stderr);
    assert!(out.stderr.contains("run-state"), "{}", out.stderr);
    let out = run(
        dir.path(),
        &["check", "--contract", "run-state", "--json", "legacy.json"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.json_lines()[0]["status"], "migrated");
    // An unknown contract is a usage error listing the names.
    let out = run(dir.path(), &["check", "--contract", "nope", "legacy.json"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("nope") && out.stderr.contains("workflow-app"));
    // --contract on a directory walks only that contract's file name.
    write(dir.path(), "d/state.json", LEGACY);
    write(dir.path(), "d/app.json", CURRENT_APP);
    let out = run(
        dir.path(),
        &["check", "--contract", "workflow-app", "--json", "d"],
    );
    assert_eq!(out.code, 0);
    let lines = out.json_lines();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["contract"], "workflow-app");
}

#[test]
fn usage_and_environment_errors_exit_2() {
    let dir = temp();
    let missing = run(dir.path(), &["check", "missing/state.json"]);
    assert_eq!(missing.code, 2);
    assert!(
        missing.stderr.contains("missing/state.json"),
        "{}",
        missing.stderr
    );
    assert!(missing.stdout.is_empty());
    assert_eq!(run(dir.path(), &["check"]).code, 2);
    assert_eq!(run(dir.path(), &["frobnicate"]).code, 2);
    assert_eq!(run(dir.path(), &["check", "--bogus", "x"]).code, 2);
    assert_eq!(run(dir.path(), &["--help"]).code, 0);
}

#[test]
fn prove_stores_once_and_reports_conflicts() {
    let dir = temp();
    let target = write(dir.path(), "run/state.json", LEGACY);
    let out = run(dir.path(), &["prove", "--json", "run/state.json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let proof = out.json_lines().remove(0);
    assert_eq!(proof["proofFormat"], 1);
    assert_eq!(proof["target"], "state.json");
    assert_eq!(proof["pass"], true);
    let hex = proof["fingerprint"].as_str().unwrap()["sha256:".len()..].to_owned();
    let stored = dir.path().join(format!("run/migration/{hex}.json"));
    let bytes = std::fs::read(&stored).unwrap();
    assert!(bytes.ends_with(b"}\n"));

    // A second prove writes nothing new.
    let before = snapshot(dir.path());
    assert_eq!(run(dir.path(), &["prove", "run/state.json"]).code, 0);
    assert_eq!(snapshot(dir.path()), before);

    // A different file under the proof's name is a conflict: exit 1, left as it was.
    std::fs::write(&stored, b"{}\n").unwrap();
    let out = run(dir.path(), &["prove", "run/state.json"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(std::fs::read(&stored).unwrap(), b"{}\n");

    // --no-store writes nothing at all.
    std::fs::remove_dir_all(dir.path().join("run/migration")).unwrap();
    assert_eq!(
        run(dir.path(), &["prove", "--no-store", "run/state.json"]).code,
        0
    );
    assert!(!dir.path().join("run/migration").exists());
    assert_eq!(std::fs::read_to_string(target).unwrap(), LEGACY);
}

#[test]
fn apply_then_verify() {
    let dir = temp();
    let target = write(dir.path(), "run/state.json", LEGACY);

    let dry = run(dir.path(), &["apply", "--dry-run", "run/state.json"]);
    assert_eq!(dry.code, 0, "{}", dry.stderr);
    assert_eq!(std::fs::read_to_string(&target).unwrap(), LEGACY);
    assert!(!dir.path().join("run/migration").exists());

    let out = run(dir.path(), &["apply", "--json", "run/state.json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let applied: Value = serde_json::from_slice(&std::fs::read(&target).unwrap()).unwrap();
    assert_eq!(applied["schemaVersion"], 1);
    assert_eq!(applied["mine"], json!({"deep": [1, {"keep": true}]}));
    let text = std::fs::read_to_string(&target).unwrap();
    assert!(
        text.ends_with("}\n") && text.contains("\n  \""),
        "pretty JSON: {text}"
    );

    // The source bytes are kept.
    let migration = dir.path().join("run/migration");
    let proofs: Vec<_> = std::fs::read_dir(&migration)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    let source = proofs
        .iter()
        .find(|p| p.to_str().unwrap().ends_with(".source.json"))
        .expect("source copy");
    assert_eq!(std::fs::read_to_string(source).unwrap(), LEGACY);
    let proof = proofs
        .iter()
        .find(|p| {
            !p.to_str().unwrap().ends_with(".source.json")
                && p.extension().is_some_and(|e| e == "json")
        })
        .expect("proof");

    let verify = run(dir.path(), &["verify", "--json", proof.to_str().unwrap()]);
    assert_eq!(verify.code, 0, "{} {}", verify.stdout, verify.stderr);
    assert_eq!(verify.json_lines()[0]["outcome"], "applied");

    // The target changes behind our back: verify says so.
    std::fs::write(&target, "{\"schemaVersion\": 1, \"id\": \"other\"}\n").unwrap();
    let verify = run(dir.path(), &["verify", "--json", proof.to_str().unwrap()]);
    assert_eq!(verify.code, 1);
    assert_eq!(verify.json_lines()[0]["outcome"], "changed");

    // A tampered proof fails.
    let mut tampered: Value = serde_json::from_slice(&std::fs::read(proof).unwrap()).unwrap();
    tampered["pass"] = json!(true);
    tampered["chain"] = json!([0]);
    std::fs::write(proof, serde_json::to_string_pretty(&tampered).unwrap()).unwrap();
    let verify = run(dir.path(), &["verify", proof.to_str().unwrap()]);
    assert_eq!(verify.code, 1);
}

#[test]
fn shipped_examples_prove() {
    let dir = temp();
    copy_tree(&workspace().join("examples"), dir.path());
    let out = run(
        dir.path(),
        &["prove", "--no-store", "--json", "runs", "apps"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.json_lines().len(), 3);
    let out = run(dir.path(), &["check", "--json", "unsupported"]);
    assert_eq!(out.code, 1);
}

#[test]
fn closed_stdout_is_not_a_crash() {
    let dir = temp();
    for i in 0..300 {
        write(dir.path(), &format!("r{i}/state.json"), LEGACY);
    }
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("migration"))
        .current_dir(dir.path())
        .args(["check", "--json", "."])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Close the read end before the child writes: every write fails with a broken pipe.
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn verify_fresh_tampered_and_directories() {
    let dir = temp();
    write(dir.path(), "run/state.json", LEGACY);
    assert_eq!(run(dir.path(), &["prove", "run/state.json"]).code, 0);

    // A directory is walked for the stored proofs; the target is untouched: fresh.
    let out = run(dir.path(), &["verify", "--json", "."]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let reports = out.json_lines();
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0]["outcome"], "fresh");
    assert_eq!(reports[0]["contract"], "run-state");
    assert!(reports[0]["target"]
        .as_str()
        .unwrap()
        .ends_with("state.json"));
    let proof_path = reports[0]["proof"].as_str().unwrap().to_owned();

    // An edited proof is tampered, whatever it claims.
    let path = dir.path().join(&proof_path);
    let mut proof: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    proof["losses"] = json!([{"pointer": "/x", "from": 0, "to": 1}]);
    std::fs::write(&path, serde_json::to_vec_pretty(&proof).unwrap()).unwrap();
    let out = run(dir.path(), &["verify", "--json", &proof_path]);
    assert_eq!(out.code, 1);
    assert_eq!(out.json_lines()[0]["outcome"], "tampered");

    // A file that is not a proof is an error, not a verdict.
    let not_proof = write(dir.path(), "notes.json", "{}");
    let out = run(dir.path(), &["verify", not_proof.to_str().unwrap()]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("not a proof"), "{}", out.stderr);
}

#[test]
fn color_is_chosen_by_flag_and_never_pollutes_pipes() {
    let dir = temp();
    write(dir.path(), "state.json", LEGACY);
    let plain = run(dir.path(), &["check", "state.json"]);
    assert!(!plain.stdout.contains('\u{1b}'), "{}", plain.stdout);
    // Nothing on stderr for a fine run that is not on a terminal: no progress bar.
    assert_eq!(plain.stderr, "");
    let coloured = run(dir.path(), &["check", "--color", "always", "state.json"]);
    assert!(coloured.stdout.contains("\u{1b}["), "{}", coloured.stdout);
    let never = run(dir.path(), &["--color", "never", "check", "state.json"]);
    assert_eq!(never.stdout, plain.stdout);
    assert_eq!(
        run(dir.path(), &["check", "--color", "sometimes", "state.json"]).code,
        2
    );
}

#[test]
fn apply_writes_nothing_for_a_document_invalid_at_its_version() {
    let dir = temp();
    let target = write(
        dir.path(),
        "run/state.json",
        r#"{"schemaVersion": 1, "id": 5}"#,
    );
    let out = run(dir.path(), &["apply", "--json", "run/state.json"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let line = &out.json_lines()[0];
    assert_eq!(line["action"], "unsupported");
    assert_eq!(line["proof"]["status"], "unsupported");
    assert!(line["proof"]["errors"][0]
        .as_str()
        .unwrap()
        .starts_with("invalid-at-version"));
    assert!(!dir.path().join("run/migration").exists());
    assert_eq!(
        std::fs::read_to_string(target).unwrap(),
        r#"{"schemaVersion": 1, "id": 5}"#
    );
}
