//! Laws over arbitrary extension data: a sound chain keeps whatever unknown JSON a
//! document carries, so its proof passes, and what apply writes hashes to `resultHash`.

mod support;

use std::fs;

use migrate_runtime::canonical::canonical_sha256;
use migrate_runtime::{
    apply_file, prove_file, verify_proof, ApplyAction, ApplyOptions, ProveOptions, Registry,
    VerifyOutcome,
};
use proptest::prelude::*;
use serde_json::Value;
use support::*;

/// Any JSON value, a few levels deep; numbers include awkward doubles.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("JSON numbers are finite", |f| f.is_finite())
            .prop_map(Value::from),
        "[a-z~/ é\u{1F600}\"\\\\]{0,8}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z~/]{1,5}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn sound_chains_keep_any_extension_data(
        top in json_value(),
        nested in json_value(),
        in_owner in json_value(),
    ) {
        let mut doc = v1_doc_without_notes();
        doc["x-ext"] = top;
        doc["tasks"][0]["x-nested"] = nested;
        doc["owner"]["x-owner"] = in_owner;
        let dir = tempfile::tempdir().unwrap();
        let path = write_doc(dir.path(), "tasks.json", &doc);

        let proof = prove_file(&TASKS, &path, &ProveOptions::default()).unwrap();
        prop_assert!(proof.pass, "{}", errors(&proof));
        prop_assert_eq!(proof.round_trip, Some(true));

        let outcome = apply_file(&TASKS, &path, &ApplyOptions::default()).unwrap();
        prop_assert_eq!(outcome.action, ApplyAction::Applied);
        prop_assert_eq!(&outcome.proof, &proof);
        // What is on disk now reads back as exactly the proven result.
        let written: Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
        prop_assert_eq!(Some(canonical_sha256(&written)), proof.result_hash.clone());
        prop_assert_eq!(&written["x-ext"], &doc["x-ext"]);
        prop_assert_eq!(&written["assignee"]["x-owner"], &doc["owner"]["x-owner"]);

        let report = verify_proof(
            &Registry::new().with::<Tasks>(),
            outcome.proof_path.as_deref().unwrap(),
        )
        .unwrap();
        prop_assert_eq!(report.outcome, VerifyOutcome::Applied);
    }
}
