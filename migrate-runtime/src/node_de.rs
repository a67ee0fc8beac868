//! Deserializing a user's type straight from a [`Node`], as serde_json would from the
//! `serde_json::Value` the node stands for, and saying where it fails.
//!
//! The deserializer walks the node as serde_json walks a `&Value`: same visitor calls, same
//! "fewer elements" and single-key-enum checks, same map key rules (a number, bool or enum
//! read from the key's text), same `RawValue` (the value written out again). Raw text is
//! opened one level at a time with [`Node::open`], the engine's own scanner, and read as the
//! node it opens to; a field the type ignores is skipped without being opened. No
//! serde_json deserializer ever gets a user's visitor: a user's type has its `Deserialize`
//! code built for this deserializer only, whatever form (raw or read) the node has. The
//! result is the one `T::deserialize(&node.to_value())` gives, and an error exactly when
//! that errs, with the same message. (What is left to tell the two apart is invisible to
//! an owned type: a string with escapes, or one in raw text opened on the way, is visited
//! as a `&str` rather than a borrowed one.)
//!
//! The runtime reads document bodies, with [`from_body`]: a struct is read from the body's
//! object as a map, never as a sequence, so that the sequence reading of a version type is
//! not compiled at all (see there); any other node is read by the same deserializer, as
//! [`from_node`] (the tests' reading of any node) shows.
//!
//! On failure, [`from_body`] also says where: the path serde_path_to_error would give for a
//! `&Value` of the same value (`engine.power`, `wheels[1].size`, `.` for the root),
//! mirroring how it follows a reading: an array element is `[i]`; a key or an enum's
//! variant is a segment only when it was visited as a string, an integer or a bool (a key
//! read as a float, an enum, or through an `Option` or a newtype is `?`); an `Option`, a
//! newtype or a newtype variant adds none; and the first position an error comes up
//! through (the deepest) is the one kept. Flattened fields and the content of an untagged
//! or internally tagged enum are read by serde from what it buffered of the node, so their
//! faults are at the position of the struct or the enum, as for serde_path_to_error. The
//! path is a chain of borrowed segments on the stack, built as the reading goes down,
//! allocating nothing; it is written out only when an error comes up through it.

use std::borrow::Cow;
use std::cell::OnceCell;
use std::fmt::{self, Write as _};
use std::slice;

use serde::de::value::{BorrowedStrDeserializer, StrDeserializer, StringDeserializer};
use serde::de::{
    self, Deserialize, DeserializeOwned, DeserializeSeed, Deserializer, EnumAccess, Expected,
    MapAccess, SeqAccess, Unexpected, VariantAccess, Visitor,
};
use serde::forward_to_deserialize_any;
use serde_json::{Error, Map, Number, Value};

use crate::node::Node;

/// The newtype name serde_json's `RawValue` asks a deserializer for.
const RAW_VALUE_TOKEN: &str = "$serde_json::private::RawValue";

/// Why a node does not deserialize, and where.
#[derive(Debug)]
pub(crate) struct Failure {
    /// serde's error, as a reading of the equivalent `serde_json::Value` gives it.
    pub(crate) error: Error,
    /// Where it happened, as `serde_path_to_error::Path` displays it (`.` for the root).
    pub(crate) path: String,
}

/// Deserializes `T` from `node` as serde_json would from the same value; on failure, the
/// error and the JSON path of the fault. (The runtime reads only document bodies, with
/// [`from_body`]; this is the reading of any node, which the tests hold to serde_json's.)
#[cfg(test)]
pub(crate) fn from_node<T: DeserializeOwned>(node: &Node<'_>) -> Result<T, Failure> {
    let track = Track::default();
    match T::deserialize(De::root(node, &track)) {
        Ok(value) => Ok(value),
        Err(error) => Err(track.failure(error)),
    }
}

/// [`from_node`] of a document body: `node` is the document's root object (opened or as
/// raw text).
///
/// A body is always an object, so a struct is read from it only as a map: the struct's
/// reading of a sequence (a struct written as an array, which serde_json also accepts) is
/// never compiled for a version type, which halves the deserializing code each version
/// costs its crate. A root that is not an object (never given by the runtime, which refuses
/// such documents before any reading) fails as a type error; every other way a type may
/// ask to be read is that of [`from_node`].
///
/// Each version type has this reading compiled in its crate, so the code that depends on
/// `T` is kept to the calls that must: what does not is in plain functions, compiled once
/// here.
pub(crate) fn from_body<T: DeserializeOwned>(node: &Node<'_>) -> Result<T, Failure> {
    let track = Track::default();
    match T::deserialize(Body(De::root(node, &track))) {
        Ok(value) => Ok(value),
        Err(error) => Err(track.failure(error)),
    }
}

// ---------------------------------------------------------------------------------------
// Where the reading is.

/// The position of the value being read: a segment and its parent's position, on the
/// stack of the reading.
#[derive(Clone, Copy)]
enum Chain<'c> {
    /// The whole value.
    Root,
    /// An array's element.
    Index { parent: &'c Chain<'c>, index: usize },
    /// An object's value under a key, or an enum's variant, as it was visited.
    Key { parent: &'c Chain<'c>, key: &'c str },
    /// A value under a key, or a variant, that was not visited as a string, integer or bool.
    Unknown { parent: &'c Chain<'c> },
}

impl Chain<'_> {
    /// The path, as serde_path_to_error's `Path` displays it: keys joined by `.`, indexes
    /// as `[i]` right after what they index, `?` for an unknown segment, `.` for the root.
    fn path(&self) -> String {
        let mut segments = Vec::new();
        let mut at = self;
        loop {
            match at {
                Chain::Root => break,
                Chain::Index { parent, .. }
                | Chain::Key { parent, .. }
                | Chain::Unknown { parent } => {
                    segments.push(at);
                    at = parent;
                }
            }
        }
        if segments.is_empty() {
            return ".".to_owned();
        }
        let mut path = String::new();
        let mut separator = "";
        for segment in segments.iter().rev() {
            match segment {
                Chain::Index { index, .. } => {
                    let _ = write!(path, "[{index}]");
                }
                Chain::Key { key, .. } => {
                    path.push_str(separator);
                    path.push_str(key);
                }
                _ => {
                    path.push_str(separator);
                    path.push('?');
                }
            }
            separator = ".";
        }
        path
    }
}

/// The path of the first position an error came up through (the deepest one).
#[derive(Default)]
struct Track {
    path: OnceCell<String>,
}

impl Track {
    /// Records `chain` as where `error` happened, unless a deeper position was recorded.
    #[cold]
    fn fail(&self, chain: &Chain<'_>, error: Error) -> Error {
        self.path.get_or_init(|| chain.path());
        error
    }

    /// `error`, with the path recorded for it (the root, `.`, if none was).
    #[cold]
    fn failure(self, error: Error) -> Failure {
        Failure {
            error,
            path: self.path.into_inner().unwrap_or_else(|| ".".to_owned()),
        }
    }
}

// ---------------------------------------------------------------------------------------
// A node: read as serde_json's `&Value`, raw text opened one level at a time.

/// The deserializer of one node at one position.
#[derive(Clone, Copy)]
struct De<'c, 'a> {
    node: &'c Node<'a>,
    chain: Chain<'c>,
    track: &'c Track,
}

impl<'c, 'a> De<'c, 'a> {
    /// The deserializer of `node` at the root of a reading.
    fn root(node: &'c Node<'a>, track: &'c Track) -> Self {
        De {
            node,
            chain: Chain::Root,
            track,
        }
    }

