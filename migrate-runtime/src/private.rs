//! What the derives' generated code calls: typed round trips and the edge transforms.
//!
//! Not public API: reached as `::migrate_runtime::__private` from generated code only, and
//! free to change in any release.

use serde::de::DeserializeOwned;
use serde::Serialize;
use std::borrow::Cow;

use crate::contract::{Edge, RoundTripError, TransformError, Versioned};
use crate::node_ser::to_node;

pub use crate::checks::*;
pub use crate::contract::{Claims, ContractInfo, Reading, RoundTrip, Transform, VersionInfo};
pub use crate::node::{Entries, Node};
pub use crate::prove::prove_bytes_as;
pub use serde_json::{Map as JsonMap, Value as JsonValue};

/// A version's `validate` hook, its error already turned into a message.
pub type Validate<T> = fn(&T) -> Result<(), String>;

/// Reads `body` as `T` (recording the JSON path of a fault), runs `validate`, and
/// serializes the result back.
///
/// This and [`deserialize`] are compiled in the crate of every version type: what does not
/// depend on `T` is in plain functions, compiled once here.
pub fn roundtrip<T>(
    body: &Node<'_>,
    validate: Option<Validate<T>>,
) -> Result<Reading, RoundTripError>
where
    T: Serialize + DeserializeOwned + 'static,
{
    let typed: T = deserialize(body)?;
    if let Some(validate) = validate {
        if let Err(message) = validate(&typed) {
            return Err(RoundTripError::Validate(message));
        }
    }
    let value = to_node(&typed);
    serialized(Box::new(typed), value)
}

/// [`roundtrip`] of a version without a `validate` hook: the derive names it as the
/// version's `VersionInfo::__roundtrip`, where a version with a hook gets a function of its
/// own (one item fewer for the compiler to check per version). Written out rather than as
/// `roundtrip::<T>(body, None)`: every version has it compiled in its crate, and this way
/// that is one function, without the hook's branch.
pub fn roundtrip_plain<T>(body: &Node<'_>) -> Result<Reading, RoundTripError>
where
    T: Serialize + DeserializeOwned + 'static,
{
    match crate::node_de::from_body::<T>(body) {
        Ok(typed) => {
            let value = to_node(&typed);
            serialized(Box::new(typed), value)
        }
        Err(failure) => Err(unreadable(failure)),
    }
}

/// Reads `body` as `T`, keeping the JSON path of a fault in the error.
pub fn deserialize<T: DeserializeOwned>(body: &Node<'_>) -> Result<T, RoundTripError> {
    // One reading, straight from the node (raw text opened as it goes), which says where
    // and why it fails: the message a `serde_json::Value` reading gives, at the path
    // serde_path_to_error would give.
    match crate::node_de::from_body::<T>(body) {
        Ok(typed) => Ok(typed),
        Err(failure) => Err(unreadable(failure)),
    }
}

fn unreadable(failure: crate::node_de::Failure) -> RoundTripError {
    RoundTripError::Deserialize {
        path: failure.path,
        message: failure.error.to_string(),
    }
}

/// The reading of a typed value and its serialization (or why it did not serialize).
fn serialized(
    typed: Box<dyn std::any::Any>,
    value: Result<Node<'static>, serde_json::Error>,
) -> Result<Reading, RoundTripError> {
    match value {
        Ok(value) => Ok(Reading::boxed(typed, value)),
        Err(e) => Err(RoundTripError::Serialize(e.to_string())),
    }
}

/// The transform of a declarative edge (no `with`) into version `To`, the derive's `__up`:
/// renames move keys, removals drop them, defaulted additions are filled by deserializing
/// as `To`. Keys the types do not model pass through unchanged, at any depth. Generic only
/// in the version it reads: the rest ([`declarative`]) is compiled once, here, rather than
/// in every crate that declares an edge.
pub fn declarative_up<'a, To: Versioned>(
    edge: &Edge,
    body: Entries<'a>,
    _reading: Option<Reading>,
) -> Result<Node<'a>, TransformError> {
    declarative(
        edge,
        body,
        Direction::Up,
        To::VERSION,
        roundtrip_plain::<To>,
    )
}

/// The down transform of a reversible declarative edge back into version `From` (the
/// derive's `__down`): renames move back, defaulted additions are dropped.
pub fn declarative_down<'a, From: Versioned>(
    edge: &Edge,
    body: Entries<'a>,
    _reading: Option<Reading>,
) -> Result<Node<'a>, TransformError> {
    declarative(
        edge,
        body,
        Direction::Down,
        From::VERSION,
        roundtrip_plain::<From>,
    )
}

/// A declarative edge run in `direction` into `version`, read by `roundtrip`: `body`
/// rekeyed ([`rekey`]), read as that version, and written back with whatever the version
/// does not model.
fn declarative<'a>(
    edge: &Edge,
    body: Entries<'a>,
    direction: Direction,
    version: u32,
    roundtrip: RoundTrip,
) -> Result<Node<'a>, TransformError> {
    let body = Node::Object(rekey(body, edge, direction)?);
    let reading = roundtrip(&body);
    retyped(version, reading, body)
}

