//! Why a document is unsupported: a stable reason code and a message naming the numbers.
//!
//! The codes are public API (SPEC §4): they appear in `check --json`, in proofs, and in
//! [`LoadError`](crate::LoadError). Never rename one.

use serde::{Deserialize, Serialize};

/// Why a document is not supported: a stable code and a message naming the numbers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{code}: {message}")]
pub struct Unsupported {
    /// The reason, as a stable code.
    pub code: ReasonCode,
    /// What exactly is wrong, for people.
    pub message: String,
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

/// The reason codes of an unsupported document (SPEC §4), serialized in kebab-case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReasonCode {
    /// The detected version is older than the contract's minimum.
    BelowMinimum,
    /// The detected version is newer than the contract's current version.
    AboveCurrent,
    /// No chain of forward edges leads from the detected version to the current one
    /// (including a version between minimum and current that the contract does not list).
    NoPath,
    /// The document has no version key and the contract has no `unversioned` version.
    MissingVersion,
    /// The version key does not hold an integer in `0..=u32::MAX`.
    InvalidVersion,
    /// The bytes are not JSON (or nest 128 levels or deeper, past the parser's limit).
    InvalidJson,
    /// The JSON root is not an object.
    NotAnObject,
    /// The document does not deserialize as its detected version.
    InvalidAtVersion,
    /// A custom `with` transform returned an error, or an edge produced a document its
    /// target (non-current) version does not accept.
    TransformFailed,
    /// The result does not deserialize as the current version.
    InvalidAtCurrent,
}

impl ReasonCode {
    /// Every code, in declaration order.
    pub const ALL: [ReasonCode; 10] = [
        ReasonCode::BelowMinimum,
        ReasonCode::AboveCurrent,
        ReasonCode::NoPath,
        ReasonCode::MissingVersion,
        ReasonCode::InvalidVersion,
        ReasonCode::InvalidJson,
        ReasonCode::NotAnObject,
        ReasonCode::InvalidAtVersion,
        ReasonCode::TransformFailed,
        ReasonCode::InvalidAtCurrent,
    ];

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_names_match_as_str() {
        for code in ReasonCode::ALL {
            let json = serde_json::to_value(code).expect("a unit variant serializes");
            assert_eq!(json, serde_json::Value::from(code.as_str()));
        }
    }
}
