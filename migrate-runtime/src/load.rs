//! `load`: a file of any supported version, read as the current version's type, in memory.
//! Nothing is written: the file on disk keeps its version until someone applies a migration.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::contract::{Contract, Versioned};
use crate::detect::{detect_node, not_an_object, parse_node};
use crate::node::Node;
use crate::reason::{ReasonCode, Unsupported};
use crate::resolve::resolve;
use crate::run::run_chain;

/// Why [`load`] could not return a document.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The path as given.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The document is not supported (SPEC §4's reason codes).
    #[error("{} is not supported ({}): {}", path.display(), reason.code, reason.message)]
    Unsupported {
        /// The path as given.
        path: PathBuf,
        /// The reason code and message.
        reason: Unsupported,
    },
}

impl LoadError {
    /// The reason code, for an unsupported document.
    pub fn code(&self) -> Option<ReasonCode> {
        self.reason().map(|r| r.code)
    }

    /// The reason, for an unsupported document.
    pub fn reason(&self) -> Option<&Unsupported> {
        match self {
            LoadError::Io { .. } => None,
            LoadError::Unsupported { reason, .. } => Some(reason),
        }
    }
}

/// Reads the file at `path` as contract `C`, migrating it in memory from whatever supported
/// version it has: `load::<RunState>("state.json")`.
pub fn load<C: Contract>(path: impl AsRef<Path>) -> Result<C::Current, LoadError> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|source| LoadError::Io {
        path: path.to_owned(),
        source,
    })?;
    load_bytes::<C>(&bytes).map_err(|reason| LoadError::Unsupported {
        path: path.to_owned(),
        reason,
    })
}

/// [`load`] from bytes already read.
pub fn load_bytes<C: Contract>(bytes: &[u8]) -> Result<C::Current, Unsupported> {
    load_node::<C>(parse_node(bytes)?)
}

/// [`load`] from a parsed document (consumed: no copy of it is made).
pub fn load_value<C: Contract>(doc: Value) -> Result<C::Current, Unsupported> {
    load_node::<C>(Node::from_value(doc))
}

fn load_node<C: Contract>(doc: Node<'_>) -> Result<C::Current, Unsupported> {
    let info = C::info();
    let detected = detect_node(info, &doc)?;
    let edges = resolve(info, detected)?;
    let kind = doc.kind();
    let Node::Object(mut body) = doc.into_open() else {
        return Err(not_an_object(kind));
    };
    body.retain(|(k, _)| k != info.version_key);
    // One document, on the calling thread: no hash beside the last step, no reading beside
    // the first edge.
    let chained = run_chain::<()>(info, detected, &edges, body, None, false)?;
    let body = Node::Object(chained.body);
    crate::__private::deserialize::<C::Current>(&body).map_err(|e| {
        Unsupported::new(
            ReasonCode::InvalidAtCurrent,
            format!(
                "the result does not deserialize as {} version {}: {e}",
                info.name,
                <C::Current as Versioned>::VERSION
            ),
        )
    })
}
