//! Every reason code, from a document crafted for it: code and message.

use migrate_runtime::{check_bytes, ContractInfo, ReasonCode, Status};

use crate::support::*;

fn refused(info: &'static ContractInfo, doc: &str) -> (ReasonCode, String) {
    let report = check_bytes(info, "doc.json", doc.as_bytes());
    assert_eq!(
        report.status,
        Status::Unsupported,
        "{doc} was accepted: {report:?}"
    );
    assert_eq!(report.changes, 0);
    assert!(report.change_list.is_empty());
    let reason = report.reason.expect("an unsupported report has a reason");
    assert_eq!(report.errors, [reason.to_string()]);
    (reason.code, reason.message)
}

fn assert_refused(info: &'static ContractInfo, doc: &str, code: ReasonCode, message: &str) {
    assert_eq!(refused(info, doc), (code, message.to_owned()), "for {doc}");
}

const FLEET_V2_BODY: &str = r#""id": "f1", "assignee": "ann", "engine": {"power": 90}, "wheels": [{"size": 16, "label": "fl"}], "tags": []"#;

#[test]
fn invalid_json() {
    assert_refused(
        &FLEET,
        "{",
        ReasonCode::InvalidJson,
        "not valid JSON: EOF while parsing an object at line 1 column 1",
    );
    assert_refused(
        &FLEET,
        "",
        ReasonCode::InvalidJson,
        "not valid JSON: EOF while parsing a value at line 1 column 0",
    );
    assert_refused(
        &FLEET,
        "{} {}",
        ReasonCode::InvalidJson,
        "not valid JSON: trailing characters at line 1 column 4",
    );
}

