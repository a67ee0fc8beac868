//! Resolution: shortest chains, skipped versions, DAGs, and the tie-break rule.

use migrate_runtime::{migrate, resolve, ContractInfo};
use serde_json::json;

use crate::support::*;

fn chain(info: &'static ContractInfo, from: u32) -> Vec<(u32, u32)> {
    resolve(info, from)
        .expect("resolvable")
        .iter()
        .map(|e| (e.from, e.to))
        .collect()
}

#[test]
fn shortest_chain_wins_and_ties_take_the_lower_version_first() {
    // Edges 1->2, 2->3, 3->4, 1->3, 2->4. From 1 there are two chains of length 2,
    // 1->2->4 and 1->3->4: the lower version at the first difference wins.
    assert_eq!(chain(&DAG, 1), [(1, 2), (2, 4)]);
    // From 2 the skip 2->4 beats 2->3->4.
    assert_eq!(chain(&DAG, 2), [(2, 4)]);
    assert_eq!(chain(&DAG, 3), [(3, 4)]);
    assert_eq!(chain(&DAG, 4), []);
}

#[test]
fn the_runner_runs_exactly_the_resolved_chain() {
    let out = migrate(&DAG, &json!({"v": 1, "trail": [], "extra": {"kept": true}})).unwrap();
    assert_eq!(out.chain, [1, 2, 4]);
    assert_eq!(out.detected, 1);
    assert_eq!(
        out.edges.iter().map(|e| (e.from, e.to)).collect::<Vec<_>>(),
        [(1, 2), (2, 4)]
    );
    assert_eq!(
        text(&out.result),
        r#"{"v":4,"trail":["1->2","2->4"],"extra":{"kept":true}}"#
    );
    let out = migrate(&DAG, &json!({"trail": ["x"], "v": 3})).unwrap();
    assert_eq!(text(&out.result), r#"{"trail":["x","3->4"],"v":4}"#);
}

#[test]
fn chains_skip_version_numbers_the_contract_does_not_list() {
    assert_eq!(chain(&GAPS, 1), [(1, 3), (3, 7)]);
    assert_eq!(chain(&GAPS, 3), [(3, 7)]);
    let out = migrate(&GAPS, &json!({"schemaVersion": 1, "name": "n"})).unwrap();
    assert_eq!(out.chain, [1, 3, 7]);
    assert_eq!(
        text(&out.result),
        r#"{"schemaVersion":7,"title":"n","size":0}"#
    );
}

#[test]
fn resolution_is_independent_of_the_document() {
    // The same version always resolves to the same chain (no state between calls).
    for _ in 0..3 {
        assert_eq!(chain(&DAG, 1), [(1, 2), (2, 4)]);
    }
}
