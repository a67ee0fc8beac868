//! Each property of a proof, holding on a sound contract and failing, with the place
//! named, on a document or edge made to break it.

mod support;

use migrate_runtime::canonical::{bytes_sha256, canonical_sha256};
use migrate_runtime::{prove_file, ContractInfo, Proof, ProveOptions, Status};
use serde_json::{json, Value};
use support::*;

fn prove(info: &'static ContractInfo, doc: &Value) -> Proof {
    let dir = tempfile::tempdir().unwrap();
    let path = write_doc(dir.path(), "tasks.json", doc);
    prove_file(info, &path, &ProveOptions::default()).unwrap()
}

fn has_error(proof: &Proof, expected: &str) -> bool {
    proof.errors.iter().any(|e| e == expected)
}

#[test]
fn sound_chain_passes_every_property() {
    let proof = prove(&TASKS, &v1_doc_without_notes());
    assert!(proof.pass, "{}", errors(&proof));
    assert_eq!(proof.status, Status::Migrated);
    assert_eq!(proof.detected_version, Some(1));
    assert_eq!(proof.current_version, 2);
    assert_eq!(proof.chain, vec![1, 2]);
    assert!(proof.validates_at_current && proof.append_only && proof.idempotent);
    assert!(proof.source_immutable);
    assert_eq!(proof.round_trip, Some(true));
    assert!(proof.losses.is_empty() && proof.errors.is_empty());
    assert!(proof.fingerprint_is_valid());
}

#[test]
fn proof_json_has_the_spec_fields_in_camel_case() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_doc(dir.path(), "tasks.json", &v1_doc_without_notes());
    let proof = prove_file(&TASKS, &path, &ProveOptions::default()).unwrap();
    let value = serde_json::to_value(&proof).unwrap();
    let keys: Vec<&str> = value
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "proofFormat",
            "contract",
            "target",
            "status",
            "detectedVersion",
            "currentVersion",
            "chain",
            "edges",
            "validatesAtCurrent",
            "appendOnly",
            "idempotent",
            "sourceImmutable",
            "roundTrip",
            "pass",
            "losses",
            "errors",
            "sourceHash",
            "resultHash",
            "fingerprint"
        ]
    );
    assert_eq!(value["proofFormat"], 1);
    assert_eq!(value["contract"], "tasks");
    assert_eq!(value["target"], "tasks.json");
    assert_eq!(value["status"], "migrated");
    assert_eq!(
        value["edges"],
        json!([{
            "from": 1, "to": 2, "addsDefaulted": ["retries"], "adds": [], "removes": [],
            "renames": [{"from": "owner", "to": "assignee"}], "converts": [],
            "dropsNothing": true, "custom": false
        }])
    );
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(proof.source_hash, bytes_sha256(&bytes));

    // resultHash is the canonical hash of the migrated document.
    let mut expected = v1_doc_without_notes();
    let map = expected.as_object_mut().unwrap();
    map["schemaVersion"] = json!(2);
    let owner = map.shift_remove("owner").unwrap();
    map.insert("assignee".into(), owner);
    map.insert("retries".into(), json!(0));
    map.insert("priority".into(), json!(0));
    assert_eq!(proof.result_hash, Some(canonical_sha256(&expected)));

    // The fingerprint is the canonical hash of the rest of the proof.
    let mut rest = value.clone();
    rest.as_object_mut().unwrap().shift_remove("fingerprint");
    assert_eq!(proof.fingerprint, canonical_sha256(&rest));

    // And it round-trips through its own JSON.
    let back: Proof = serde_json::from_value(value).unwrap();
    assert_eq!(back, proof);
}

#[test]
fn current_and_normalized_documents() {
    let current = json!({
        "schemaVersion": 2, "id": "a", "assignee": "x", "tasks": [], "retries": 3, "priority": 1
    });
    let proof = prove(&TASKS, &current);
    assert!(proof.pass, "{}", errors(&proof));
    assert_eq!(proof.status, Status::Current);
    assert_eq!(proof.chain, vec![2]);
    assert!(proof.edges.is_empty());
    // No edge, so nothing to reverse.
    assert_eq!(proof.round_trip, None);

    let normalized = json!({"schemaVersion": 2, "id": "a", "assignee": "x", "tasks": []});
    let proof = prove(&TASKS, &normalized);
    assert!(proof.pass, "{}", errors(&proof));
    assert_eq!(proof.status, Status::Normalized);
}

#[test]
fn append_only_names_a_nested_leaf_the_edge_drops() {
    let proof = prove(&BROKEN_DROPS_NESTED, &v1_doc_without_notes());
    assert!(!proof.pass);
    assert!(!proof.append_only);
    assert!(
        has_error(
            &proof,
            "appendOnly: /tasks/0/owner is missing from the result"
        ),
        "{}",
        errors(&proof)
    );
    // Only that leaf: its siblings and the other properties are fine.
    assert_eq!(proof.errors.len(), 1, "{}", errors(&proof));
    assert!(proof.validates_at_current && proof.idempotent && proof.source_immutable);
}