#[test]
fn a_key_written_twice_is_invalid_json() {
    // serde_json alone would keep the second value and lose the first without a word.
    assert_refused(
        &FLEET,
        r#"{"schemaVersion": 1, "schemaVersion": 2}"#,
        ReasonCode::InvalidJson,
        "not valid JSON: the key `schemaVersion` is written twice in one object (one of its values would be lost) at line 1 column 36",
    );
    let nested =
        format!(r#"{{"schemaVersion": 2, {FLEET_V2_BODY}, "x-u": {{"a": [{{"k": 1, "k": 1}}]}}}}"#);
    let (code, message) = refused(&FLEET, &nested);
    assert_eq!(code, ReasonCode::InvalidJson);
    assert!(
        message.contains("the key `k` is written twice"),
        "{message}"
    );
}

#[test]
fn invalid_json_beyond_the_parser_depth_limit() {
    // serde_json refuses more than 128 levels: a clean error, not a stack overflow.
    let doc = format!("{}{}", "[".repeat(200), "]".repeat(200));
    let (code, message) = refused(&FLEET, &doc);
    assert_eq!(code, ReasonCode::InvalidJson);
    assert_eq!(
        message,
        "not valid JSON: recursion limit exceeded at line 1 column 128"
    );
}

#[test]
fn not_an_object() {
    for (doc, kind) in [
        ("[1]", "an array"),
        ("\"x\"", "a string"),
        ("3", "a number"),
        ("null", "null"),
        ("true", "a boolean"),
    ] {
        assert_refused(
            &FLEET,
            doc,
            ReasonCode::NotAnObject,
            &format!("the document's root is {kind}, not an object"),
        );
    }
}

#[test]
fn missing_version() {
    assert_refused(
        &GAPS,
        r#"{"name": "x"}"#,
        ReasonCode::MissingVersion,
        "the document has no `schemaVersion` key and gaps declares no unversioned version",
    );
}

#[test]
fn invalid_version() {
    let max = u32::MAX;
    for (value, shown) in [
        ("\"2\"", "the string \"2\""),
        ("1.0", "1.0"),
        ("2.5", "2.5"),
        ("true", "true"),
        ("null", "null"),
        ("-1", "-1"),
        ("4294967296", "4294967296"),
        ("18446744073709551616", "1.8446744073709552e+19"),
        ("[1]", "an array"),
        ("{}", "an object"),
        (
            "\"a string that is far longer than forty characters\"",
            "the string \"a string that is far longer than forty c\"…",
        ),
    ] {
        assert_refused(
            &FLEET,
            &format!(r#"{{"schemaVersion": {value}, {FLEET_V2_BODY}}}"#),
            ReasonCode::InvalidVersion,
            &format!("`schemaVersion` is {shown}, not an integer in 0..={max}"),
        );
    }
}

#[test]
fn version_bounds_are_accepted_by_detection() {
    use migrate_runtime::detect;
    let doc = serde_json::json!({"schemaVersion": u32::MAX});
    assert_eq!(detect(&FLEET, &doc), Ok(u32::MAX));
    let doc = serde_json::json!({"schemaVersion": 0});
    assert_eq!(detect(&FLEET, &doc), Ok(0));
    // An unversioned document of a contract with `unversioned = 1`.
    assert_eq!(detect(&FLEET, &serde_json::json!({})), Ok(1));
}

#[test]
fn below_minimum() {
    assert_refused(
        &GAPS,
        r#"{"schemaVersion": 0, "name": "x"}"#,
        ReasonCode::BelowMinimum,
        "version 0 is below gaps's minimum version 1",
    );
}

#[test]
fn above_current() {
    assert_refused(
        &GAPS,
        r#"{"schemaVersion": 8, "name": "x"}"#,
        ReasonCode::AboveCurrent,
        "version 8 is newer than gaps's current version 7",
    );
    assert_refused(
        &FLEET,
        &format!(r#"{{"schemaVersion": 4294967295, {FLEET_V2_BODY}}}"#),
        ReasonCode::AboveCurrent,
        "version 4294967295 is newer than fleet's current version 4",
    );
}

#[test]
fn no_path_for_an_unlisted_version() {
    for v in [2, 5] {
        assert_refused(
            &GAPS,
            &format!(r#"{{"schemaVersion": {v}, "name": "x"}}"#),
            ReasonCode::NoPath,
            &format!("gaps has no version {v} (its versions are 1, 3, 7), so no chain leads from it to the current version 7"),
        );
    }
}

#[test]
fn no_path_for_a_version_no_edge_leaves() {
    assert_refused(
        &ISLAND,
        r#"{"schemaVersion": 1}"#,
        ReasonCode::NoPath,
        "no chain of edges leads from version 1 to island's current version 3",
    );
}

#[test]
fn invalid_at_version_names_the_path() {
    assert_refused(
        &FLEET,
        r#"{"schemaVersion": 2, "id": "f1", "assignee": "ann", "engine": {"power": "high"}, "wheels": [], "tags": []}"#,
        ReasonCode::InvalidAtVersion,
        "does not deserialize as fleet version 2 (FleetV2): invalid type: string \"high\", expected u32 (at engine.power)",
    );
    assert_refused(
        &FLEET,
        r#"{"schemaVersion": 2, "id": "f1", "assignee": "ann", "engine": {"power": 1}, "wheels": [{"size": 1, "label": "a"}, {"size": -3, "label": "b"}], "tags": []}"#,
        ReasonCode::InvalidAtVersion,
        "does not deserialize as fleet version 2 (FleetV2): invalid value: integer `-3`, expected u32 (at wheels[1].size)",
    );
    // An unversioned document (version 1) missing a field.
    assert_refused(
        &FLEET,
        r#"{"id": "f1", "engine": {"power": 1}, "wheels": [], "tags": []}"#,
        ReasonCode::InvalidAtVersion,
        "does not deserialize as fleet version 1 (FleetV1): missing field `owner` (at .)",
    );
    // A document at the current version is read as its detected version, too.
    assert_refused(
        &STRICT,
        r#"{"schemaVersion": 2, "count": 500}"#,
        ReasonCode::InvalidAtVersion,
        "does not deserialize as strict version 2 (StrictV2): validation failed: count 500 is above 100",
    );
}

#[test]
fn transform_failed_from_a_with_function() {
    assert_refused(
        &FLEET,
        &format!(
            r#"{{"schemaVersion": 2, {}}}"#,
            FLEET_V2_BODY.replace("\"f1\"", "\"\"")
        ),
        ReasonCode::TransformFailed,
        "fleet 2 -> 3 failed: id must not be empty",
    );
}

#[test]
fn transform_failed_when_a_custom_edge_would_replace_an_unknown_value() {
    // `code` is unknown to version 2; the `with` function of 2 -> 3 computes it.
    assert_refused(
        &FLEET,
        &format!(r#"{{"schemaVersion": 2, {FLEET_V2_BODY}, "code": "mine"}}"#),
        ReasonCode::TransformFailed,
        "fleet 2 -> 3 failed: the result sets `/code`, which the document already holds with another value that version 2 does not model",
    );
    // The same value is no loss.
    let doc = format!(r#"{{"schemaVersion": 2, {FLEET_V2_BODY}, "code": "F1"}}"#);
    let report = check_bytes(&FLEET, "f.json", doc.as_bytes());
    assert_eq!(report.status, Status::Migrated, "{:?}", report.reason);
}

#[test]
fn transform_failed_when_a_transform_panics() {
    assert_refused(
        &STRICT,
        r#"{"schemaVersion": 1, "count": 13}"#,
        ReasonCode::TransformFailed,
        "strict 1 -> 2 failed: the transform panicked: assertion `left != right` failed: unlucky 13\n  left: 13\n right: 13",
    );
}

#[test]
fn transform_failed_when_a_rename_would_overwrite_a_key() {
    assert_refused(
        &FLEET,
        r#"{"id": "f1", "owner": "ann", "assignee": "bob", "engine": {"power": 1}, "wheels": [], "tags": []}"#,
        ReasonCode::TransformFailed,
        "fleet 1 -> 2 failed: renaming `owner` to `assignee` would overwrite the document's own `assignee`",
    );
    // Also on the last edge, into the current version.
    assert_refused(
        &GAPS,
        r#"{"schemaVersion": 3, "name": "x", "title": 7}"#,
        ReasonCode::TransformFailed,
        "gaps 3 -> 7 failed: renaming `name` to `title` would overwrite the document's own `title`",
    );
}

#[test]
fn transform_failed_when_an_intermediate_version_rejects_the_document() {
    // `retries` is unknown to version 1, so it is kept; version 2 reads it as its own field.
    assert_refused(
        &FLEET,
        r#"{"id": "f1", "owner": "ann", "retries": "many", "engine": {"power": 1}, "wheels": [], "tags": []}"#,
        ReasonCode::TransformFailed,
        "fleet 1 -> 2 failed: the result does not deserialize as version 2: invalid type: string \"many\", expected u32 (at retries)",
    );
    assert_refused(
        &GAPS,
        r#"{"schemaVersion": 1, "name": "x", "size": "big"}"#,
        ReasonCode::TransformFailed,
        "gaps 1 -> 3 failed: the result does not deserialize as version 3: invalid type: string \"big\", expected u64 (at size)",
    );
}

#[test]
fn invalid_at_current() {
    assert_refused(
        &STRICT,
        r#"{"schemaVersion": 1, "count": 50}"#,
        ReasonCode::InvalidAtCurrent,
        "the result does not deserialize as strict version 2 (StrictV2): validation failed: count 500 is above 100",
    );
}

#[test]
fn every_code_is_covered_here() {
    // Guards this file: a new code must come with a test above.
    let source = include_str!("reasons.rs");
    for code in ReasonCode::ALL {
        let variant = format!("ReasonCode::{code:?},");
        assert!(source.contains(&variant), "no test for {code}");
    }
}