/// The transform of a custom edge: the body is read as `From` (or that reading is taken
/// from `reading`), passed to the user's function, and the result written back; keys
/// `From` did not model are carried over.
pub fn custom<'a, From, To, R>(
    edge: &Edge,
    body: Entries<'a>,
    reading: Option<Reading>,
    with: impl FnOnce(From) -> R,
) -> Result<Node<'a>, TransformError>
where
    From: Versioned,
    To: Versioned,
    R: TransformOutput<To>,
{
    let body = Node::Object(body);
    let (source, modeled) = match reading.map(Reading::into_typed::<From>) {
        Some(Ok(both)) => both,
        _ => {
            let source: From = deserialize(&body).map_err(|error| TransformError::Source {
                version: From::VERSION,
                error,
            })?;
            let modeled = to_node(&source).map_err(|e| TransformError::Source {
                version: From::VERSION,
                error: RoundTripError::Serialize(e.to_string()),
            })?;
            (source, modeled)
        }
    };
    // The overlay reads only the shape of what `From` models (its keys, its arrays'
    // lengths): its scalars go now, before the next version is built beside it.
    let modeled = modeled.into_shape();
    let target = with(source).into_result().map_err(TransformError::Custom)?;
    let typed = to_node(&target).map_err(|e| TransformError::Target {
        version: To::VERSION,
        error: RoundTripError::Serialize(e.to_string()),
    })?;
    // Only its serialization is needed from here on: a large document's typed value goes
    // before the merge builds anything.
    drop(target);
    // The `with` function never sees keys `From` does not model; if its result sets one of
    // them to another value, the document's own value would vanish unseen: refuse.
    // `custom_down` runs this with the versions swapped: the renames go the other way.
    let renames: Vec<(&str, &str)> = if From::VERSION == edge.from {
        edge.claims.renames.to_vec()
    } else {
        edge.claims
            .renames
            .iter()
            .map(|&(old, new)| (new, old))
            .collect()
    };
    crate::overlay::overlay_strict(typed, body, &modeled, &renames).map_err(|pointer| {
        TransformError::Custom(format!(
            "the result sets `{pointer}`, which the document already holds with another value that version {} does not model",
            From::VERSION
        ))
    })
}

/// The down transform of a reversible custom edge (`reverse_with`).
pub fn custom_down<'a, From, To, R>(
    edge: &Edge,
    body: Entries<'a>,
    reading: Option<Reading>,
    reverse_with: impl FnOnce(To) -> R,
) -> Result<Node<'a>, TransformError>
where
    From: Versioned,
    To: Versioned,
    R: TransformOutput<From>,
{
    custom::<To, From, R>(edge, body, reading, reverse_with)
}

/// What a `with` function may return: the next version, or `Result<_, E: Display>`.
pub trait TransformOutput<T> {
    /// The value, or the error's message.
    fn into_result(self) -> Result<T, String>;
}

impl<T: Versioned> TransformOutput<T> for T {
    fn into_result(self) -> Result<T, String> {
        Ok(self)
    }
}

impl<T: Versioned, E: std::fmt::Display> TransformOutput<T> for Result<T, E> {
    fn into_result(self) -> Result<T, String> {
        self.map_err(|e| e.to_string())
    }
}

/// What a `validate` hook may return: `Result<(), E: Display>` or `bool`.
pub trait ValidateOutput {
    /// `Ok(())`, or the error's message.
    fn into_result(self) -> Result<(), String>;
}

impl<E: std::fmt::Display> ValidateOutput for Result<(), E> {
    fn into_result(self) -> Result<(), String> {
        self.map_err(|e| e.to_string())
    }
}

/// Which way a declarative edge is run.
#[derive(Clone, Copy)]
enum Direction {
    /// From the edge's `from` to its `to`: removals drop keys, renames go old to new.
    Up,
    /// Back: defaulted additions drop keys, renames go new to old.
    Down,
}

/// Rebuilds `body` in one pass, in its key order, for `edge` run in `direction`: the keys it
/// drops go, renamed keys take their new name in the old one's place. A rename onto a key
/// the document already has would silently lose that key's value, so it fails instead.
fn rekey<'a>(
    body: Entries<'a>,
    edge: &Edge,
    direction: Direction,
) -> Result<Entries<'a>, TransformError> {
    let claims = &edge.claims;
    let drop = match direction {
        Direction::Up => claims.removes,
        Direction::Down => claims.adds_defaulted,
    };
    let rename = |key: &str| {
        claims
            .renames
            .iter()
            .find_map(|&(old, new)| match direction {
                Direction::Up => (old == key).then_some(new),
                Direction::Down => (new == key).then_some(old),
            })
    };
    let touched = body
        .iter()
        .any(|(key, _)| drop.contains(&key.as_ref()) || rename(key).is_some());
    if !touched {
        return Ok(body);
    }
    let has = |key: &str| body.iter().any(|(k, _)| k == key);
    for (key, _) in &body {
        if let Some(new) = rename(key) {
            if has(new) && !drop.contains(&new) && rename(new).is_none() {
                return Err(TransformError::Custom(format!(
                    "renaming `{key}` to `{new}` would overwrite the document's own `{new}`"
                )));
            }
        }
    }
    Ok(body
        .into_iter()
        .filter(|(key, _)| !drop.contains(&key.as_ref()))
        .map(|(key, value)| match rename(&key) {
            Some(new) => (Cow::Owned(new.to_owned()), value),
            None => (key, value),
        })
        .collect())
}

/// The rekeyed `body` written back from its reading as `version`, keeping whatever the
/// version does not model.
fn retyped(
    version: u32,
    reading: Result<Reading, RoundTripError>,
    body: Node<'_>,
) -> Result<Node<'_>, TransformError> {
    let typed = reading
        .map_err(|error| TransformError::Target { version, error })?
        .value;
    // The typed reading is its own model: nothing was consumed, so no copy is needed.
    Ok(crate::overlay::restore_unknown(typed, body))
}
