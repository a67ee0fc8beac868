//! The check verdict: statuses, the change list, and the exact `check --json` object.

use migrate_runtime::{check_bytes, ChangeKind, Status};
use serde_json::json;

use crate::support::*;

#[test]
fn migrated_report_serializes_to_the_spec_object() {
    let doc = br#"{"id": "f1", "owner": "ann", "engine": {"power": 90, "x-vendor": "acme"}, "wheels": [{"size": 16, "label": "fl"}], "tags": ["a"], "a/b~c": 1}"#;
    let report = check_bytes(&FLEET, "fleet.json", doc);
    assert_eq!(
        serde_json::to_value(&report).unwrap(),
        json!({
            "contract": "fleet",
            "target": "fleet.json",
            "status": "migrated",
            "detectedVersion": 1,
            "currentVersion": 4,
            "reachable": true,
            "chain": [1, 2, 3, 4],
            "changes": 6,
            "changeList": [
                {"kind": "moved", "path": "/assignee", "from": "/owner"},
                {"kind": "added", "path": "/engine/turbo"},
                {"kind": "removed", "path": "/tags"},
                {"kind": "added", "path": "/schemaVersion"},
                {"kind": "added", "path": "/retries"},
                {"kind": "added", "path": "/code"},
            ],
            "reason": null,
            "errors": [],
        })
    );
    // The key order of the JSON object is the SPEC's.
    let text = serde_json::to_string(&report).unwrap();
    assert!(text.starts_with(r#"{"contract":"fleet","target":"fleet.json","status":"migrated","detectedVersion":1,"currentVersion":4,"reachable":true,"chain":[1,2,3,4],"changes":6,"changeList":["#));
    assert!(text.ends_with(r#""reason":null,"errors":[]}"#));
}

#[test]
fn unsupported_report_keeps_what_is_known() {
    let report = check_bytes(&GAPS, "g.json", br#"{"schemaVersion": 9}"#);
    assert_eq!(
        serde_json::to_value(&report).unwrap(),
        json!({
            "contract": "gaps",
            "target": "g.json",
            "status": "unsupported",
            "detectedVersion": 9,
            "currentVersion": 7,
            "reachable": false,
            "chain": [],
            "changes": 0,
            "changeList": [],
            "reason": {"code": "above-current", "message": "version 9 is newer than gaps's current version 7"},
            "errors": ["above-current: version 9 is newer than gaps's current version 7"],
        })
    );
    // Resolved, then refused while running: the chain is known and reachable.
    let report = check_bytes(&STRICT, "s.json", br#"{"schemaVersion": 1, "count": 11}"#);
    assert_eq!(report.status, Status::Unsupported);
    assert_eq!((report.detected_version, report.reachable), (Some(1), true));
    assert_eq!(report.chain, [1, 2]);
    // Nothing detected: null.
    let report = check_bytes(&STRICT, "s.json", b"[]");
    assert_eq!(
        serde_json::to_value(&report).unwrap()["detectedVersion"],
        json!(null)
    );
    assert!(!report.reachable);
}

#[test]
fn current_and_normalized() {
    let current = br#"{"schemaVersion": 7, "title": "t", "size": 3, "mine": [1]}"#;
    let report = check_bytes(&GAPS, "g.json", current);
    assert_eq!(report.status, Status::Current);
    assert_eq!((report.changes, report.chain.as_slice()), (0, &[7][..]));

    let report = check_bytes(&GAPS, "g.json", br#"{"schemaVersion": 7, "title": "t"}"#);
    assert_eq!(report.status, Status::Normalized);
    assert_eq!(report.changes, 1);
    assert_eq!(report.change_list[0].kind, ChangeKind::Added);
    assert_eq!(report.change_list[0].path, "/size");

    // Nested defaults count too.
    let doc = br#"{"schemaVersion": 4, "id": "i", "assignee": "a", "engine": {"power": 1}, "wheels": [], "retries": 0, "code": "I"}"#;
    let report = check_bytes(&FLEET, "f.json", doc);
    assert_eq!(report.status, Status::Normalized);
    assert_eq!(
        serde_json::to_value(&report.change_list).unwrap(),
        json!([{"kind": "added", "path": "/engine/turbo"}])
    );
}

#[test]
fn renames_over_several_edges_compose_into_one_move() {
    let report = check_bytes(&GAPS, "g.json", br#"{"schemaVersion": 1, "name": "n"}"#);
    assert_eq!(
        serde_json::to_value(&report.change_list).unwrap(),
        json!([
            {"kind": "changed", "path": "/schemaVersion"},
            {"kind": "moved", "path": "/title", "from": "/name"},
            {"kind": "added", "path": "/size"},
        ])
    );
}