    /// Runs `read` on the node opened one level (raw text read into its first level),
    /// recording this position as where an error happened, unless a deeper one was.
    #[inline]
    fn read<R>(self, read: impl FnOnce(&Self, &Node<'a>) -> Result<R, Error>) -> Result<R, Error> {
        let node = self.node.open();
        read(&self, &node).map_err(|e| self.track.fail(&self.chain, e))
    }

    /// [`De::read`] of a node that is not opened.
    #[inline]
    fn here<R>(self, read: impl FnOnce(Self) -> Result<R, Error>) -> Result<R, Error> {
        read(self).map_err(|e| self.track.fail(&self.chain, e))
    }
}

/// What a read node is, for a type error (as serde_json's `Value::unexpected`).
fn unexpected<'n>(node: &'n Node<'_>) -> Unexpected<'n> {
    match node {
        Node::Null => Unexpected::Unit,
        Node::Bool(b) => Unexpected::Bool(*b),
        Node::Number(n) => {
            if let Some(u) = n.as_u64() {
                Unexpected::Unsigned(u)
            } else if let Some(i) = n.as_i64() {
                Unexpected::Signed(i)
            } else {
                n.as_f64()
                    .map_or(Unexpected::Other("number"), Unexpected::Float)
            }
        }
        Node::String(s) => Unexpected::Str(s),
        Node::Array(_) => Unexpected::Seq,
        Node::Object(_) => Unexpected::Map,
        Node::Raw(_) => Unexpected::Other(node.kind()),
    }
}

fn invalid_type(node: &Node<'_>, expected: &dyn Expected) -> Error {
    de::Error::invalid_type(unexpected(node), expected)
}

/// A number visits as it is (`u64`, `i64` or `f64`), whatever the type asked for, as
/// serde_json's `Number` does.
fn visit_number<'a, V: Visitor<'a>>(n: &Number, visitor: V) -> Result<V::Value, Error> {
    if let Some(u) = n.as_u64() {
        visitor.visit_u64(u)
    } else if let Some(i) = n.as_i64() {
        visitor.visit_i64(i)
    } else if let Some(f) = n.as_f64() {
        visitor.visit_f64(f)
    } else {
        Err(de::Error::invalid_type(
            Unexpected::Other("number"),
            &visitor,
        ))
    }
}

/// A string: borrowed for as long as the source where it is a span of it.
fn visit_string<'a, V: Visitor<'a>>(s: &Cow<'a, str>, visitor: V) -> Result<V::Value, Error> {
    match s {
        Cow::Borrowed(s) => visitor.visit_borrowed_str(s),
        Cow::Owned(s) => visitor.visit_str(s),
    }
}

/// An array's elements to a visitor; all of them must be taken.
fn visit_array<'a, V: Visitor<'a>>(
    items: &[Node<'a>],
    visitor: V,
    chain: &Chain<'_>,
    track: &Track,
) -> Result<V::Value, Error> {
    let mut seq = Elements {
        iter: items.iter(),
        index: 0,
        chain,
        track,
    };
    let value = visitor.visit_seq(&mut seq)?;
    if seq.iter.len() == 0 {
        Ok(value)
    } else {
        Err(de::Error::invalid_length(
            items.len(),
            &"fewer elements in array",
        ))
    }
}

/// An object's entries to a visitor; all of them must be taken.
fn visit_object<'a, V: Visitor<'a>>(
    entries: &[(Cow<'a, str>, Node<'a>)],
    visitor: V,
    chain: &Chain<'_>,
    track: &Track,
) -> Result<V::Value, Error> {
    // Matches rather than `?`, which would compile two more functions for each visitor.
    let mut map = Entries::new(entries, chain, track);
    match visitor.visit_map(&mut map) {
        Ok(value) => match map.finish(entries.len()) {
            Ok(()) => Ok(value),
            Err(e) => Err(e),
        },
        Err(e) => Err(e),
    }
}

/// The node as a `serde_json::Value` (for a `RawValue`), failing rather than panicking on
/// raw text that is not JSON.
fn value_of(node: &Node<'_>) -> Result<Value, Error> {
    Ok(match node {
        Node::Raw(text) => serde_json::from_str(text)?,
        Node::Object(entries) => {
            let mut map = Map::new();
            for (k, v) in entries {
                map.insert(k.to_string(), value_of(v)?);
            }
            Value::Object(map)
        }
        Node::Array(items) => Value::Array(items.iter().map(value_of).collect::<Result<_, _>>()?),
        Node::Null => Value::Null,
        Node::Bool(b) => Value::Bool(*b),
        Node::Number(n) => Value::Number(n.clone()),
        Node::String(s) => Value::String(s.to_string()),
    })
}

/// Number methods: a number visits as it is.
macro_rules! node_numbers {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, Error> {
            self.read(|_, node| match node {
                Node::Number(n) => visit_number(n, visitor),
                other => Err(invalid_type(other, &visitor)),
            })
        }
    )*};
}

/// Methods that take only a string.
macro_rules! node_strings {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, Error> {
            self.read(|_, node| match node {
                Node::String(s) => visit_string(s, visitor),
                other => Err(invalid_type(other, &visitor)),
            })
        }
    )*};
}

/// Methods that take only an array.
macro_rules! node_seqs {
    ($($method:ident($($arg:ident: $ty:ty),*))*) => {$(
        fn $method<V: Visitor<'a>>(self, $(_: $ty,)* visitor: V) -> Result<V::Value, Error> {
            self.read(|de, node| match node {
                Node::Array(items) => visit_array(items, visitor, &de.chain, de.track),
                other => Err(invalid_type(other, &visitor)),
            })
        }
    )*};
}

/// Methods that take only `null`.
macro_rules! node_units {
    ($($method:ident($($arg:ident: $ty:ty),*))*) => {$(
        fn $method<V: Visitor<'a>>(self, $(_: $ty,)* visitor: V) -> Result<V::Value, Error> {
            self.read(|_, node| match node {
                Node::Null => visitor.visit_unit(),
                other => Err(invalid_type(other, &visitor)),
            })
        }
    )*};
}

/// A node deserializes as serde_json's `&Value` of the same value.
impl<'a> Deserializer<'a> for De<'_, 'a> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, Error> {
        self.read(|de, node| match node {
            Node::Null => visitor.visit_unit(),
            Node::Bool(b) => visitor.visit_bool(*b),
            Node::Number(n) => visit_number(n, visitor),
            Node::String(s) => visit_string(s, visitor),
            Node::Array(items) => visit_array(items, visitor, &de.chain, de.track),
            Node::Object(entries) => visit_object(entries, visitor, &de.chain, de.track),
            // `open` never gives raw text back.
            Node::Raw(_) => Err(invalid_type(node, &visitor)),
        })
    }

    node_numbers! {
        deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64
        deserialize_f32 deserialize_f64
    }

    // As `&Value`: a 128-bit integer takes whatever the value visits as.
    fn deserialize_i128<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_any(visitor)
    }

    fn deserialize_u128<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_any(visitor)
    }

    node_strings! {
        deserialize_char deserialize_str deserialize_string deserialize_identifier
    }

    node_seqs! {
        deserialize_seq()
        deserialize_tuple(len: usize)
        deserialize_tuple_struct(name: &'static str, len: usize)
    }

    node_units! {
        deserialize_unit()
        deserialize_unit_struct(name: &'static str)
    }

    fn deserialize_bool<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, Error> {
        self.read(|_, node| match node {
            Node::Bool(b) => visitor.visit_bool(*b),
            other => Err(invalid_type(other, &visitor)),
        })
    }

    /// Bytes: a string is handed on as a string, an array as a sequence.
    fn deserialize_bytes<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, Error> {
        self.read(|de, node| match node {
            Node::String(s) => visit_string(s, visitor),
            Node::Array(items) => visit_array(items, visitor, &de.chain, de.track),
            other => Err(invalid_type(other, &visitor)),
        })
    }

    fn deserialize_byte_buf<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_bytes(visitor)
    }

    fn deserialize_option<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, Error> {
        // The inner value is opened by whatever reads it.
        self.here(|de| {
            if de.node.is_null() {
                visitor.visit_none()
            } else {
                visitor.visit_some(de)
            }
        })
    }

    fn deserialize_newtype_struct<V: Visitor<'a>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.here(|de| {
            if name == RAW_VALUE_TOKEN {
                // A `RawValue` gets what it gets from a `Value`: the value written out
                // again, compactly.
                let text = value_of(de.node)?.to_string();
                visitor.visit_map(RawValueText { text: Some(text) })
            } else {
                visitor.visit_newtype_struct(de)
            }
        })
    }

    // A map and a struct are what [`De::read`] does, written out: these two are compiled for
    // each of the user's struct types, and the closure `read` takes would be two functions
    // more for each.

    fn deserialize_map<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, Error> {
        let read = match &*self.node.open() {
            Node::Object(entries) => visit_object(entries, visitor, &self.chain, self.track),
            other => Err(invalid_type(other, &visitor)),
        };
        match read {
            Ok(value) => Ok(value),
            Err(e) => Err(self.track.fail(&self.chain, e)),
        }
    }

    fn deserialize_struct<V: Visitor<'a>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        let read = match &*self.node.open() {
            Node::Array(items) => visit_array(items, visitor, &self.chain, self.track),
            Node::Object(entries) => visit_object(entries, visitor, &self.chain, self.track),
            other => Err(invalid_type(other, &visitor)),
        };
        match read {
            Ok(value) => Ok(value),
            Err(e) => Err(self.track.fail(&self.chain, e)),
        }
    }

    fn deserialize_enum<V: Visitor<'a>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.read(|de, node| match node {
            Node::Object(entries) => match entries.as_slice() {
                [(variant, value)] => visitor.visit_enum(NodeEnum {
                    variant,
                    value: Some(value),
                    chain: &de.chain,
                    track: de.track,
                }),
                _ => Err(de::Error::invalid_value(
                    Unexpected::Map,
                    &"map with a single key",
                )),
            },
            Node::String(variant) => visitor.visit_enum(NodeEnum {
                variant,
                value: None,
                chain: &de.chain,
                track: de.track,
            }),
            other => Err(de::Error::invalid_type(unexpected(other), &"string or map")),
        })
    }

    fn deserialize_ignored_any<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, Error> {
        // Skipped without being opened.
        self.here(|_| visitor.visit_unit())
    }
}

/// The deserializer of a document body (see [`from_body`]): a struct or a map is read from
/// its object; anything else as [`De`] reads it.
struct Body<'c, 'a>(De<'c, 'a>);

/// Methods handed to the node's own deserializer.
macro_rules! forward_to_node {
    ($($method:ident($($arg:ident: $ty:ty),*))*) => {$(
        fn $method<V: Visitor<'a>>(self, $($arg: $ty,)* visitor: V) -> Result<V::Value, Error> {
            self.0.$method($($arg,)* visitor)
        }
    )*};
}

impl<'a> Deserializer<'a> for Body<'_, 'a> {
    type Error = Error;

