//! The `__private` transforms on their own: declarative up and down, custom edges.

use migrate_runtime::node::{entries_of, Node};
use migrate_runtime::{Edge, TransformError};
use serde_json::{json, Map, Value};

use crate::support::*;

fn edge(from: u32, to: u32) -> &'static Edge {
    FLEET
        .edges()
        .find(|e| e.from == from && e.to == to)
        .expect("the edge exists")
}

fn body(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => unreachable!("test bodies are objects"),
    }
}

/// The edge's up transform on a body given as a `Value`.
fn run_up(e: &Edge, value: Value) -> Result<Value, TransformError> {
    (e.__up)(e, entries_of(body(value)), None).map(Node::into_value)
}

/// The edge's down transform on a body given as a `Value`.
fn run_down(e: &Edge, value: Value) -> Result<Value, TransformError> {
    e.__down.expect("reversible")(e, entries_of(body(value)), None).map(Node::into_value)
}

#[test]
fn a_reversible_declarative_edge_goes_down_to_the_source() {
    let source = json!({"x-a": 1, "id": "i", "owner": "o", "engine": {"power": 1, "turbo": false, "x-e": [1]},
        "wheels": [{"size": 1, "label": "l", "x-w": {}}], "tags": []});
    let e = edge(1, 2);
    let up = run_up(e, source.clone()).unwrap();
    assert_eq!(up["assignee"], json!("o"));
    assert_eq!(up["retries"], json!(0));
    let down = run_down(e, up).unwrap();
    assert_eq!(text(&down), text(&source));
}

#[test]
fn a_custom_edge_reports_its_error_as_custom() {
    let e = edge(2, 3);
    let doc = json!({"id": "", "assignee": "a", "engine": {"power": 1}, "wheels": [], "tags": []});
    assert_eq!(
        run_up(e, doc),
        Err(TransformError::Custom("id must not be empty".into()))
    );
    let doc = json!({"id": 5});
    match run_up(e, doc) {
        Err(TransformError::Source { version: 2, error }) => {
            assert_eq!(
                error.to_string(),
                "invalid type: integer `5`, expected a string (at id)"
            );
        }
        other => panic!("expected a source error, got {other:?}"),
    }
}

#[test]
fn a_custom_edge_keeps_unknown_keys_around_the_rebuilt_document() {
    // The `with` function rebuilds the document; unknown keys come back where they were.
    let e = DAG.edges().find(|e| e.from == 1 && e.to == 2).unwrap();
    let out = run_up(e, json!({"a": 1, "trail": ["x"], "z": {"k": 2}})).unwrap();
    assert_eq!(text(&out), r#"{"a":1,"trail":["x","1->2"],"z":{"k":2}}"#);
}

#[test]
fn revert_runs_a_reversible_chain_back_to_the_source() {
    use migrate_runtime::{migrate, revert};
    let source = json!({"name": "n", "schemaVersion": 1, "x": {"deep": [1]}});
    let migrated = migrate(&GAPS, &source).unwrap();
    assert_eq!(migrated.chain, [1, 3, 7]);
    let back = revert(&GAPS, &migrated, &source).expect("both edges are reversible");
    assert_eq!(text(&back.unwrap()), text(&source));
    // A chain with an edge that has no down transform does not revert.
    let source = json!({"id": "i", "owner": "o", "engine": {"power": 1}, "wheels": [], "tags": []});
    let migrated = migrate(&FLEET, &source).unwrap();
    assert!(
        revert(&FLEET, &migrated, &source).is_none(),
        "2 -> 3 has no down"
    );
    // An unversioned source gets no version key back (the chain 1 -> 2 alone).
    let source = json!({"id": "i", "owner": "o", "engine": {"power": 1, "turbo": true}, "wheels": [], "tags": [], "u": 1});
    let up = migrate_runtime::Migrated {
        detected: 1,
        chain: vec![1, 2],
        edges: vec![edge(1, 2)],
        result: json!({"schemaVersion": 2, "id": "i", "assignee": "o", "engine": {"power": 1, "turbo": true}, "wheels": [], "tags": [], "u": 1, "retries": 0}),
    };
    let back = revert(&FLEET, &up, &source).unwrap().unwrap();
    assert_eq!(text(&back), text(&source));
    // A current document: the empty chain reverts to itself.
    let source = json!({"schemaVersion": 7, "title": "t", "size": 1});
    let migrated = migrate(&GAPS, &source).unwrap();
    let back = revert(&GAPS, &migrated, &source).unwrap().unwrap();
    assert_eq!(text(&back), text(&source));
}
