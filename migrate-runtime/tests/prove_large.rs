//! A large document takes the prover's lazy, two-thread path (raw text opened where needed,
//! the validation beside the chain, checks beside the result's hash): its proof must say
//! exactly what the one-thread path over a tree says of the same document, findings and
//! their order included.

mod support;

use migrate_runtime::{prove_file, ContractInfo, Proof, ProveOptions, Status};
use proptest::prelude::*;
use serde_json::Value;
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
        // The version key first, or in the middle of the root (the result's hash, taken
        // beside the chain's last step on the large path, must see it where it is put back).
        let mut key_inside = v1_doc();
        let version = key_inside
            .as_object_mut()
            .unwrap()
            .shift_remove("schemaVersion")
            .unwrap();
        key_inside
            .as_object_mut()
            .unwrap()
            .insert("schemaVersion".into(), version);
        // Not a version-1 document (`id` is a number): refused at its version, before any
        // edge, also where that reading runs beside the chain.
        let mut invalid_at_v1 = v1_doc();
        invalid_at_v1["id"] = serde_json::json!(7);
        for doc in [
            v1_doc(),
            v1_doc_without_notes(),
            key_inside,
            invalid_at_v1.clone(),
        ] {
            let (small, mut large) = small_and_large(info, &doc);
            if doc == invalid_at_v1 {
                assert_eq!(small.status, Status::Unsupported, "{}", info.name);
                assert!(
                    small
                        .errors
                        .iter()
                        .any(|e| e.contains("invalid-at-version")),
                    "{}: {:?}",
                    info.name,
                    small.errors
                );
            }
            // Only the bytes differ (the padding), and the fingerprint that covers them.
            large.target = small.target.clone();
            large.source_hash = small.source_hash.clone();
            large.fingerprint = small.fingerprint.clone();
            assert_eq!(small, large, "{}", info.name);
        }
    }
}

/// A large document is validated beside its chain: an invalid one is refused with the
/// message the small path gives, whatever the chain made of the text meanwhile.
#[test]
fn large_invalid_documents_are_refused_as_small_ones_are() {
    let deep = format!(
        "{{\"schemaVersion\": 1, \"id\": \"r\", \"owner\": {}1{}, \"tasks\": []}}",
        "[".repeat(200),
        "]".repeat(200)
    );
    let texts = [
        // A key written twice, deep in data no type models.
        r#"{"schemaVersion": 1, "id": "r", "owner": "o", "tasks": [{"x": {"k": 1, "k": 2}}]}"#
            .to_owned(),
        // Cut short.
        r#"{"schemaVersion": 1, "id": "r", "owner": "o", "tasks": [{"x": 1}"#.to_owned(),
        // A bad escape in a string no type reads.
        r#"{"schemaVersion": 1, "id": "r", "owner": "o", "tasks": [], "u": "\q"}"#.to_owned(),
        deep,
    ];
    let dir = tempfile::tempdir().unwrap();
    for (i, text) in texts.iter().enumerate() {
        let small = dir.path().join(format!("small{i}.json"));
        std::fs::write(&small, text).unwrap();
        let large = dir.path().join(format!("large{i}.json"));
        let mut bytes = text.as_bytes().to_vec();
        bytes.resize(bytes.len() + PADDING, b' ');
        std::fs::write(&large, &bytes).unwrap();
        let options = ProveOptions::default();
        let small = prove_file(&TASKS, &small, &options).unwrap();
        let large = prove_file(&TASKS, &large, &options).unwrap();
        assert!(!large.pass, "{text}");
        assert_eq!(large.status, migrate_runtime::Status::Unsupported, "{text}");
        assert_eq!(small.status, migrate_runtime::Status::Unsupported, "{text}");
        // What the plain parse says of the same bytes: serde_json's own message (its
        // position counts the padding), or the duplicate key.
        let expected = match serde_json::from_slice::<serde_json::Value>(&bytes) {
            Err(e) => format!("invalid-json: not valid JSON: {e}"),
            Ok(_) => small.errors[0].clone(),
        };
        assert_eq!(large.errors, [expected], "{text}");
        if i == 0 {
            assert!(
                large.errors[0].contains("`k` is written twice"),
                "{:?}",
                large.errors
            );
        }
        assert!(
            small.errors[0].starts_with("invalid-json: "),
            "{:?}",
            small.errors
        );
        assert_eq!(large.result_hash, None);
    }
}

/// The same bytes read lazily (raw text opened where needed; the `tasks` array is long
/// enough to stay open once opened) and read as a tree give one proof, for every broken
/// contract: the same verdicts, findings, losses and hashes.
#[test]
fn lazy_and_tree_readings_give_one_proof() {
    let mut doc = v1_doc();
    let tasks: Vec<serde_json::Value> = (0..1100)
        .map(|i| {
            serde_json::json!({
                "title": format!("t{i}"), "owner": "bob",
                "extra": {"n": i, "deep": [1, 2.5, null, {"k\u{e9}y": "v\"al"}]}
            })
        })
        .collect();
    doc["tasks"] = serde_json::Value::Array(tasks);
    let contracts: [&'static ContractInfo; 12] = [
        &TASKS,
        &BROKEN_DROPS_NESTED,
        &BROKEN_DROPS_UNDER_RENAME,
        &BROKEN_CHANGES_VALUE,
        &BROKEN_DROPS_ESCAPED,
        &BROKEN_NOT_IDEMPOTENT,
        &BROKEN_REJECTS,
        &BROKEN_WRONG_DOWN,
        &PANICKING_DOWN,
        &IRREVERSIBLE,
        &LOSSY,
        &CONVERTS,
    ];
    for text in [
        serde_json::to_vec(&doc).unwrap(),
        serde_json::to_vec_pretty(&doc).unwrap(),
    ] {
        for info in contracts {
            let tree = migrate_runtime::__private::prove_bytes_as(info, "t.json", &text, false);
            let lazy = migrate_runtime::__private::prove_bytes_as(info, "t.json", &text, true);
            assert_eq!(tree, lazy, "{}", info.name);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Unknown keys anywhere (the root, inside `owner`, inside tasks), with any values: the
    /// lazy reading and the tree reading give one proof, passing or not, for sound and
    /// broken contracts alike.
    #[test]
    fn lazy_and_tree_readings_agree_on_any_unknown_data(
        extra in prop::collection::vec(("[a-z]{1,3}", 0usize..4, json_value()), 0..6),
        pretty in any::<bool>(),
    ) {
        let mut doc = v1_doc();
        for (key, place, value) in extra {
            let key = format!("x-{key}");
            let target = match place {
                0 => &mut doc,
                1 => &mut doc["owner"],
                2 => &mut doc["tasks"][0],
                _ => &mut doc["tasks"][1]["extra"],
            };
            if let Value::Object(map) = target {
                map.insert(key, value);
            }
        }
        let text = if pretty {
            serde_json::to_vec_pretty(&doc).unwrap()
        } else {
            serde_json::to_vec(&doc).unwrap()
        };
        for info in [&TASKS, &BROKEN_DROPS_NESTED, &BROKEN_CHANGES_VALUE, &LOSSY, &CONVERTS] {
            let tree = migrate_runtime::__private::prove_bytes_as(info, "t.json", &text, false);
            let lazy = migrate_runtime::__private::prove_bytes_as(info, "t.json", &text, true);
            prop_assert_eq!(tree, lazy, "{}", info.name);
        }
    }
}