    /// A struct is read from the body's object as a map (see [`from_body`]). At the root,
    /// a fault that no deeper position took is at the root, where [`Track::failure`] puts
    /// it, so nothing is recorded here.
    fn deserialize_struct<V: Visitor<'a>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        let De { node, chain, track } = self.0;
        match &*node.open() {
            Node::Object(entries) => visit_object(entries, visitor, &chain, track),
            other => Err(invalid_type(other, &visitor)),
        }
    }

    forward_to_node! {
        deserialize_any() deserialize_bool()
        deserialize_i8() deserialize_i16() deserialize_i32() deserialize_i64()
        deserialize_i128()
        deserialize_u8() deserialize_u16() deserialize_u32() deserialize_u64()
        deserialize_u128()
        deserialize_f32() deserialize_f64() deserialize_char()
        deserialize_str() deserialize_string() deserialize_bytes() deserialize_byte_buf()
        deserialize_option() deserialize_unit() deserialize_unit_struct(name: &'static str)
        deserialize_map()
        deserialize_newtype_struct(name: &'static str) deserialize_seq()
        deserialize_tuple(len: usize) deserialize_tuple_struct(name: &'static str, len: usize)
        deserialize_enum(name: &'static str, variants: &'static [&'static str])
        deserialize_identifier() deserialize_ignored_any()
    }
}

/// An array's elements, one at a time, each at its index.
struct Elements<'c, 'a> {
    iter: slice::Iter<'c, Node<'a>>,
    index: usize,
    chain: &'c Chain<'c>,
    track: &'c Track,
}

impl<'a> SeqAccess<'a> for Elements<'_, 'a> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'a>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        let chain = Chain::Index {
            parent: self.chain,
            index: self.index,
        };
        self.index += 1;
        let Some(node) = self.iter.next() else {
            return Ok(None);
        };
        let track = self.track;
        seed.deserialize(De { node, chain, track })
            .map(Some)
            .map_err(|e| track.fail(&chain, e))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}

/// An object's entries, one at a time; each value under its key, when the key was read as
/// something a path shows.
struct Entries<'c, 'a> {
    iter: slice::Iter<'c, (Cow<'a, str>, Node<'a>)>,
    value: Option<&'c Node<'a>>,
    /// The last key read, as the path shows it (if it does).
    key: Option<&'c str>,
    chain: &'c Chain<'c>,
    track: &'c Track,
}

impl<'c, 'a> Entries<'c, 'a> {
    /// The entries of an object at `chain`, none read yet.
    fn new(
        entries: &'c [(Cow<'a, str>, Node<'a>)],
        chain: &'c Chain<'c>,
        track: &'c Track,
    ) -> Self {
        Entries {
            iter: entries.iter(),
            value: None,
            key: None,
            chain,
            track,
        }
    }

    /// The next entry's key, its value kept for `next_value_seed`.
    fn next_entry_key(&mut self) -> Option<&'c Cow<'a, str>> {
        let (key, value) = self.iter.next()?;
        self.value = Some(value);
        Some(key)
    }

    /// `error`, which reading a key gave, recorded at that key.
    #[cold]
    fn key_failed(&mut self, error: Error) -> Error {
        let chain = self.under_key();
        self.track.fail(&chain, error)
    }

    /// Whether the visitor took every entry of the `len`, as serde_json requires.
    fn finish(&self, len: usize) -> Result<(), Error> {
        if self.iter.len() == 0 {
            Ok(())
        } else {
            Err(de::Error::invalid_length(len, &"fewer elements in map"))
        }
    }

    /// The position under the last key read (forgetting it).
    fn under_key(&mut self) -> Chain<'c> {
        match self.key.take() {
            Some(key) => Chain::Key {
                parent: self.chain,
                key,
            },
            None => Chain::Unknown { parent: self.chain },
        }
    }
}

impl<'a> MapAccess<'a> for Entries<'_, 'a> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'a>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        let Some(key) = self.next_entry_key() else {
            return Ok(None);
        };
        let read = seed.deserialize(MapKey {
            key,
            shown: Some(&mut self.key),
        });
        match read {
            Ok(key) => Ok(Some(key)),
            Err(e) => Err(self.key_failed(e)),
        }
    }

    fn next_value_seed<T: DeserializeSeed<'a>>(&mut self, seed: T) -> Result<T::Value, Error> {
        let chain = self.under_key();
        let track = self.track;
        match self.value.take() {
            Some(node) => seed
                .deserialize(De { node, chain, track })
                .map_err(|e| track.fail(&chain, e)),
            None => Err(track.fail(self.chain, de::Error::custom("value is missing"))),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}

/// An enum read from a node: a string (a unit variant), or an object's single entry.
struct NodeEnum<'c, 'a> {
    variant: &'c str,
    value: Option<&'c Node<'a>>,
    chain: &'c Chain<'c>,
    track: &'c Track,
}

impl<'c, 'a> EnumAccess<'a> for NodeEnum<'c, 'a> {
    type Error = Error;
    type Variant = NodeVariant<'c, 'a>;

    fn variant_seed<S: DeserializeSeed<'a>>(
        self,
        seed: S,
    ) -> Result<(S::Value, NodeVariant<'c, 'a>), Error> {
        let mut shown = false;
        let name = VariantName {
            name: self.variant,
            shown: &mut shown,
        };
        let variant = seed
            .deserialize(name)
            .map_err(|e| self.track.fail(self.chain, e))?;
        let chain = if shown {
            Chain::Key {
                parent: self.chain,
                key: self.variant,
            }
        } else {
            Chain::Unknown { parent: self.chain }
        };
        let access = NodeVariant {
            value: self.value,
            chain,
            track: self.track,
        };
        Ok((variant, access))
    }
}

/// The value of an enum's variant (if it was written as an object), at the variant's
/// position.
struct NodeVariant<'c, 'a> {
    value: Option<&'c Node<'a>>,
    chain: Chain<'c>,
    track: &'c Track,
}

impl<'a> NodeVariant<'_, 'a> {
    /// The variant's value, read at the variant's position.
    fn de(&self) -> Option<De<'_, 'a>> {
        self.value.map(|node| De {
            node,
            chain: self.chain,
            track: self.track,
        })
    }

    /// Records the variant's position as where `e` happened, unless a deeper one was.
    fn fail(&self, e: Error) -> Error {
        self.track.fail(&self.chain, e)
    }
}

impl<'a> VariantAccess<'a> for NodeVariant<'_, 'a> {
    type Error = Error;

    fn unit_variant(self) -> Result<(), Error> {
        match self.de() {
            Some(de) => <()>::deserialize(de).map_err(|e| self.fail(e)),
            None => Ok(()),
        }
    }

    fn newtype_variant_seed<T: DeserializeSeed<'a>>(self, seed: T) -> Result<T::Value, Error> {
        match self.de() {
            Some(de) => seed.deserialize(de),
            None => Err(de::Error::invalid_type(
                Unexpected::UnitVariant,
                &"newtype variant",
            )),
        }
        .map_err(|e| self.fail(e))
    }

    fn tuple_variant<V: Visitor<'a>>(self, _len: usize, visitor: V) -> Result<V::Value, Error> {
        let node = self.value.map(Node::open);
        match node.as_deref() {
            Some(Node::Array(items)) if items.is_empty() => visitor.visit_unit(),
            Some(Node::Array(items)) => visit_array(items, visitor, &self.chain, self.track),
            Some(other) => Err(de::Error::invalid_type(unexpected(other), &"tuple variant")),
            None => Err(de::Error::invalid_type(
                Unexpected::UnitVariant,
                &"tuple variant",
            )),
        }
        .map_err(|e| self.fail(e))
    }

    fn struct_variant<V: Visitor<'a>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        let node = self.value.map(Node::open);
        match node.as_deref() {
            Some(Node::Object(entries)) => visit_object(entries, visitor, &self.chain, self.track),
            Some(other) => Err(de::Error::invalid_type(
                unexpected(other),
                &"struct variant",
            )),
            None => Err(de::Error::invalid_type(
                Unexpected::UnitVariant,
                &"struct variant",
            )),
        }
        .map_err(|e| self.fail(e))
    }
}

/// An enum's variant name, as `&Value` hands it on (a plain string deserializer), noting
/// whether it was visited as a string (the path shows it then).
struct VariantName<'n> {
    name: &'n str,
    shown: &'n mut bool,
}

impl<'de> Deserializer<'de> for VariantName<'_> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        *self.shown = true;
        visitor.visit_str(self.name)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        StrDeserializer::new(self.name).deserialize_enum(name, variants, visitor)
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
        byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map struct
        identifier ignored_any
    }
}

/// What a `RawValue` is handed, as serde_json's `&Value` hands it: a map of one entry,
/// its token and the text.
struct RawValueText {
    text: Option<String>,
}

impl<'de> MapAccess<'de> for RawValueText {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        if self.text.is_none() {
            return Ok(None);
        }
        seed.deserialize(BorrowedStrDeserializer::new(RAW_VALUE_TOKEN))
            .map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let text = self.text.take().unwrap_or_default();
        seed.deserialize(StringDeserializer::new(text))
    }
}

// ---------------------------------------------------------------------------------------
// Object keys, as serde_json's `&Value` gives them: a string, or a number, bool or enum
// read from that string.

/// An object key (already unescaped). `shown` receives the key as a path shows it, when
/// it is visited as a string, an integer or a bool (as serde_path_to_error captures keys).
struct MapKey<'k, 'c, 'a> {
    key: &'c Cow<'a, str>,
    shown: Option<&'k mut Option<&'c str>>,
}

impl<'c> MapKey<'_, 'c, '_> {
    fn show(&mut self, text: &'c str) {
        if let Some(shown) = self.shown.as_deref_mut() {
            *shown = Some(text);
        }
    }
}

/// Which of serde_json's number readings a key's type asks for.
#[derive(Clone, Copy)]
enum Width {
    /// `u64`, `i64` or `f64`, as the text is.
    Any,
    /// Straight to single precision.
    F32,
    /// A 128-bit integer.
    I128,
    /// An unsigned 128-bit integer.
    U128,
}

/// A number read from a key's text.
enum KeyNumber {
    U64(u64),
    I64(i64),
    F64(f64),
    I128(i128),
    U128(u128),
}

/// Takes the number serde_json's text reader reads (the visitor of no type of the user's).
struct ReadNumber;

