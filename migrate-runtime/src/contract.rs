//! The model the derives generate: contracts, their versions, and the edges between them.
//!
//! Everything here is plain `'static` data plus function pointers, so that the runtime, the
//! prover and the command line can work on any contract through `&'static ContractInfo`
//! without generics, and the derives can build it all in `static` items.

use serde::de::DeserializeOwned;
use serde::Serialize;
use std::any::Any;

use crate::node::{Entries, Node};

/// A document family: a named sequence of versions joined by edges.
///
/// Implemented by `#[derive(Contract)]`; the trait is public so that programs can name
/// contracts in generic code (`load::<RunState>(path)`), not to be implemented by hand.
pub trait Contract: 'static {
    /// The type of the current (newest) version.
    type Current: Versioned<Contract = Self>;

    /// The contract's description: name, version key, versions and edges.
    fn info() -> &'static ContractInfo;
}

/// One schema version of a contract: a struct with `#[derive(Versioned)]`.
pub trait Versioned: Serialize + DeserializeOwned + 'static {
    /// The contract this version belongs to.
    type Contract: Contract;

    /// This version's number.
    const VERSION: u32;

    /// This version's description, and the edges into it.
    const INFO: VersionInfo;
}

/// A contract as data: everything the runtime needs, with no generics.
#[derive(Debug)]
pub struct ContractInfo {
    /// The contract's name (`name = "…"`), as the CLI shows it.
    pub name: &'static str,
    /// The top-level JSON key holding the version (default `"schemaVersion"`).
    pub version_key: &'static str,
    /// The version of a document without the version key (`unversioned = N`), if any.
    pub unversioned: Option<u32>,
    /// The file name the CLI recognises when walking a directory (`file = "…"`), if any.
    pub file: Option<&'static str>,
    /// Every version, oldest first; the last is current, the first is the minimum.
    pub versions: &'static [VersionInfo],
}

impl ContractInfo {
    /// The minimum supported version (the first one listed).
    pub fn min_version(&self) -> u32 {
        self.versions.first().map_or(0, |v| v.version)
    }

    /// The current version (the last one listed).
    pub fn current_version(&self) -> u32 {
        self.versions.last().map_or(0, |v| v.version)
    }

    /// The description of version `version`, if the contract has it.
    pub fn version(&self, version: u32) -> Option<&'static VersionInfo> {
        self.versions.iter().find(|v| v.version == version)
    }

    /// Every edge of the contract (forward edges, grouped by target version, oldest first).
    pub fn edges(&self) -> impl Iterator<Item = &'static Edge> + 'static {
        self.versions.iter().flat_map(|v| v.edges.iter())
    }
}

/// One version of a contract, as data.
#[derive(Debug)]
pub struct VersionInfo {
    /// The version number.
    pub version: u32,
    /// The Rust type's name, for messages.
    pub type_name: &'static str,
    /// The wire keys of the version's top-level fields (after serde's renames).
    pub wire_keys: &'static [&'static str],
    /// The edges into this version (`#[migration(...)]` on its struct).
    pub edges: &'static [Edge],
    /// Deserializes a document body (without the version key) as this version, runs its
    /// `validate` hook if it has one, and serializes it back.
    #[doc(hidden)]
    pub __roundtrip: RoundTrip,
}

/// A declared edge between two versions of one contract.
#[derive(Debug)]
pub struct Edge {
    /// The version the edge starts from.
    pub from: u32,
    /// The version the edge leads to.
    pub to: u32,
    /// The edge's description (`description = "…"`, or the first line of the doc comment).
    pub description: &'static str,
    /// What the edge claims to do, checked by the derive against the two structs.
    pub claims: Claims,
    /// The forward transform.
    #[doc(hidden)]
    pub __up: Transform,
    /// The reverse transform, for a `reversible` edge.
    #[doc(hidden)]
    pub __down: Option<Transform>,
}

