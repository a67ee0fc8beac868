//! Unknown keys survive every edge, at any depth, in the source's key order.

use migrate_runtime::{migrate, migrate_owned};
use serde_json::json;

use crate::support::*;

#[test]
fn unknown_keys_survive_declarative_and_custom_edges_at_any_depth() {
    let source = json!({
        "x-top": {"any": ["thing", 1]},
        "id": "f1",
        "owner": "ann",
        "engine": {"x-e": 1, "power": 90, "x-deep": {"a": [{"b": null}]}},
        "wheels": [
            {"size": 16, "x-w0": "kept", "label": "fl"},
            {"label": "fr", "size": 16, "x-w1": [1, 2]},
        ],
        "tags": ["t"],
        "x-last": null,
    });
    let out = migrate(&FLEET, &source).unwrap();
    // 1 -> 2 and 3 -> 4 are declarative, 2 -> 3 custom: the unknown keys cross all three,
    // where they were; the rename keeps the position; new keys follow.
    assert_eq!(
        text(&out.result),
        text(&json!({
            "schemaVersion": 4,
            "x-top": {"any": ["thing", 1]},
            "id": "f1",
            "assignee": "ann",
            "engine": {"x-e": 1, "power": 90, "x-deep": {"a": [{"b": null}]}, "turbo": false},
            "wheels": [
                {"size": 16, "x-w0": "kept", "label": "fl"},
                {"label": "fr", "size": 16, "x-w1": [1, 2]},
            ],
            "x-last": null,
            "retries": 0,
            "code": "F1",
        }))
    );
}

#[test]
fn the_version_key_keeps_its_position() {
    let source = json!({"name": "n", "schemaVersion": 1, "z": 0});
    let out = migrate_owned(&GAPS, source).unwrap();
    assert_eq!(
        text(&out.result),
        r#"{"title":"n","schemaVersion":7,"z":0,"size":0}"#
    );
}

#[test]
fn a_declared_removal_drops_the_key_and_nothing_else() {
    let source = json!({"schemaVersion": 3, "id": "i", "assignee": "a", "engine": {"power": 1},
        "wheels": [], "tags": ["gone"], "retries": 2, "code": "I", "tagsExtra": 1});
    let out = migrate(&FLEET, &source).unwrap();
    let result = out.result.as_object().unwrap();
    assert!(!result.contains_key("tags"));
    assert_eq!(result["tagsExtra"], json!(1));
}

#[test]
fn unknown_keys_survive_when_already_current() {
    let out = migrate(
        &DAG,
        &json!({"v": 4, "trail": [], "deep": {"x": [{"y": 1}]}}),
    )
    .unwrap();
    assert_eq!(out.chain, [4]);
    assert_eq!(
        text(&out.result),
        r#"{"v":4,"trail":[],"deep":{"x":[{"y":1}]}}"#
    );
    // Custom edges keep them too.
    let out = migrate(
        &DAG,
        &json!({"v": 2, "trail": [], "deep": {"x": [{"y": 1}]}}),
    )
    .unwrap();
    assert_eq!(
        text(&out.result),
        r#"{"v":4,"trail":["2->4"],"deep":{"x":[{"y":1}]}}"#
    );
}

#[test]
fn migrate_does_not_touch_its_source() {
    let source =
        json!({"id": "f1", "owner": "ann", "engine": {"power": 90}, "wheels": [], "tags": []});
    let before = text(&source);
    let borrowed = migrate(&FLEET, &source).unwrap();
    assert_eq!(text(&source), before);
    let owned = migrate_owned(&FLEET, source).unwrap();
    assert_eq!(text(&borrowed.result), text(&owned.result));
}

#[test]
fn a_custom_rename_keeps_the_position_and_the_unknown_keys_inside() {
    let source = json!({"schemaVersion": 1, "owner": {"name": "ann", "x-phone": "123"}, "name": "rex", "z": 1});
    let out = migrate(&PETS, &source).unwrap();
    assert_eq!(
        text(&out.result),
        r#"{"schemaVersion":2,"keeper":{"name":"ann","x-phone":"123"},"name":"rex","z":1}"#
    );
    // And back, through `reverse_with`: the renames run the other way.
    let back = migrate_runtime::revert(&PETS, &out, &source)
        .expect("reversible")
        .unwrap();
    assert_eq!(text(&back), text(&source));
}