impl Visitor<'_> for ReadNumber {
    type Value = KeyNumber;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number")
    }

    fn visit_u64<E>(self, v: u64) -> Result<KeyNumber, E> {
        Ok(KeyNumber::U64(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<KeyNumber, E> {
        Ok(KeyNumber::I64(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<KeyNumber, E> {
        Ok(KeyNumber::F64(v))
    }

    fn visit_i128<E>(self, v: i128) -> Result<KeyNumber, E> {
        Ok(KeyNumber::I128(v))
    }

    fn visit_u128<E>(self, v: u128) -> Result<KeyNumber, E> {
        Ok(KeyNumber::U128(v))
    }
}

/// serde_json's message for a key that does not start as a number.
fn not_a_numeric_key() -> Error {
    de::Error::custom("invalid value: expected key to be a number in quotes")
}

/// Where the number at the start of `bytes` ends: an integer, or a JSON number (fraction
/// and exponent too), as far as serde_json's reading of it goes.
fn number_end(bytes: &[u8], integer: bool) -> usize {
    let digits = |mut i: usize| {
        while bytes.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        i
    };
    let mut i = digits(usize::from(bytes.first() == Some(&b'-')));
    if !integer {
        if bytes.get(i) == Some(&b'.') {
            i = digits(i + 1);
        }
        if matches!(bytes.get(i), Some(b'e' | b'E')) {
            i += 1;
            if matches!(bytes.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            i = digits(i);
        }
    }
    i
}

impl<'a> MapKey<'_, '_, 'a> {
    /// Reads the number written as the whole of the key, as serde_json's `&Value` reads a
    /// numeric key: serde_json's text reader reads the number (the same messages for text
    /// that is not one), the visitor is given it, an error of the visitor's gets the
    /// position the reader was at, and nothing may follow the number.
    fn number<V: Visitor<'a>>(mut self, width: Width, visitor: V) -> Result<V::Value, Error> {
        let key: &str = self.key;
        if !matches!(key.as_bytes().first(), Some(b'0'..=b'9' | b'-')) {
            return Err(not_a_numeric_key());
        }
        let mut reader = serde_json::Deserializer::from_str(key);
        let number = match width {
            Width::Any => reader.deserialize_f64(ReadNumber),
            Width::F32 => reader.deserialize_f32(ReadNumber),
            Width::I128 => reader.deserialize_i128(ReadNumber),
            Width::U128 => reader.deserialize_u128(ReadNumber),
        }?;
        let integer = matches!(width, Width::I128 | Width::U128);
        let end = number_end(key.as_bytes(), integer);
        // The text a path shows: the integer as it is written again (`-0` is `0`).
        let text = key.get(..end).unwrap_or(key);
        let visited: Result<V::Value, Error> = match number {
            KeyNumber::U64(n) => {
                self.show(text);
                visitor.visit_u64(n)
            }
            KeyNumber::I64(n) => {
                self.show(text);
                visitor.visit_i64(n)
            }
            KeyNumber::U128(n) => {
                self.show(text);
                visitor.visit_u128(n)
            }
            KeyNumber::I128(n) => {
                self.show(if n == 0 { "0" } else { text });
                visitor.visit_i128(n)
            }
            KeyNumber::F64(n) => visitor.visit_f64(n),
        };
        let value = visited.map_err(|e| {
            if e.line() == 0 {
                de::Error::custom(format_args!("{e} at line 1 column {end}"))
            } else {
                e
            }
        })?;
        if end < key.len() {
            return Err(not_a_numeric_key());
        }
        Ok(value)
    }
}

/// The number methods of a key.
macro_rules! key_numbers {
    ($($method:ident: $width:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            self.number(Width::$width, visitor)
        }
    )*};
}

impl<'de> Deserializer<'de> for MapKey<'_, '_, 'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_identifier(visitor)
    }

    /// A field's name (what a struct's keys are read as): the key's text, borrowed when it
    /// is a span of the source. Written out rather than through [`visit_string`], since
    /// every struct type has this compiled for its field visitor.
    fn deserialize_identifier<V: Visitor<'de>>(mut self, visitor: V) -> Result<V::Value, Error> {
        let key = self.key;
        self.show(key);
        match key {
            Cow::Borrowed(s) => visitor.visit_borrowed_str(s),
            Cow::Owned(s) => visitor.visit_str(s),
        }
    }

    key_numbers! {
        deserialize_i8: Any deserialize_i16: Any deserialize_i32: Any deserialize_i64: Any
        deserialize_u8: Any deserialize_u16: Any deserialize_u32: Any deserialize_u64: Any
        deserialize_f32: F32 deserialize_f64: Any
        deserialize_i128: I128 deserialize_u128: U128
    }

    fn deserialize_bool<V: Visitor<'de>>(mut self, visitor: V) -> Result<V::Value, Error> {
        let key = self.key;
        match key.as_ref() {
            "true" => {
                self.show(key);
                visitor.visit_bool(true)
            }
            "false" => {
                self.show(key);
                visitor.visit_bool(false)
            }
            other => Err(de::Error::invalid_type(Unexpected::Str(other), &visitor)),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        // A key is never null. What reads on is not shown in a path.
        visitor.visit_some(MapKey {
            key: self.key,
            shown: None,
        })
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(MapKey {
            key: self.key,
            shown: None,
        })
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        StrDeserializer::new(self.key).deserialize_enum(name, variants, visitor)
    }

    forward_to_deserialize_any! {
        char str string bytes byte_buf unit unit_struct seq tuple tuple_struct map struct
        ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node::parse_with;
    use proptest::prelude::*;
    use serde::Deserialize;
    use serde_json::json;
    use serde_json::value::RawValue;
    use std::collections::{BTreeMap, HashMap};
    use std::fmt::Debug;

    /// Opens a raw node and, recursively, the children whose position has `parity`,
    /// leaving the others raw: a tree read in some places only.
    fn open_some(node: Node<'_>, parity: usize) -> Node<'_> {
        let pick = |i: usize| i % 2 == parity;
        match node.into_open() {
            Node::Object(entries) => Node::Object(
                entries
                    .into_iter()
                    .enumerate()
                    .map(|(i, (k, v))| (k, if pick(i) { open_some(v, parity) } else { v }))
                    .collect(),
            ),
            Node::Array(items) => Node::Array(
                items
                    .into_iter()
                    .enumerate()
                    .map(|(i, v)| if pick(i) { open_some(v, parity) } else { v })
                    .collect(),
            ),
            other => other,
        }
    }

    /// What reading `T` from a `&Value` gives, as serde_path_to_error sees it: the value,
    /// or the message and the path of the fault.
    fn tracked<T: DeserializeOwned>(value: &Value) -> Result<T, (String, String)> {
        serde_path_to_error::deserialize::<_, T>(value)
            .map_err(|e| (e.inner().to_string(), e.path().to_string()))
    }

    /// What reading `T` from a node gives: the value, or the message and the path.
    fn read_node<T: DeserializeOwned>(node: &Node<'_>) -> Result<T, (String, String)> {
        from_node::<T>(node).map_err(|f| (f.error.to_string(), f.path))
    }

    /// What reading `T` from a document body gives: the value, or the message and the path.
    fn read_body<T: DeserializeOwned>(node: &Node<'_>) -> Result<T, (String, String)> {
        from_body::<T>(node).map_err(|f| (f.error.to_string(), f.path))
    }

    /// Deserializes `T` from `text` as a `&Value` and from every form of node (read, raw,
    /// partly opened two ways), asserts they agree (the same value, or the same message at
    /// the same path, as serde_path_to_error gives them for the `&Value`), and says whether
    /// it succeeded.
    fn agrees<T: DeserializeOwned + PartialEq + Debug>(text: &str) -> bool {
        let value: Value = serde_json::from_str(text).expect("test text is JSON");
        let expected = tracked::<T>(&value);
        // Tracking changes nothing in the reading.
        match (&expected, T::deserialize(&value)) {
            (Ok(a), Ok(b)) => assert_eq!(*a, b, "&Value of {text}"),
            (Err((message, _)), Err(e)) => assert_eq!(*message, e.to_string(), "{text}"),
            (a, b) => panic!("tracked {a:?} but &Value {b:?} for {text}"),
        }
        // For these types the owned `Value` path gives the same too.
        match (&expected, serde_json::from_value::<T>(value.clone())) {
            (Ok(a), Ok(b)) => assert_eq!(*a, b, "owned Value of {text}"),
            (Err(_), Err(_)) => {}
            (a, b) => panic!("&Value {a:?} but Value {b:?} for {text}"),
        }
        let bytes = text.as_bytes();
        let read = parse_with(bytes, false).expect("test text parses");
        let raw = parse_with(bytes, true).expect("test text parses");
        let even = open_some(raw.clone(), 0);
        let odd = open_some(raw.clone(), 1);
        let whole = Node::Raw(text.trim());
        for (form, node) in [
            ("read", &read),
            ("raw", &raw),
            ("even", &even),
            ("odd", &odd),
            ("whole", &whole),
        ] {
            assert_eq!(read_node::<T>(node), expected, "{form} node of {text}");
            // A document body is always an object: read as one, it reads the same.
            if value.is_object() {
                assert_eq!(read_body::<T>(node), expected, "{form} body of {text}");
            }
        }
        expected.is_ok()
    }

    /// `text` reads as `T`, the same on every path.
    fn ok<T: DeserializeOwned + PartialEq + Debug>(text: &str) {
        assert!(agrees::<T>(text), "expected {text} to read");
    }

    /// `text` does not read as `T`, on any path.
    fn err<T: DeserializeOwned + PartialEq + Debug>(text: &str) {
        assert!(!agrees::<T>(text), "expected {text} to be refused");
    }

    #[test]
    fn a_body_reads_a_struct_from_an_object_only() {
        // serde_json reads a struct from an array by position; a document body is never an
        // array, and its reading refuses one with the type error, at the root.
        let text = r#"["n", 1, 0.5, [], null]"#;
        let plain = Plain {
            name: "n".into(),
            count: 1,
            ratio: 0.5,
            tags: vec![],
            maybe: None,
        };
        for node in [parse_with(text.as_bytes(), false).unwrap(), Node::Raw(text)] {
            assert_eq!(read_node::<Plain>(&node), Ok(plain.clone()));
            assert_eq!(
                read_body::<Plain>(&node),
                Err((
                    "invalid type: sequence, expected struct Plain".to_owned(),
                    ".".to_owned()
                ))
            );
        }
        // Other types read from a body as from any node.
        assert_eq!(read_body::<Vec<u8>>(&Node::Raw("[1, 2]")), Ok(vec![1, 2]));
        assert_eq!(
            read_body::<Value>(&Node::Raw("[1]")),
            Ok(serde_json::json!([1]))
        );
    }

    #[derive(Debug, Clone, PartialEq, Deserialize)]
    struct Plain {
        name: String,
        count: u32,
        ratio: f64,
        tags: Vec<String>,
        maybe: Option<i64>,
    }

    fn seven() -> u8 {
        7
    }

    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Renamed {
        first_name: String,
        #[serde(default)]
        last_seen: Option<u64>,
        #[serde(default = "seven")]
        retries: u8,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
        #[serde(rename = "type")]
        kind: String,
    }

    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Strict {
        a: u8,
        b: Option<bool>,
    }

    #[derive(Debug, PartialEq, Deserialize)]
    struct Item {
        id: u64,
        label: Option<String>,
        #[serde(default)]
        children: Vec<Item>,
    }

    #[derive(Debug, PartialEq, Deserialize)]
    struct Nested {
        items: Vec<Item>,
        meta: BTreeMap<String, Value>,
        by_id: HashMap<u32, String>,
        extra: Value,
        map: Map<String, Value>,
    }

    #[derive(Debug, PartialEq, Deserialize)]
    enum External {
        Unit,
        Newtype(i32),
        Tuple(u8, String),
        Struct { x: i8, y: Option<f32> },
        Empty(),
    }

    #[derive(Debug, PartialEq, Deserialize)]
    struct Inner {
        v: u8,
        #[serde(default)]
        w: Option<String>,
    }

    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(tag = "kind")]
    enum Internal {
        A { n: u32 },
        B(Inner),
        C,
    }

    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(tag = "t", content = "c")]
    enum Adjacent {
        One(u8),
        Two { s: String },
        Three,
    }

    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(untagged)]
    enum Untagged {
        Num(u64),
        Neg(i64),
        Float(f64),
        Text(String),
        Pair(u8, u8),
        Obj { a: u8 },
        Other(Value),
    }

    #[derive(Debug, PartialEq, Deserialize)]
    struct Flat {
        id: u32,
        #[serde(flatten)]
        rest: HashMap<String, Value>,
    }

    #[derive(Debug, PartialEq, Deserialize)]
    struct FlatStruct {
        id: u32,
        #[serde(flatten)]
        inner: Inner,
        #[serde(flatten)]
        tagged: Internal,
    }

    #[derive(Debug, PartialEq, Deserialize)]
    struct UnitStruct;

    #[derive(Debug, PartialEq, Deserialize)]
    struct Pair(u16, i16);

    #[derive(Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
    struct Id(u32);

    #[derive(Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
    enum Color {
        Red,
        Green,
    }

    #[derive(Debug, PartialEq, Deserialize)]
    struct Numbers {
        a: u8,
        b: i8,
        c: u16,
        d: i16,
        e: u32,
        f: i32,
        g: u64,
        h: i64,
        i: f32,
        j: f64,
        k: u128,
        l: i128,
    }

    /// A `Box<RawValue>` field (compared by its text).
    #[derive(Debug, Deserialize)]
    struct WithRaw {
        id: u8,
        raw: Box<RawValue>,
        #[serde(default)]
        more: Vec<Box<RawValue>>,
    }

    impl PartialEq for WithRaw {
        fn eq(&self, other: &Self) -> bool {
            self.id == other.id
                && self.raw.get() == other.raw.get()
                && self
                    .more
                    .iter()
                    .map(|r| r.get())
                    .eq(other.more.iter().map(|r| r.get()))
        }
    }

    /// What a `deserialize_bytes` visitor was handed.
    #[derive(Debug, PartialEq)]
    struct BytesProbe(String);

    impl<'de> Deserialize<'de> for BytesProbe {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct Probe;
            impl<'de> Visitor<'de> for Probe {
                type Value = BytesProbe;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("bytes")
                }
                fn visit_str<E: de::Error>(self, v: &str) -> Result<BytesProbe, E> {
                    Ok(BytesProbe(format!("str {v}")))
                }
                fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<BytesProbe, E> {
                    Ok(BytesProbe(format!("bytes {v:?}")))
                }
                fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<BytesProbe, A::Error> {
                    let mut n = 0;
                    while seq.next_element::<u8>()?.is_some() {
                        n += 1;
                    }
                    Ok(BytesProbe(format!("seq {n}")))
                }
            }
            d.deserialize_byte_buf(Probe)
        }
    }

    #[test]
    fn structs_with_options_defaults_renames_and_unknown_keys() {
        ok::<Plain>(
            r#"{"name": "x", "count": 3, "ratio": 0.5, "tags": ["a", "b\"c"], "maybe": null}"#,
        );
        ok::<Plain>(
            r#"{"zzz": {"deep": [1, {"a": null}]}, "name": "\u00e9", "count": 0, "ratio": -1,
                "tags": [], "maybe": -7, "more": "ignored"}"#,
        );
        // A struct may be written as an array of its fields.
        ok::<Plain>(r#"["n", 1, 2.0, ["t"], 5]"#);
        err::<Plain>(r#"["n", 1, 2.0, ["t"], 5, 6]"#);
        err::<Plain>(r#"["n", 1, 2.0]"#);
        err::<Plain>(r#"{"name": "x", "count": 3, "ratio": 0.5, "tags": [1]}"#);
        err::<Plain>(r#"{"name": "x", "count": -3, "ratio": 0.5, "tags": [], "maybe": 1}"#);
        // A missing `Option` is `None`.
        ok::<Plain>(r#"{"name": "x", "count": 3, "ratio": 1, "tags": []}"#);
        err::<Plain>(r#"{"count": 3, "ratio": 1, "tags": []}"#);
        err::<Plain>("null");
        err::<Plain>("[]");
        err::<Plain>(r#""name""#);

        ok::<Renamed>(r#"{"firstName": "a", "type": "t"}"#);
        ok::<Renamed>(
            r#"{"firstName": "a", "lastSeen": 12, "retries": 2, "note": "n", "type": "t", "x": 1}"#,
        );
        err::<Renamed>(r#"{"first_name": "a", "type": "t"}"#);
        err::<Renamed>(r#"{"firstName": "a", "type": "t", "retries": 256}"#);

        ok::<Strict>(r#"{"a": 1}"#);
        ok::<Strict>(r#"{"b": true, "a": 255}"#);
        ok::<Strict>(r#"[1, null]"#);
        err::<Strict>(r#"{"a": 1, "c": 2}"#);
        err::<Strict>(r#"{"a": 1, "b": "yes"}"#);
    }

    #[test]
    fn nested_vectors_maps_and_values() {
        let text = r#"{
            "items": [{"id": 1, "label": "one", "children": [{"id": 2, "label": null}]},
                      {"id": 3, "label": "x\ny", "children": [], "unknown": {"k": [1, 2, 3]}}],
            "meta": {"z": 1, "a": [true, null, {"q": "r"}], "m": -0.0, "big": 1e300},
            "by_id": {"1": "a", "42": "b", "4294967295": "max"},
            "extra": {"any": ["thing", 1.5, -2, 18446744073709551615]},
            "map": {"k": {"n": null}}
        }"#;
        ok::<Nested>(text);
        ok::<Value>(text);
        ok::<Map<String, Value>>(text);
        ok::<BTreeMap<String, Value>>(text);
        err::<Nested>(&text.replace("\"42\"", "\"4294967296\""));
        err::<Nested>(&text.replace("\"42\"", "\"-1\""));
        err::<Nested>(&text.replace("\"id\": 3", "\"id\": 3.5"));
        ok::<Vec<Item>>(
            r#"[{"id": 0, "label": null}, {"id": 1, "label": "l", "children": [{"id": 2, "label": "c"}]}]"#,
        );
        err::<Vec<Item>>(r#"[{"id": 0, "label": null}, 5]"#);
        ok::<Option<Vec<Item>>>("null");
        ok::<Option<Option<u8>>>("null");
        ok::<Option<Option<u8>>>("3");
        for text in [
            "null",
            "true",
            "0",
            "-1",
            "1.5",
            "\"s\"",
            "[]",
            "{}",
            "[[], {}, [{}]]",
        ] {
            ok::<Value>(text);
        }
        err::<Map<String, Value>>("[]");
    }

    #[test]
    fn map_keys_as_a_value_reads_them() {
        ok::<HashMap<u32, String>>(r#"{"1": "a", "0": "b"}"#);
        // An escaped digit is still a number key for a `Value`.
        ok::<HashMap<u32, String>>(r#"{"\u0031\u0032": "a"}"#);
        for bad in [
            r#"{"-1": "a"}"#,
            r#"{" 1": "a"}"#,
            r#"{"1 ": "a"}"#,
            r#"{"01": "a"}"#,
            r#"{"": "a"}"#,
            r#"{"1.0": "a"}"#,
            r#"{"x": "a"}"#,
            r#"{"4294967296": "a"}"#,
        ] {
            err::<HashMap<u32, String>>(bad);
        }
        ok::<HashMap<i8, u8>>(r#"{"-128": 1, "127": 2}"#);
        err::<HashMap<i8, u8>>(r#"{"128": 1}"#);
        ok::<HashMap<u128, u8>>(r#"{"340282366920938463463374607431768211455": 1}"#);
        ok::<HashMap<i128, u8>>(r#"{"-170141183460469231731687303715884105728": 1}"#);
        ok::<BTreeMap<bool, u8>>(r#"{"true": 1, "false": 0}"#);
        ok::<BTreeMap<bool, u8>>(r#"{"tru\u0065": 1}"#);
        err::<BTreeMap<bool, u8>>(r#"{"True": 1}"#);
        ok::<BTreeMap<Option<u8>, u8>>(r#"{"3": 1}"#);
        ok::<BTreeMap<Id, u8>>(r#"{"3": 1, "\u0034": 2}"#);
        ok::<BTreeMap<Color, u8>>(r#"{"Red": 1, "Gr\u0065en": 2}"#);
        err::<BTreeMap<Color, u8>>(r#"{"Blue": 1}"#);
        ok::<BTreeMap<char, u8>>(r#"{"a": 1, "\u00e9": 2}"#);
        err::<BTreeMap<char, u8>>(r#"{"ab": 1}"#);
        ok::<BTreeMap<String, u8>>(r#"{"a\tb": 1, "": 2}"#);
        ok::<Vec<BTreeMap<u64, Vec<HashMap<i16, bool>>>>>(r#"[{"1": [{"-5": true}], "2": []}]"#);
    }

    #[test]
    fn enums_external_internal_adjacent_and_untagged() {
        ok::<External>(r#""Unit""#);
        ok::<External>(r#"{"Unit": null}"#);
        err::<External>(r#"{"Unit": 5}"#);
        ok::<External>(r#"{"Newtype": -5}"#);
        err::<External>(r#""Newtype""#);
        ok::<External>(r#"{"Tuple": [1, "s"]}"#);
        err::<External>(r#"{"Tuple": [1]}"#);
        err::<External>(r#"{"Tuple": [1, "s", 2]}"#);
        err::<External>(r#"{"Tuple": {"0": 1}}"#);
        ok::<External>(r#"{"Struct": {"x": -1, "y": 1.5, "z": 0}}"#);
        ok::<External>(r#"{"Str\u0075ct": {"x": -1}}"#);
        // A struct variant written as an array: the text reader would take it, a `Value`
        // does not.
        err::<External>(r#"{"Struct": [-1, 1.5]}"#);
        err::<External>(r#""Struct""#);
        // An empty tuple variant: a `Value` visits `[]` as a unit.
        agrees::<External>(r#"{"Empty": []}"#);
        err::<External>(r#"{"Empty": [1]}"#);
        err::<External>(r#"{}"#);
        err::<External>(r#"{"Unit": null, "Newtype": 1}"#);
        err::<External>(r#"{"Nope": null}"#);
        err::<External>("5");
        err::<External>("[\"Unit\"]");
        ok::<Vec<External>>(
            r#"["Unit", {"Newtype": 1}, {"Tuple": [2, "t"]}, {"Struct": {"x": 0}}]"#,
        );

        ok::<Internal>(r#"{"kind": "A", "n": 5}"#);
        ok::<Internal>(r#"{"n": 5, "extra": [1], "kind": "A"}"#);
        ok::<Internal>(r#"{"kind": "B", "v": 1, "w": "w"}"#);
        ok::<Internal>(r#"{"kind": "C"}"#);
        err::<Internal>(r#"{"kind": "D"}"#);
        err::<Internal>(r#"{"n": 5}"#);
        err::<Internal>(r#"{"kind": "A", "n": "5"}"#);

        ok::<Adjacent>(r#"{"t": "One", "c": 7}"#);
        ok::<Adjacent>(r#"{"c": {"s": "x"}, "t": "Two"}"#);
        ok::<Adjacent>(r#"{"t": "Three"}"#);
        err::<Adjacent>(r#"{"t": "One", "c": 700}"#);
        err::<Adjacent>(r#"{"t": "One"}"#);

        for text in [
            "5",
            "-5",
            "5.5",
            "\"s\"",
            "[1, 2]",
            "[1, 2, 3]",
            r#"{"a": 1}"#,
            r#"{"a": 300}"#,
            "null",
            "true",
            "[300, 1]",
            "18446744073709551615",
            "-9223372036854775808",
        ] {
            ok::<Untagged>(text);
        }
        ok::<Vec<Untagged>>(r#"[1, -1, 1.5, "x", [1, 2], {"a": 1}, {"b": {}}]"#);
    }

    #[test]
    fn flatten_tuples_and_unit_structs() {
        ok::<Flat>(r#"{"id": 1, "x": [1], "y": {"z": null}}"#);
        ok::<Flat>(r#"{"x": 1, "id": 2}"#);
        err::<Flat>(r#"{"x": 1}"#);
        ok::<FlatStruct>(r#"{"id": 1, "v": 2, "kind": "A", "n": 3, "other": true}"#);
        ok::<FlatStruct>(r#"{"kind": "C", "v": 2, "id": 1}"#);
        err::<FlatStruct>(r#"{"id": 1, "v": 256, "kind": "C"}"#);

        ok::<(u8, String, Option<bool>)>(r#"[1, "s", null]"#);
        ok::<(u8, String, Option<bool>)>(r#"[1, "s", true]"#);
        err::<(u8, String, Option<bool>)>(r#"[1, "s"]"#);
        err::<(u8, String, Option<bool>)>(r#"[1, "s", true, 4]"#);
        err::<(u8, String, Option<bool>)>(r#"{"0": 1}"#);
        ok::<((), [u8; 3], Pair)>(r#"[null, [1, 2, 3], [65535, -32768]]"#);
        err::<Pair>(r#"[65536, 0]"#);
        ok::<UnitStruct>("null");
        err::<UnitStruct>("{}");
        err::<UnitStruct>("0");
        ok::<()>("null");
        err::<()>("[]");
        ok::<Id>("7");
        ok::<Vec<UnitStruct>>("[null, null]");
    }

    #[test]
    fn numbers_of_every_kind() {
        let text = r#"{"a": 255, "b": -128, "c": 65535, "d": -32768, "e": 4294967295,
            "f": -2147483648, "g": 18446744073709551615, "h": -9223372036854775808,
            "i": 3.4028234e38, "j": 1.7976931348623157e308, "k": 18446744073709551615,
            "l": -9223372036854775808}"#;
        ok::<Numbers>(text);
        err::<Numbers>(&text.replace("255", "256"));
        err::<Numbers>(&text.replace("-128", "-129"));
        err::<Numbers>(&text.replace("\"a\": 255", "\"a\": 255.0"));
        err::<Numbers>(&text.replace("\"a\": 255", "\"a\": \"255\""));
        ok::<u8>("0");
        err::<u8>("300");
        err::<u8>("-1");
        err::<u8>("1.0");
        err::<u8>("null");
        ok::<i64>("-9223372036854775808");
        ok::<i64>("-1");
        err::<i64>("9223372036854775808");
        err::<i64>("-9223372036854775809");
        ok::<u64>("18446744073709551615");
        err::<u64>("18446744073709551616");
        ok::<f64>("18446744073709551616");
        ok::<f64>("-0");
        ok::<f64>("-0.0");
        ok::<f64>("1e300");
        ok::<f64>("2.2250738585072014e-308");
        ok::<f64>("5e-324");
        ok::<f64>("0.30000000000000004");
        ok::<f64>("123456789012345678901234567890");
        ok::<f32>("1.5");
        ok::<f32>("16777217");
        ok::<f32>("1e300");
        // Halfway between two f32s once read as f64: read straight to f32 it would round
        // up; through f64 (as a `Value` reads it) it rounds to even, down.
        ok::<f32>("1.000000059604644775391625");
        ok::<Vec<f32>>("[1.000000059604644775391625, 0.1, 3.4028235e38]");
        ok::<BTreeMap<String, f32>>(r#"{"x": 1.000000059604644775391625}"#);
        // Past 64 bits a `Value` holds a float, which no integer type takes.
        agrees::<u128>("100000000000000000000");
        agrees::<i128>("-100000000000000000000");
        agrees::<Vec<u128>>("[100000000000000000000, 1]");
        ok::<u128>("18446744073709551615");
        ok::<i128>("-9223372036854775808");
        ok::<Vec<i32>>("[1, -1, 2147483647]");
        err::<Vec<i32>>("[2147483648]");
        ok::<HashMap<String, u16>>(r#"{"a": 0, "b": 65535}"#);
    }

    #[test]
    fn chars_strings_and_bytes() {
        ok::<char>(r#""x""#);
        ok::<char>(r#""\u00e9""#);
        ok::<char>(r#""\ud83d\ude00""#);
        err::<char>(r#""xy""#);
        err::<char>(r#""""#);
        err::<char>("1");
        ok::<String>(r#""a\"b\\c\/d\n""#);
        err::<String>("1");
        ok::<Vec<String>>(r#"["", "\u0000", "é"]"#);
        // Bytes: a `Value` hands on a string as a string and an array as a sequence.
        ok::<BytesProbe>(r#""abc""#);
        ok::<BytesProbe>(r#""a\u00e9""#);
        ok::<BytesProbe>("[1, 2, 3]");
        err::<BytesProbe>("[1, 256]");
        err::<BytesProbe>("1");
        err::<BytesProbe>("{}");
        ok::<Vec<BytesProbe>>(r#"["x", [], "y"]"#);
        ok::<Vec<u8>>("[0, 255]");
        err::<Vec<u8>>(r#""ab""#);
    }

    #[test]
    fn raw_values_get_what_a_value_gives() {
        // The raw text keeps its spacing; a `Value` writes it out again, compactly.
        ok::<WithRaw>(r#"{"id": 1, "raw": { "b" : [1, 2.50] , "a": "x\u00e9" }}"#);
        ok::<WithRaw>(
            r#"{"more": [ [ 1 ] , {"k" : null}, "s" ], "raw": 1E2, "id": 2, "skip": {"x": 1}}"#,
        );
        ok::<WithRaw>(r#"{"id": 1, "raw": null}"#);
        err::<WithRaw>(r#"{"id": 1}"#);
        err::<WithRaw>(r#"{"id": 256, "raw": 1}"#);
        #[derive(Debug, Deserialize)]
        struct Top(Box<RawValue>);
        impl PartialEq for Top {
            fn eq(&self, other: &Self) -> bool {
                self.0.get() == other.0.get()
            }
        }
        ok::<Top>(r#" { "a" : [ 1 , 2 ] } "#);
        ok::<Top>(r#""s""#);
    }

    #[test]
    fn invalid_raw_text_never_panics() {
        // Raw text is validated before a raw node exists; should anything else ever be
        // read, the reading gives some value or an error, never a panic.
        for text in [
            "",
            "nope",
            "{",
            "[1,",
            "1 2",
            "\"a",
            "{\"a\" 1}",
            "1 x",
            "{\"Unit\": null} 1",
            "-",
            "[",
            "]",
            "}",
            "{\"",
            "\"\\",
            "tru",
            "[{\"id\": 1,",
            "{\"raw\": [}",
        ] {
            let _ = from_node::<Value>(&Node::Raw(text));
            let _ = from_node::<Plain>(&Node::Raw(text));
            let _ = from_node::<External>(&Node::Raw(text));
            let _ = from_node::<Vec<Untagged>>(&Node::Raw(text));
            let _ = from_node::<WithRaw>(&Node::Object(vec![
                ("id".into(), Node::Number(1u8.into())),
                (
                    "raw".into(),
                    Node::Object(vec![("x".into(), Node::Raw(text))]),
                ),
            ]));
        }
        assert_eq!(from_node::<u8>(&Node::Raw("1")).ok(), Some(1));
    }

    // -----------------------------------------------------------------------------------
    // Failures: the message and the path, as serde_path_to_error gives them for a `&Value`.

    #[derive(Debug, PartialEq, Deserialize)]
    struct Fleet {
        owner: String,
        engine: Engine,
        wheels: Vec<Wheel>,
        #[serde(default)]
        spare: Option<Wheel>,
        #[serde(default)]
        by_slot: BTreeMap<u8, Wheel>,
        #[serde(default)]
        named: HashMap<String, Wheel>,
        #[serde(default)]
        parts: Vec<Part>,
        #[serde(default)]
        loads: Vec<Load>,
        #[serde(default)]
        events: Vec<Event>,
        #[serde(flatten)]
        extra: Extra,
    }

    #[derive(Debug, PartialEq, Deserialize)]
    struct Engine {
        power: u32,
        #[serde(default)]
        kind: Option<Kind>,
    }

    #[derive(Debug, PartialEq, Deserialize)]
    enum Kind {
        Diesel,
        Electric { volts: u16 },
        Hybrid(u8, f32),
    }

    #[derive(Debug, PartialEq, Deserialize)]
    struct Wheel {
        size: u32,
        #[serde(default)]
        pressure: Option<f32>,
    }

    #[derive(Debug, PartialEq, Deserialize)]
    enum Part {
        Bolt,
        Nut(u16),
        Gear { teeth: u8 },
        Pair(Wheel, Wheel),
    }

    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(untagged)]
    enum Load {
        Count(u32),
        Named { name: String, weight: f64 },
        List(Vec<u8>),
    }

    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(tag = "type")]
    enum Event {
        Start { at: u64 },
        Stop(Wheel),
        Pause,
    }

    #[derive(Debug, PartialEq, Deserialize)]
    struct Extra {
        #[serde(default)]
        color: Option<String>,
        #[serde(default)]
        year: Option<u16>,
    }

    /// A key read as a float: a path does not show it (`?`).
    #[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
    struct FloatKey(u64);

    impl<'de> Deserialize<'de> for FloatKey {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            f64::deserialize(d).map(|f| FloatKey(f.to_bits()))
        }
    }

    const FLEET: &str = r#"{
        "owner": "ann", "color": "red",
        "engine": {"power": 300, "kind": {"Electric": {"volts": 400}}},
        "wheels": [{"size": 16}, {"size": 17, "pressure": 2.5}],
        "spare": {"size": 15},
        "by_slot": {"1": {"size": 1}, "200": {"size": 2}},
        "named": {"front left": {"size": 3}, "a.b": {"size": 4}, "": {"size": 5}},
        "parts": ["Bolt", {"Nut": 7}, {"Gear": {"teeth": 12}},
                  {"Pair": [{"size": 1}, {"size": 2}]}],
        "loads": [5, {"name": "sand", "weight": 1.5}, [1, 2]],
        "events": [{"type": "Start", "at": 3}, {"type": "Stop", "size": 9}, {"type": "Pause"}],
        "year": 1999
    }"#;

    /// `FLEET` with `value` at `pointer` (replacing what is there, or added to an object),
    /// or with what is at `pointer` removed, for `None`.
    fn fleet_with(pointer: &str, value: Option<Value>) -> String {
        let mut doc: Value = serde_json::from_str(FLEET).unwrap();
        let (parent, key) = pointer.rsplit_once('/').unwrap();
        match (doc.pointer_mut(parent).expect(parent), value) {
            (Value::Object(map), Some(value)) => {
                map.insert(key.to_owned(), value);
            }
            (Value::Object(map), None) => {
                map.shift_remove(key);
            }
            (Value::Array(items), Some(value)) => items[key.parse::<usize>().unwrap()] = value,
            (Value::Array(items), None) => {
                items.remove(key.parse::<usize>().unwrap());
            }
            _ => panic!("{pointer}"),
        }
        doc.to_string()
    }

    /// `text` does not read as `T`: it fails with `message` at `path`, on every form of
    /// node, as serde_path_to_error says of the `&Value`.
    fn fails<T: DeserializeOwned + PartialEq + Debug>(text: &str, message: &str, path: &str) {
        assert!(!agrees::<T>(text), "expected {text} to be refused");
        let lazy = std::env::var("LAZY").is_ok();
        let node = parse_with(text.as_bytes(), lazy).unwrap();
        assert_eq!(
            read_node::<T>(&node).unwrap_err(),
            (message.to_owned(), path.to_owned()),
            "{text}"
        );
    }

    #[test]
    fn failures_name_the_message_and_path_serde_path_to_error_gives() {
        ok::<Fleet>(FLEET);
        let fleet = |pointer, value: Value| fleet_with(pointer, Some(value));
        fails::<Fleet>(
            &fleet("/engine/power", json!("high")),
            "invalid type: string \"high\", expected u32",
            "engine.power",
        );
        fails::<Fleet>(
            &fleet("/wheels/1/size", json!(-3)),
            "invalid value: integer `-3`, expected u32",
            "wheels[1].size",
        );
        fails::<Fleet>(&fleet_with("/owner", None), "missing field `owner`", ".");
        fails::<Fleet>(
            &fleet_with("/wheels/0/size", None),
            "missing field `size`",
            "wheels[0]",
        );
        fails::<Fleet>(
            &fleet("/spare/pressure", json!("x")),
            "invalid type: string \"x\", expected f32",
            "spare.pressure",
        );
        fails::<Fleet>(
            &fleet("/by_slot/200/size", json!(1.5)),
            "invalid type: floating point `1.5`, expected u32",
            "by_slot.200.size",
        );
        fails::<Fleet>(
            &fleet("/named/a.b/size", json!(null)),
            "invalid type: null, expected u32",
            "named.a.b.size",
        );
        fails::<Fleet>(
            &fleet("/named/", json!({"size": true})),
            "invalid type: boolean `true`, expected u32",
            "named..size",
        );
        fails::<Fleet>(
            &fleet("/engine/kind", json!({"Electric": {"volts": 70000}})),
            "invalid value: integer `70000`, expected u16",
            "engine.kind.Electric.volts",
        );
        fails::<Fleet>(
            &fleet("/engine/kind", json!({"Hybrid": [1, "x"]})),
            "invalid type: string \"x\", expected f32",
            "engine.kind.Hybrid[1]",
        );
        fails::<Fleet>(
            &fleet("/engine/kind", json!({"Hybrid": [1, 2, 3]})),
            "invalid length 3, expected fewer elements in array",
            "engine.kind.Hybrid",
        );
        fails::<Fleet>(
            &fleet("/engine/kind", json!({"Turbo": null})),
            "unknown variant `Turbo`, expected one of `Diesel`, `Electric`, `Hybrid`",
            "engine.kind",
        );
        fails::<Fleet>(
            &fleet("/engine/kind", json!({"Diesel": 1})),
            "invalid type: integer `1`, expected unit",
            "engine.kind.Diesel",
        );
        fails::<Fleet>(
            &fleet("/parts/3/Pair/1/size", json!([])),
            "invalid type: sequence, expected u32",
            "parts[3].Pair[1].size",
        );
        fails::<Fleet>(
            &fleet("/parts/1", json!("Nut")),
            "invalid type: unit variant, expected newtype variant",
            "parts[1].Nut",
        );
        fails::<Fleet>(
            &fleet("/loads/1/weight", json!("heavy")),
            "data did not match any variant of untagged enum Load",
            "loads[1]",
        );
        fails::<Fleet>(
            &fleet("/events/1/size", json!("9")),
            "invalid type: string \"9\", expected u32",
            "events[1]",
        );
        fails::<Fleet>(
            &fleet("/events/0/type", json!("Go")),
            "unknown variant `Go`, expected one of `Start`, `Stop`, `Pause`",
            "events[0].type",
        );
        // Flattened fields are read from what the struct kept aside: the struct's position.
        fails::<Fleet>(
            &fleet("/year", json!(-1)),
            "invalid value: integer `-1`, expected u16",
            ".",
        );
        fails::<Fleet>(
            &fleet(
                "/engine",
                json!({"power": 1, "kind": {"Diesel": null, "x": 1}}),
            ),
            "invalid value: map, expected map with a single key",
            "engine.kind",
        );
        fails::<Fleet>(
            &fleet("/wheels", json!({"size": 1})),
            "invalid type: map, expected a sequence",
            "wheels",
        );
    }

    #[test]
    fn failing_keys_are_shown_as_read() {
        // A key visited as a string, an integer or a bool is shown; as anything else, `?`.
        fails::<BTreeMap<u8, Wheel>>(
            r#"{"7": {"size": "s"}}"#,
            "invalid type: string \"s\", expected u32",
            "7.size",
        );
        fails::<BTreeMap<u8, u8>>(
            r#"{"300": 1}"#,
            "invalid value: integer `300`, expected u8 at line 1 column 3",
            "300",
        );
        fails::<BTreeMap<u8, u8>>(
            r#"{"x": 1}"#,
            "invalid value: expected key to be a number in quotes",
            "?",
        );
        fails::<BTreeMap<u8, u8>>(
            r#"{"1x": 1}"#,
            "invalid value: expected key to be a number in quotes",
            "1",
        );
        fails::<BTreeMap<u8, u8>>(r#"{"01": 1}"#, "invalid number at line 1 column 2", "?");
        fails::<BTreeMap<i32, u8>>(
            r#"{"-0": 1}"#,
            "invalid type: floating point `-0.0`, expected i32 at line 1 column 2",
            "?",
        );
        fails::<BTreeMap<i128, Wheel>>(
            r#"{"-0": {"size": -1}}"#,
            "invalid value: integer `-1`, expected u32",
            "0.size",
        );
        fails::<BTreeMap<u128, u8>>(
            r#"{"12x": 1}"#,
            "invalid value: expected key to be a number in quotes",
            "12",
        );
        fails::<BTreeMap<u128, u8>>(
            r#"{"-1": 1}"#,
            "number out of range at line 1 column 1",
            "?",
        );
        fails::<BTreeMap<FloatKey, Wheel>>(
            r#"{"1.5": {"size": "s"}}"#,
            "invalid type: string \"s\", expected u32",
            "?.size",
        );
        fails::<BTreeMap<FloatKey, u8>>(
            r#"{"1.5e": 1}"#,
            "EOF while parsing a value at line 1 column 4",
            "?",
        );
        fails::<BTreeMap<bool, Wheel>>(
            r#"{"true": {"size": "s"}}"#,
            "invalid type: string \"s\", expected u32",
            "true.size",
        );
        fails::<BTreeMap<bool, u8>>(
            r#"{"yes": 1}"#,
            "invalid type: string \"yes\", expected a boolean",
            "?",
        );
        fails::<BTreeMap<char, Wheel>>(
            r#"{"c": {"size": "s"}}"#,
            "invalid type: string \"s\", expected u32",
            "c.size",
        );
        fails::<BTreeMap<Color, Wheel>>(
            r#"{"Red": {"size": "s"}}"#,
            "invalid type: string \"s\", expected u32",
            "?.size",
        );
        fails::<BTreeMap<Color, u8>>(
            r#"{"Blue": 1}"#,
            "unknown variant `Blue`, expected `Red` or `Green`",
            "?",
        );
        fails::<BTreeMap<Id, Wheel>>(
            r#"{"4": {"size": "s"}}"#,
            "invalid type: string \"s\", expected u32",
            "?.size",
        );
        fails::<BTreeMap<Option<u8>, Wheel>>(
            r#"{"4": {"size": "s"}}"#,
            "invalid type: string \"s\", expected u32",
            "?.size",
        );
        fails::<HashMap<String, Wheel>>(
            r#"{"\u00e9\"\n": {"size": "s"}}"#,
            "invalid type: string \"s\", expected u32",
            "é\"\n.size",
        );
        fails::<HashMap<String, u8>>(
            r#"{"": "s"}"#,
            "invalid type: string \"s\", expected u8",
            "",
        );
        // An unknown field is a key's fault; an unknown variant, the enum's.
        fails::<Strict>(
            r#"{"a": 1, "c": 2}"#,
            "unknown field `c`, expected `a` or `b`",
            "c",
        );
        fails::<Vec<External>>(
            r#"["Unit", {"Nope": 1}]"#,
            "unknown variant `Nope`, expected one of `Unit`, `Newtype`, `Tuple`, `Struct`, `Empty`",
            "[1]",
        );
        fails::<Vec<(u8, u8)>>(
            "[[1, 2], [1, 2, 3]]",
            "invalid length 3, expected fewer elements in array",
            "[1]",
        );
        fails::<Option<Vec<Option<Wheel>>>>(
            r#"[null, {"size": -1}]"#,
            "invalid value: integer `-1`, expected u32",
            "[1].size",
        );
        fails::<Load>(
            r#"{"x": 1}"#,
            "data did not match any variant of untagged enum Load",
            ".",
        );
    }

    #[test]
    fn a_large_array_that_comes_opened_fails_at_its_element() {
        let element = |i: usize, size: &str| {
            format!(
                r#"{{"size": {size}, "pressure": 1.5, "pad": "{}", "n": {i}}}"#,
                "p".repeat(80)
            )
        };
        let wheels: Vec<String> = (0..2000)
            .map(|i| element(i, if i == 1234 { "\"big\"" } else { "16" }))
            .collect();
        let text = format!(
            r#"{{"owner": "o", "engine": {{"power": 1}}, "wheels": [{}]}}"#,
            wheels.join(",")
        );
        let lazy = std::env::var("LAZY").is_ok();
        let node = parse_with(text.as_bytes(), lazy).unwrap();
        let Node::Object(entries) = &node else {
            panic!("an object")
        };
        assert!(matches!(&entries[2].1, Node::Array(items) if items.len() == 2000));
        fails::<Fleet>(
            &text,
            "invalid type: string \"big\", expected u32",
            "wheels[1234].size",
        );
    }

    /// The positions of `value` (JSON pointers), containers and leaves.
    fn pointers(value: &Value, at: String, out: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                for (k, v) in map {
                    pointers(
                        v,
                        format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")),
                        out,
                    );
                }
            }
            Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    pointers(v, format!("{at}/{i}"), out);
                }
            }
            _ => {}
        }
        out.push(at);
    }

    #[derive(Debug, PartialEq, Deserialize)]
    enum Choice {
        A,
        B(u8),
        C { n: f32 },
    }

    #[derive(Debug, PartialEq, Deserialize)]
    struct Small {
        a: Option<u8>,
        #[serde(default)]
        b: Vec<i64>,
        n: Option<f32>,
        x: Option<Value>,
        e: Option<Choice>,
        #[serde(default)]
        m: HashMap<u8, Value>,
    }

    /// JSON-ish documents whose keys often are `Small`'s fields and `Choice`'s variants.
    fn document() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            (0u64..300).prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<f64>()
                .prop_filter("JSON numbers are finite", |f| f.is_finite())
                .prop_map(Value::from),
            any::<f32>()
                .prop_filter("JSON numbers are finite", |f| f.is_finite())
                .prop_map(|f| Value::from(f64::from(f))),
            "[a-zA-C0-9é\"\\\\ ]{0,6}".prop_map(Value::from),
        ];
        let key = prop_oneof![
            prop::sample::select(vec![
                "a", "b", "n", "x", "e", "m", "A", "B", "C", "1", "255", "-1", "é"
            ])
            .prop_map(str::to_owned),
            "[a-z0-9\"\\\\]{0,3}",
        ];
        leaf.prop_recursive(4, 32, 5, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
                prop::collection::btree_map(key.clone(), inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn random_documents_read_as_a_value_reads_them(doc in document(), pretty in any::<bool>()) {
            let text = if pretty {
                serde_json::to_string_pretty(&doc).unwrap()
            } else {
                serde_json::to_string(&doc).unwrap()
            };
            prop_assert!(agrees::<Value>(&text));
            agrees::<Small>(&text);
            agrees::<Vec<Small>>(&text);
            agrees::<Untagged>(&text);
            agrees::<HashMap<u8, Choice>>(&text);
            agrees::<Choice>(&text);
            agrees::<Fleet>(&text);
            agrees::<Vec<Event>>(&text);
            agrees::<BTreeMap<i128, Load>>(&text);
        }

        /// The fleet with one position replaced by some other value, or removed: a failure
        /// somewhere inside (a struct in an array, a map, an enum, an option, a flattened
        /// or untagged part), or none.
        #[test]
        fn a_fleet_broken_anywhere_fails_where_a_value_says(
            at in any::<prop::sample::Index>(),
            value in prop::option::of(document()),
        ) {
            let doc: Value = serde_json::from_str(FLEET).unwrap();
            let mut all = Vec::new();
            pointers(&doc, String::new(), &mut all);
            let pointer = at.get(&all);
            let text = if pointer.is_empty() {
                value.unwrap_or(Value::Null).to_string()
            } else {
                fleet_with(pointer, value)
            };
            agrees::<Fleet>(&text);
        }
    }
}
