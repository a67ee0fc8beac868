//! The example of SPEC §3, exactly as written, compiles and registers what it declares.

#![allow(missing_docs)]

use migrate_runtime::{Contract, Versioned};
use serde::{Deserialize, Serialize};

/// One contract per document family. Versions are listed oldest to newest;
/// the last one is current, the first one is the minimum supported.
#[derive(Contract)]
#[contract(name = "run-state", versions(RunStateV1, RunStateV2))]
pub struct RunState;

#[derive(Serialize, Deserialize, Versioned)]
#[versioned(contract = RunState, version = 1)]
pub struct RunStateV1 {
    pub id: String,
    pub owner: String,
}

/// Runs get a retry count; the owner becomes the assignee.
#[derive(Serialize, Deserialize, Versioned)]
#[versioned(contract = RunState, version = 2)]
#[migration(from = 1, to = 2, adds_defaulted(retries), renames(owner -> assignee))]
pub struct RunStateV2 {
    pub id: String,
    pub assignee: String,
    #[serde(default)]
    pub retries: u32,
}

#[test]
fn the_spec_example_registers_its_edge() {
    let info = <RunState as Contract>::info();
    assert_eq!(info.name, "run-state");
    assert_eq!(info.version_key, "schemaVersion");
    assert_eq!(info.min_version(), 1);
    assert_eq!(info.current_version(), 2);
    let edge = &info.versions[1].edges[0];
    assert_eq!((edge.from, edge.to), (1, 2));
    assert_eq!(
        edge.description,
        "Runs get a retry count; the owner becomes the assignee."
    );
    assert_eq!(edge.claims.adds_defaulted, &["retries"]);
    assert_eq!(edge.claims.renames, &[("owner", "assignee")]);
    assert!(edge.claims.drops_nothing());
    assert_eq!(<RunStateV2 as Versioned>::VERSION, 2);
}

#[test]
fn the_spec_example_migrates_a_document() {
    let edge = &<RunState as Contract>::info().versions[1].edges[0];
    let body = serde_json::json!({"id": "r1", "owner": "ana"});
    let serde_json::Value::Object(body) = body else {
        unreachable!()
    };
    let out = (edge.__up)(edge, migrate_runtime::node::entries_of(body), None)
        .unwrap()
        .into_value();
    assert_eq!(
        out,
        serde_json::json!({"id": "r1", "assignee": "ana", "retries": 0})
    );
}
