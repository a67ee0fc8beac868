//! Parsing a document and detecting its version: the one detector every command uses.

use serde_json::Value;

use crate::contract::ContractInfo;
use crate::node::Node;
use crate::reason::{ReasonCode, Unsupported};

/// Parses a document's bytes: one parse, into a tree that keeps the source's key order.
///
/// serde_json refuses documents nesting 128 or more arrays or objects; that (like any
/// other syntax error) is `invalid-json`, never a crash.
/// A key written twice in one object is `invalid-json` too: serde_json would keep the
/// last value and silently lose the first.
pub fn parse(bytes: &[u8]) -> Result<Value, Unsupported> {
    parse_node(bytes).map(Node::into_value)
}

/// [`parse`] into the engine's lazily read tree (see [`crate::node`]).
pub(crate) fn parse_node(bytes: &[u8]) -> Result<Node<'_>, Unsupported> {
    crate::node::parse(bytes).map_err(invalid_json)
}

/// The `invalid-json` verdict for a document serde_json (or the duplicate-key check)
/// refused.
pub(crate) fn invalid_json(error: crate::node::ParseError) -> Unsupported {
    Unsupported::new(ReasonCode::InvalidJson, format!("not valid JSON: {error}"))
}

/// Detects a document's version from the contract's version key.
///
/// The key must hold an integer in `0..=u32::MAX`; a missing key is the contract's
/// `unversioned` version, or `missing-version`. Nothing is guessed from the document's shape.
pub fn detect(info: &ContractInfo, doc: &Value) -> Result<u32, Unsupported> {
    let Value::Object(map) = doc else {
        return Err(not_an_object(kind(doc)));
    };
    detect_in(info, map.get(info.version_key).cloned())
}

/// [`detect`] on the engine's tree.
pub(crate) fn detect_node(info: &ContractInfo, doc: &Node<'_>) -> Result<u32, Unsupported> {
    let Node::Object(entries) = &*doc.open() else {
        return Err(not_an_object(doc.kind()));
    };
    detect_in(
        info,
        crate::node::get(entries, info.version_key).map(Node::to_value),
    )
}

/// Detection from the version key's value (`None` when the key is absent).
fn detect_in(info: &ContractInfo, value: Option<Value>) -> Result<u32, Unsupported> {
    let Some(value) = value else {
        return info.unversioned.ok_or_else(|| {
            Unsupported::new(
                ReasonCode::MissingVersion,
                format!(
                    "the document has no `{}` key and {} declares no unversioned version",
                    info.version_key, info.name
                ),
            )
        });
    };
    // `as_u64` is None for negative numbers and for floats, including `1.0`: a float is not
    // a version number even when its value is whole.
    value
        .as_u64()
        .and_then(|v| u32::try_from(v).ok())
        .ok_or_else(|| {
            Unsupported::new(
                ReasonCode::InvalidVersion,
                format!(
                    "`{}` is {}, not an integer in 0..={}",
                    info.version_key,
                    describe(&value),
                    u32::MAX
                ),
            )
        })
}

/// The `not-an-object` verdict for a document whose root is `doc`.
pub(crate) fn not_an_object(kind: &str) -> Unsupported {
    Unsupported::new(
        ReasonCode::NotAnObject,
        format!("the document's root is {kind}, not an object"),
    )
}

/// A value's kind with its article, for messages.
pub(crate) fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A short rendering of a scalar (the value itself, strings quoted and cut at 40 characters),
/// or the kind of a container.
fn describe(value: &Value) -> String {
    match value {
        Value::String(s) => {
            const MAX: usize = 40;
            let cut: String = s.chars().take(MAX).collect();
            let quoted = Value::from(cut).to_string();
            if s.chars().nth(MAX).is_some() {
                format!("the string {quoted}…")
            } else {
                format!("the string {quoted}")
            }
        }
        Value::Array(_) | Value::Object(_) => kind(value).to_owned(),
        scalar => scalar.to_string(),
    }
}