#[test]
fn append_only_follows_a_rename_to_look_up_nested_leaves() {
    let proof = prove(&BROKEN_DROPS_UNDER_RENAME, &v1_doc_without_notes());
    assert!(!proof.append_only);
    assert!(
        has_error(
            &proof,
            "appendOnly: /owner/email (renamed to /assignee/email) is missing from the result"
        ),
        "{}",
        errors(&proof)
    );
    assert_eq!(proof.errors.len(), 1, "{}", errors(&proof));
}

#[test]
fn append_only_names_a_changed_value() {
    let proof = prove(&BROKEN_CHANGES_VALUE, &v1_doc_without_notes());
    assert!(!proof.append_only);
    assert!(
        has_error(&proof, r#"appendOnly: /id changed from "run-7" to "RUN-7""#),
        "{}",
        errors(&proof)
    );
}

#[test]
fn append_only_allows_declared_conversions() {
    let proof = prove(&CONVERTS, &v1_doc_without_notes());
    assert!(proof.append_only, "{}", errors(&proof));
    assert!(proof.pass, "{}", errors(&proof));
    assert_eq!(proof.edges[0].converts, ["id"]);
    assert!(proof.edges[0].custom);
}

#[test]
fn append_only_escapes_pointer_tokens() {
    // The unknown key "ext~/" is RFC 6901 token "ext~0~1".
    let proof = prove(&TASKS, &v1_doc_without_notes());
    assert!(proof.append_only, "{}", errors(&proof));
    let proof = prove(&BROKEN_DROPS_ESCAPED, &v1_doc_without_notes());
    assert!(
        has_error(&proof, "appendOnly: /ext~0~1 is missing from the result"),
        "{}",
        errors(&proof)
    );
}

#[test]
fn idempotent_fails_when_migrating_the_result_changes_it() {
    let proof = prove(&BROKEN_NOT_IDEMPOTENT, &v1_doc_without_notes());
    assert!(!proof.pass);
    assert!(!proof.idempotent);
    assert!(
        has_error(
            &proof,
            "idempotent: /retries changed from 1 to 2 when migrated again"
        ),
        "{}",
        errors(&proof)
    );
}

#[test]
fn validates_at_current_fails_when_the_validate_hook_rejects() {
    let proof = prove(&BROKEN_REJECTS, &v1_doc_without_notes());
    assert!(!proof.pass);
    assert!(!proof.validates_at_current);
    // The runtime refuses such a document (invalid-at-current), so it is unsupported.
    assert_eq!(proof.status, Status::Unsupported);
    assert!(
        proof
            .errors
            .iter()
            .any(|e| e.starts_with("validatesAtCurrent: ")
                && e.contains("retries must be at least 1")),
        "{}",
        errors(&proof)
    );
}

#[test]
fn round_trip_accepts_defaults_the_source_version_fills_itself() {
    // The source omits `priority`, which version 1 defaults; down(up(source)) writes it
    // out. Equal to the source as version 1 reads it, so the round trip is faithful.
    let proof = prove(&TASKS, &v1_doc_without_notes());
    assert_eq!(proof.round_trip, Some(true), "{}", errors(&proof));
    assert!(v1_doc_without_notes().get("priority").is_none());
    // With `priority` in the file, the plain comparison holds as well.
    let mut doc = v1_doc_without_notes();
    doc["priority"] = json!(4);
    let proof = prove(&TASKS, &doc);
    assert_eq!(proof.round_trip, Some(true), "{}", errors(&proof));
}

#[test]
fn round_trip_fails_when_down_is_wrong() {
    let proof = prove(&BROKEN_WRONG_DOWN, &v1_doc_without_notes());
    assert!(!proof.pass);
    assert_eq!(proof.round_trip, Some(false));
    assert!(
        has_error(
            &proof,
            r#"roundTrip: /id changed from "run-7" to "RUN-7" after down(up(source))"#
        ),
        "{}",
        errors(&proof)
    );
    // Up is sound: the other properties hold.
    assert!(proof.append_only && proof.idempotent && proof.validates_at_current);
}

#[test]
fn a_panicking_down_fails_round_trip_instead_of_the_process() {
    let proof = prove(&PANICKING_DOWN, &v1_doc_without_notes());
    assert!(!proof.pass);
    assert_eq!(proof.round_trip, Some(false));
    assert!(
        has_error(
            &proof,
            "roundTrip: panicking-down 2 -> 1 down panicked: down is not written yet"
        ),
        "{}",
        errors(&proof)
    );
}

#[test]
fn round_trip_is_null_when_an_edge_is_irreversible() {
    let proof = prove(&IRREVERSIBLE, &v1_doc_without_notes());
    assert!(proof.pass, "{}", errors(&proof));
    assert_eq!(proof.round_trip, None);
}

#[test]
fn declared_removals_are_losses_and_fail_unless_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_doc(dir.path(), "tasks.json", &v1_doc());
    let proof = prove_file(&LOSSY, &path, &ProveOptions::default()).unwrap();
    assert!(!proof.pass);
    assert!(
        proof.append_only,
        "a declared removal is not an appendOnly failure"
    );
    assert_eq!(proof.losses.len(), 1);
    assert_eq!(proof.losses[0].pointer, "/notes");
    assert_eq!((proof.losses[0].from, proof.losses[0].to), (1, 2));
    assert!(
        proof.errors.iter().any(|e| e.starts_with("losses: ")),
        "{}",
        errors(&proof)
    );
    assert!(!proof.edges[0].drops_nothing);

    let accepted = prove_file(
        &LOSSY,
        &path,
        &ProveOptions {
            accept_declared_losses: true,
        },
    )
    .unwrap();
    assert!(accepted.pass, "{}", errors(&accepted));
    assert_eq!(accepted.losses, proof.losses);
    assert_ne!(accepted.fingerprint, proof.fingerprint);

    // A removal of a key the document does not have loses nothing.
    let path = write_doc(dir.path(), "other.json", &v1_doc_without_notes());
    let proof = prove_file(&LOSSY, &path, &ProveOptions::default()).unwrap();
    assert!(proof.pass, "{}", errors(&proof));
    assert!(proof.losses.is_empty());
}

