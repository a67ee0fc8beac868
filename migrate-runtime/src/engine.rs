//! Detection, resolution and the chain runner: from a document to its current version.
//!
//! Nothing here writes anything; every failure is an [`Unsupported`] with a reason code.

use std::collections::{BTreeMap, VecDeque};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::contract::{ContractInfo, Edge, TransformError};

/// Why a document is not supported: a stable code and a message naming the numbers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{code}: {message}")]
pub struct Unsupported {
    /// The reason, as a stable code.
    pub code: ReasonCode,
    /// What exactly is wrong, for people.
    pub message: String,
}

/// The reason codes of an unsupported document (SPEC §4), serialized in kebab-case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReasonCode {
    /// The detected version is older than the contract's minimum.
    BelowMinimum,
    /// The detected version is newer than the contract's current version.
    AboveCurrent,
    /// No chain of forward edges leads from the detected version to the current one.
    NoPath,
    /// The document has no version key and the contract has no `unversioned` version.
    MissingVersion,
    /// The version key does not hold an integer in `0..=u32::MAX`.
    InvalidVersion,
    /// The bytes are not JSON.
    InvalidJson,
    /// The JSON root is not an object.
    NotAnObject,
    /// The document does not deserialize as its detected version.
    InvalidAtVersion,
    /// A custom `with` transform returned an error.
    TransformFailed,
    /// The result does not deserialize as the current version.
    InvalidAtCurrent,
}

impl ReasonCode {
    /// The code as it appears in JSON output (`"no-path"`).
    pub fn as_str(self) -> &'static str {
        match self {
            ReasonCode::BelowMinimum => "below-minimum",
            ReasonCode::AboveCurrent => "above-current",
            ReasonCode::NoPath => "no-path",
            ReasonCode::MissingVersion => "missing-version",
            ReasonCode::InvalidVersion => "invalid-version",
            ReasonCode::InvalidJson => "invalid-json",
            ReasonCode::NotAnObject => "not-an-object",
            ReasonCode::InvalidAtVersion => "invalid-at-version",
            ReasonCode::TransformFailed => "transform-failed",
            ReasonCode::InvalidAtCurrent => "invalid-at-current",
        }
    }
}

impl std::fmt::Display for ReasonCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Unsupported {
    /// An unsupported verdict with `code` and `message`.
    pub fn new(code: ReasonCode, message: impl Into<String>) -> Self {
        Unsupported {
            code,
            message: message.into(),
        }
    }
}

/// A document taken to the current version.
#[derive(Debug, Clone)]
pub struct Migrated {
    /// The version detected in the source.
    pub detected: u32,
    /// The versions the document went through, from detected to current (one entry when
    /// the document is already current).
    pub chain: Vec<u32>,
    /// The edges of the chain, in order.
    pub edges: Vec<&'static Edge>,
    /// The result: the current version's document, with the version key set.
    pub result: Value,
}

/// Parses a document's bytes.
pub fn parse(bytes: &[u8]) -> Result<Value, Unsupported> {
    serde_json::from_slice(bytes)
        .map_err(|e| Unsupported::new(ReasonCode::InvalidJson, format!("not valid JSON: {e}")))
}

/// Detects a document's version from the contract's version key.
pub fn detect(info: &ContractInfo, doc: &Value) -> Result<u32, Unsupported> {
    let Value::Object(map) = doc else {
        return Err(Unsupported::new(
            ReasonCode::NotAnObject,
            format!("the document's root is {}, not an object", kind(doc)),
        ));
    };
    match map.get(info.version_key) {
        None => info.unversioned.ok_or_else(|| {
            Unsupported::new(
                ReasonCode::MissingVersion,
                format!(
                    "the document has no `{}` key and {} has no unversioned version",
                    info.version_key, info.name
                ),
            )
        }),
        Some(Value::Number(n)) => n
            .as_u64()
            .and_then(|v| u32::try_from(v).ok())
            .ok_or_else(|| {
                Unsupported::new(
                    ReasonCode::InvalidVersion,
                    format!(
                        "`{}` is {n}, not an integer in 0..={}",
                        info.version_key,
                        u32::MAX
                    ),
                )
            }),
        Some(other) => Err(Unsupported::new(
            ReasonCode::InvalidVersion,
            format!(
                "`{}` is {}, not an integer in 0..={}",
                info.version_key,
                kind(other),
                u32::MAX
            ),
        )),
    }
}

