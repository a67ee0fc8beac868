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