/// The declared claims of an edge. Field names are wire keys (as they appear on disk).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Claims {
    /// New keys filled from their default.
    pub adds_defaulted: &'static [&'static str],
    /// New keys computed by the `with` function.
    pub adds: &'static [&'static str],
    /// Keys of the source version that the edge deliberately drops.
    pub removes: &'static [&'static str],
    /// Keys whose value moves to a new key: `(old, new)`.
    pub renames: &'static [(&'static str, &'static str)],
    /// Keys whose type changes (through the `with` function).
    pub converts: &'static [&'static str],
    /// Whether a custom `with` function performs the transform.
    pub custom: bool,
    /// Whether the edge also has a down transform.
    pub reversible: bool,
}

impl Claims {
    /// True when the edge declares no removal: nothing of the source is dropped.
    pub fn drops_nothing(&self) -> bool {
        self.removes.is_empty()
    }
}

/// A transform of a document body (an object's entries, without the version key) along
/// one edge. What the transform does not open stays raw text of the source. The caller may
/// pass the body's [`Reading`] as the edge's source version when it already has it (the
/// first edge of a chain: the source was just read as its detected version), so that the
/// edge does not read the body again.
pub type Transform =
    for<'a> fn(&Edge, Entries<'a>, Option<Reading>) -> Result<Node<'a>, TransformError>;

/// A typed reading of a document body as one version.
pub type RoundTrip = fn(&Node<'_>) -> Result<Reading, RoundTripError>;

/// A body read as one version: the typed value, and that value serialized back (what the
/// version models of the body).
pub struct Reading {
    /// The typed value serialized back.
    pub value: Node<'static>,
    typed: Box<dyn Any>,
}

impl Reading {
    /// A reading of `typed`, serialized as `value`.
    pub fn new<T: 'static>(typed: T, value: Node<'static>) -> Self {
        Self::boxed(Box::new(typed), value)
    }

    /// [`Reading::new`] of a typed value already boxed.
    pub(crate) fn boxed(typed: Box<dyn Any>, value: Node<'static>) -> Self {
        Reading { value, typed }
    }

    /// The serialization alone (the typed value is dropped first).
    pub fn into_value(self) -> Node<'static> {
        drop(self.typed);
        self.value
    }

    /// The typed value, if it is a `T`; the reading back otherwise.
    pub fn into_typed<T: 'static>(self) -> Result<(T, Node<'static>), Self> {
        match self.typed.downcast::<T>() {
            Ok(typed) => Ok((*typed, self.value)),
            Err(typed) => Err(Reading {
                value: self.value,
                typed,
            }),
        }
    }
}

impl std::fmt::Debug for Reading {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reading")
            .field("value", &self.value)
            .finish_non_exhaustive()
    }
}

/// Why a transform along an edge failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransformError {
    /// The body does not deserialize as the edge's source version.
    #[error("does not deserialize as version {version}: {error}")]
    Source {
        /// The version the body was read as.
        version: u32,
        /// serde's message, with the JSON path of the fault.
        error: RoundTripError,
    },
    /// The `with` function returned an error.
    #[error("{0}")]
    Custom(String),
    /// The transformed body does not deserialize as the edge's target version.
    #[error("result does not deserialize as version {version}: {error}")]
    Target {
        /// The version the result was read as.
        version: u32,
        /// serde's message, with the JSON path of the fault.
        error: RoundTripError,
    },
}

/// Why a body failed its typed round trip.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoundTripError {
    /// serde could not deserialize the body.
    #[error("{message} (at {path})")]
    Deserialize {
        /// The JSON path of the fault, as serde_path_to_error prints it (`.` for the root).
        path: String,
        /// serde's message.
        message: String,
    },
    /// The version's `validate` hook rejected the value.
    #[error("validation failed: {0}")]
    Validate(String),
    /// serde could not serialize the value back.
    #[error("does not serialize: {0}")]
    Serialize(String),
}