/// Finds the shortest chain of forward edges from `from` to the current version.
///
/// Ties are broken by preferring, at each step, the edge with the smallest target version.
pub fn resolve(info: &'static ContractInfo, from: u32) -> Result<Vec<&'static Edge>, Unsupported> {
    let (min, current) = (info.min_version(), info.current_version());
    if from < min {
        return Err(Unsupported::new(
            ReasonCode::BelowMinimum,
            format!(
                "version {from} is below {}'s minimum version {min}",
                info.name
            ),
        ));
    }
    if from > current {
        return Err(Unsupported::new(
            ReasonCode::AboveCurrent,
            format!(
                "version {from} is newer than {}'s current version {current}",
                info.name
            ),
        ));
    }
    // Breadth-first search over forward edges, visiting targets in ascending order.
    let mut outgoing: BTreeMap<u32, Vec<&'static Edge>> = BTreeMap::new();
    for edge in info.edges().filter(|e| e.to > e.from) {
        outgoing.entry(edge.from).or_default().push(edge);
    }
    for edges in outgoing.values_mut() {
        edges.sort_by_key(|e| e.to);
    }
    let mut came_by: BTreeMap<u32, &'static Edge> = BTreeMap::new();
    let mut queue = VecDeque::from([from]);
    while let Some(v) = queue.pop_front() {
        if v == current {
            break;
        }
        for edge in outgoing.get(&v).into_iter().flatten() {
            if edge.to != from && !came_by.contains_key(&edge.to) {
                came_by.insert(edge.to, edge);
                queue.push_back(edge.to);
            }
        }
    }
    let mut chain = Vec::new();
    let mut at = current;
    while at != from {
        let Some(edge) = came_by.get(&at) else {
            return Err(Unsupported::new(
                ReasonCode::NoPath,
                format!(
                    "no chain of edges leads from version {from} to {}'s current version {current}",
                    info.name
                ),
            ));
        };
        chain.push(*edge);
        at = edge.from;
    }
    chain.reverse();
    Ok(chain)
}

/// Takes a parsed document to the current version: detect, resolve, then run each edge.
pub fn migrate(info: &'static ContractInfo, doc: &Value) -> Result<Migrated, Unsupported> {
    let detected = detect(info, doc)?;
    let edges = resolve(info, detected)?;
    let mut body: Map<String, Value> = doc.as_object().cloned().unwrap_or_default();
    body.shift_remove(info.version_key);

    let version = info
        .version(detected)
        .expect("resolve accepted a version the contract lists");
    (version.__roundtrip)(&Value::Object(body.clone())).map_err(|e| {
        Unsupported::new(
            ReasonCode::InvalidAtVersion,
            format!(
                "does not deserialize as {} version {detected}: {e}",
                info.name
            ),
        )
    })?;

    for edge in &edges {
        let out = (edge.__up)(edge, body).map_err(|e| match e {
            TransformError::Custom(msg) => Unsupported::new(
                ReasonCode::TransformFailed,
                format!("{} {} -> {} failed: {msg}", info.name, edge.from, edge.to),
            ),
            other => Unsupported::new(
                ReasonCode::InvalidAtCurrent,
                format!("{} {} -> {}: {other}", info.name, edge.from, edge.to),
            ),
        })?;
        body = match out {
            Value::Object(map) => map,
            other => {
                return Err(Unsupported::new(
                    ReasonCode::InvalidAtCurrent,
                    format!(
                        "edge {} -> {} produced {}",
                        edge.from,
                        edge.to,
                        kind(&other)
                    ),
                ))
            }
        };
    }

    // The current version's typed reading fills its defaults (a `normalized` document) and
    // rejects a result the current type does not accept.
    let current = info.current_version();
    let current_info = info.versions.last().expect("a contract has versions");
    let body_value = Value::Object(body);
    let typed = (current_info.__roundtrip)(&body_value).map_err(|e| {
        Unsupported::new(
            ReasonCode::InvalidAtCurrent,
            format!(
                "the result does not deserialize as {} version {current}: {e}",
                info.name
            ),
        )
    })?;
    let modeled = typed.clone();
    let Value::Object(body) = crate::__private::overlay_unknown(typed, body_value, &modeled) else {
        unreachable!("a typed object stays an object")
    };
    let mut result = Map::with_capacity(body.len() + 1);
    result.insert(info.version_key.to_owned(), Value::from(current));
    result.extend(body);
    let mut chain = vec![detected];
    chain.extend(edges.iter().map(|e| e.to));
    Ok(Migrated {
        detected,
        chain,
        edges,
        result: Value::Object(result),
    })
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