#[test]
fn source_immutable_fails_when_a_down_transform_changes_the_file() {
    // The down transforms run after the chain (for roundTrip): the file is read again
    // after them.
    let _one_at_a_time = TAMPER_TESTS.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let path = write_doc(dir.path(), "tasks.json", &v1_doc_without_notes());
    *TAMPER_TARGET.lock().unwrap() = Some(path.clone());
    let proof = prove_file(&TAMPERS_DOWN, &path, &ProveOptions::default()).unwrap();
    *TAMPER_TARGET.lock().unwrap() = None;
    assert!(!proof.source_immutable, "{}", errors(&proof));
    assert!(!proof.pass);
}

#[test]
fn source_immutable_fails_when_the_file_changes_during_the_run() {
    let _one_at_a_time = TAMPER_TESTS.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let path = write_doc(dir.path(), "tasks.json", &v1_doc_without_notes());
    *TAMPER_TARGET.lock().unwrap() = Some(path.clone());
    let proof = prove_file(&TAMPERS, &path, &ProveOptions::default()).unwrap();
    *TAMPER_TARGET.lock().unwrap() = None;
    assert!(!proof.pass);
    assert!(!proof.source_immutable);
    assert!(
        proof
            .errors
            .iter()
            .any(|e| e.starts_with("sourceImmutable: the file changed during the run")),
        "{}",
        errors(&proof)
    );
    // The proof is of the bytes as first read.
    assert_ne!(
        proof.source_hash,
        bytes_sha256(&std::fs::read(&path).unwrap())
    );
}

#[test]
fn unsupported_documents_get_a_failing_proof_with_the_reason() {
    let cases: &[(&[u8], &str, Option<u32>)] = &[
        (b"{not json", "invalid-json: ", None),
        (b"[1, 2]", "not-an-object: ", None),
        (br#"{"id": "a"}"#, "missing-version: ", None),
        (br#"{"schemaVersion": "1"}"#, "invalid-version: ", None),
        (br#"{"schemaVersion": 3}"#, "above-current: ", Some(3)),
        (
            br#"{"schemaVersion": 1, "id": 5}"#,
            "invalid-at-version: ",
            Some(1),
        ),
    ];
    for (bytes, reason, detected) in cases {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tasks.json");
        std::fs::write(&path, bytes).unwrap();
        let proof = prove_file(&TASKS, &path, &ProveOptions::default()).unwrap();
        let case = String::from_utf8_lossy(bytes);
        assert_eq!(proof.status, Status::Unsupported, "{case}");
        assert!(!proof.pass, "{case}");
        assert!(!proof.validates_at_current && !proof.append_only && !proof.idempotent);
        assert!(!proof.source_immutable, "{case}");
        assert_eq!(proof.round_trip, None, "{case}");
        assert_eq!(proof.result_hash, None, "{case}");
        assert_eq!(proof.detected_version, *detected, "{case}");
        assert!(
            proof.errors.iter().any(|e| e.starts_with(reason)),
            "{case}: {}",
            errors(&proof)
        );
        assert_eq!(proof.source_hash, bytes_sha256(bytes));
        assert!(proof.fingerprint_is_valid());
    }
}

#[test]
fn a_missing_file_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("absent.json");
    let err = prove_file(&TASKS, &path, &ProveOptions::default()).unwrap_err();
    assert!(err.to_string().contains("absent.json"), "{err}");
}
