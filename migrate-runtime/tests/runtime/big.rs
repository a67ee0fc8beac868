//! Big and deep documents: no stack overflow, and work linear in the document.
//!
//! Nothing here measures time. Linearity is what the structure of the code guarantees (one
//! pass per step, hash lookups, no removal from the middle of an ordered map); these tests
//! hold the documents that would expose a quadratic step or a reordering one: tens of
//! thousands of keys in one object, and long arrays of structs, all with unknown keys.

use std::fmt::Write as _;

use migrate_runtime::{check_bytes, migrate_owned, parse, ReasonCode, Status};
use serde_json::Value;

use crate::support::*;

/// A legacy (unversioned, version 1) fleet document of about `wheels * 60` bytes, with
/// `top_keys` unknown top-level keys interleaved in the middle and an unknown key in every
/// wheel.
fn big_fleet(top_keys: usize, wheels: usize) -> String {
    let mut doc = String::with_capacity(wheels * 64 + top_keys * 32);
    doc.push_str(r#"{"id":"big","#);
    for i in 0..top_keys {
        let _ = write!(doc, r#""x-k{i:07}":"v{i}","#);
    }
    doc.push_str(r#""owner":"ann","engine":{"power":1,"x-e":true},"wheels":["#);
    for i in 0..wheels {
        if i > 0 {
            doc.push(',');
        }
        let _ = write!(doc, r#"{{"size":{},"label":"w{i:08}","x-w":{i}}}"#, i % 30);
    }
    doc.push_str(r#"],"tags":["t"],"x-end":[1,2,3]}"#);
    doc
}

fn assert_big_fleet_migrated(doc: &str, top_keys: usize, wheels: usize) {
    let out = migrate_owned(&FLEET, parse(doc.as_bytes()).unwrap()).unwrap();
    assert_eq!(out.chain, [1, 2, 3, 4]);
    let result = out.result.as_object().unwrap();
    // Every key in the source's order: the version key first (the source had none), the
    // unknown keys where they were, the renamed key in the old one's place, new keys last.
    let keys: Vec<&str> = result.keys().map(String::as_str).collect();
    assert_eq!(keys.len(), 2 + top_keys + 6);
    assert_eq!(keys[..2], ["schemaVersion", "id"]);
    for (i, key) in keys[2..2 + top_keys].iter().enumerate() {
        assert_eq!(*key, format!("x-k{i:07}"));
        assert_eq!(result[*key], Value::from(format!("v{i}")));
    }
    assert_eq!(
        keys[2 + top_keys..],
        ["assignee", "engine", "wheels", "x-end", "retries", "code"]
    );
    let wheels_out = result["wheels"].as_array().unwrap();
    assert_eq!(wheels_out.len(), wheels);
    for (i, wheel) in wheels_out.iter().enumerate() {
        let wheel = wheel.as_object().unwrap();
        assert_eq!(wheel.keys().collect::<Vec<_>>(), ["size", "label", "x-w"]);
        assert_eq!(wheel["x-w"], Value::from(i));
    }
    assert_eq!(result["engine"]["x-e"], Value::Bool(true));
}

#[test]
fn a_ten_megabyte_document_keeps_every_key_in_order() {
    let (top_keys, wheels) = (50_000, 210_000);
    let doc = big_fleet(top_keys, wheels);
    assert!(doc.len() > 9_000_000, "{} bytes", doc.len());
    assert_big_fleet_migrated(&doc, top_keys, wheels);
}

/// A large document is checked lazily, its validation beside its chain: the report is the
/// one a tree of the same document gets, and an invalid one is refused with the plain
/// parse's message.
#[test]
fn a_large_document_is_checked_as_its_tree_is() {
    let doc = big_fleet(2_000, 30_000);
    assert!(
        doc.len() > 1 << 20,
        "{} bytes: past the two-thread size",
        doc.len()
    );
    let lazy = check_bytes(&FLEET, "fleet.json", doc.as_bytes());
    let tree = migrate_runtime::check_value(&FLEET, "fleet.json", &parse(doc.as_bytes()).unwrap());
    assert_eq!(lazy, tree);
    assert_eq!(lazy.status, Status::Migrated);

    // A key written twice far into the document, in data no version models.
    let at = doc.rfind(r#""x-"#).expect("the fleet has unknown keys");
    let mut twice = doc.clone();
    twice.insert_str(at, r#""x-twice": 1, "x-twice": 2, "#);
    let report = check_bytes(&FLEET, "fleet.json", twice.as_bytes());
    assert_eq!(report.status, Status::Unsupported);
    let reason = report.reason.expect("a reason");
    assert_eq!(reason.code, ReasonCode::InvalidJson);
    assert!(
        reason.message.contains("`x-twice` is written twice"),
        "{}",
        reason.message
    );
    assert_eq!(report.detected_version, None);
}

#[test]
#[ignore = "100 MB: slow in debug builds; run with `cargo test --release -- --ignored`"]
fn a_hundred_megabyte_document_goes_through() {
    let (top_keys, wheels) = (200_000, 2_250_000);
    let doc = big_fleet(top_keys, wheels);
    assert!(doc.len() > 100_000_000, "{} bytes", doc.len());
    assert_big_fleet_migrated(&doc, top_keys, wheels);
    let report = check_bytes(&FLEET, "fleet.json", doc.as_bytes());
    assert_eq!(report.status, Status::Migrated);
    // The version key, the move, the engine's default, the removal and two additions.
    assert_eq!(report.changes, 6);
}

/// A tree document whose JSON nests `depth` levels (the root object included), with an
/// unknown key at every node.
fn deep_tree(version: u32, depth: usize) -> String {
    let nodes = depth - 1;
    let mut doc = format!(r#"{{"schemaVersion":{version},"root":"#);
    for i in 0..nodes {
        let _ = write!(doc, r#"{{"name":"n{i}","x-at":{i}"#);
        if i + 1 < nodes {
            doc.push_str(r#","child":"#);
        }
    }
    doc.push_str(&"}".repeat(nodes + 1));
    doc
}

#[test]
fn a_document_nested_100_levels_deep_goes_through() {
    let doc = deep_tree(1, 100);
    let report = check_bytes(&TREE, "tree.json", doc.as_bytes());
    assert_eq!(report.status, Status::Migrated, "{:?}", report.reason);
    // Every node gets its `weight` default, plus the top-level `count` and the version.
    assert_eq!(report.changes, 99 + 2);

    let out = migrate_owned(&TREE, parse(doc.as_bytes()).unwrap()).unwrap();
    let mut node = &out.result["root"];
    for i in 0..99 {
        assert_eq!(node["x-at"], Value::from(i), "unknown key at depth {i}");
        assert_eq!(node["weight"], Value::from(0));
        node = &node["child"];
    }
    assert!(node.is_null(), "99 nodes, no more");
}

#[test]
fn a_document_at_the_parser_depth_limit_goes_through() {
    // 127 levels is the deepest serde_json accepts; typed reading, transforms, the change
    // list and the drop all recurse that deep, on a test thread's 2 MB stack, in debug.
    let doc = deep_tree(1, 127);
    let report = check_bytes(&TREE, "tree.json", doc.as_bytes());
    assert_eq!(report.status, Status::Migrated, "{:?}", report.reason);
    assert_eq!(report.changes, 126 + 2);
    let report = check_bytes(&TREE, "tree.json", deep_tree(1, 128).as_bytes());
    assert_eq!(
        report.reason.expect("refused").code,
        ReasonCode::InvalidJson
    );
}

#[test]
fn a_document_nested_200_levels_deep_is_invalid_json_not_a_crash() {
    let doc = deep_tree(1, 200);
    let report = check_bytes(&TREE, "tree.json", doc.as_bytes());
    let reason = report.reason.expect("refused");
    assert_eq!(reason.code, ReasonCode::InvalidJson);
    assert!(
        reason
            .message
            .starts_with("not valid JSON: recursion limit exceeded"),
        "{}",
        reason.message
    );
}

#[test]
fn deep_unknown_values_pass_through_whole() {
    // 120 levels of arrays inside an unknown key, below the parser's limit of 128.
    let inner = format!("{}{}", "[".repeat(120), "]".repeat(120));
    let doc = format!(r#"{{"schemaVersion":1,"root":{{"name":"r","x-deep":{inner}}}}}"#);
    let out = migrate_owned(&TREE, parse(doc.as_bytes()).unwrap()).unwrap();
    assert_eq!(out.result["root"]["x-deep"].to_string(), inner);
}
