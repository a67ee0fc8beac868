//! Serializing a user's type straight into a [`Node`], as `serde_json::to_value` would into
//! a `serde_json::Value`, without building a `Value` (an `IndexMap` per object, slow to
//! build and to drop) on the way.
//!
//! The serializer follows serde_json's value serializer method by method: the same numbers
//! (128-bit integers only within the 64-bit ranges, `f32` widened, non-finite floats null),
//! the same single-key objects for enum variants, the same map key rules (strings; integers,
//! bools, chars and floats written as text; unit variants; newtype structs around those;
//! anything else refused), and the same object semantics when a key is written twice (a
//! map, a struct flattening one, even a derived struct with two fields renamed alike): the
//! key stays at its first position with the last value, so an object's entries stay
//! unique. Struct field names become borrowed keys, and a struct's fields are checked for
//! repeats by a fingerprint of bits (a scan only when it says "maybe") rather than by
//! hashing; only a map past a few entries indexes its keys by hash. What serde_json does through its private tokens (a `RawValue`, and numbers
//! under its `arbitrary_precision` feature) and the exact text and errors of float keys
//! are taken from serde_json itself, so they cannot drift from it.
//!
//! Where serde_json panics on a misused serializer (a map value without a key, a
//! `RawValue` struct without its field), this serializer returns an error instead.

use std::borrow::Cow;
use std::collections::hash_map::{Entry, RandomState};
use std::collections::HashMap;
use std::fmt::Display;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};
use std::sync::OnceLock;

use serde::ser::{self, Impossible, Serialize, SerializeMap as _, SerializeStruct as _};
use serde_json::{Error, Number, Value};

use crate::node::{Entries, Key, Node};

type Result<T> = std::result::Result<T, Error>;

/// The struct name (and field name) serde_json's `RawValue` serializes itself with.
const RAW_VALUE_TOKEN: &str = "$serde_json::private::RawValue";

/// The struct name (and field name) serde_json's `Number` serializes itself with under its
/// `arbitrary_precision` feature.
const NUMBER_TOKEN: &str = "$serde_json::private::Number";

/// The most elements a length hint reserves room for at once: a hint is the type's word,
/// and a wrong one must not allocate (or fail to allocate) a huge buffer.
const MAX_RESERVE: usize = 1 << 16;

/// Serializes `value` into a node, as `serde_json::to_value` would into a `Value`.
pub(crate) fn to_node<T: Serialize + ?Sized>(value: &T) -> Result<Node<'static>> {
    value.serialize(NodeSerializer)
}

/// Room for `len` elements, within [`MAX_RESERVE`].
fn reserve<T>(len: usize) -> Vec<T> {
    Vec::with_capacity(len.min(MAX_RESERVE))
}

/// An error with `msg`: where serde_json would panic on a misused serializer, or what
/// serde_json was asked could not have given.
fn misuse(msg: &str) -> Error {
    ser::Error::custom(msg)
}

/// The node of a value serde_json built.
fn from_json(value: Value) -> Node<'static> {
    Node::from_value(value)
}

// ---------------------------------------------------------------------------------------
// Objects: entries in order, a key written again replacing the value in place.

/// Objects up to this size find a repeated key by a scan (after the fingerprint says it may
/// be one); a map larger than this indexes its keys by hash.
const SCAN: usize = 16;

/// One bit of 128 for `key`, from its length and three of its bytes: two keys with
/// different bits differ, so a new key whose bit is not set yet needs no comparison.
fn fingerprint(key: &str) -> u128 {
    let bytes = key.as_bytes();
    let at = |i: usize| u32::from(bytes.get(i).copied().unwrap_or(0));
    let len = bytes.len();
    let mixed = (len as u32) ^ (at(0) << 8) ^ (at(len / 2) << 16) ^ (at(len.wrapping_sub(1)) << 24);
    1u128 << (mixed.wrapping_mul(0x9E37_79B1) >> 25)
}

/// A hasher for keys that are hashes already.
#[derive(Default)]
struct Prehashed(u64);

impl Hasher for Prehashed {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // Only `u64`s are hashed with it; anything else still hashes, slowly.
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// The keys of a large object by hash: the position of the first key with each hash. A
/// key whose hash points at another key (two keys, one 64-bit hash) is found by a scan.
struct Index {
    state: RandomState,
    positions: HashMap<u64, usize, BuildHasherDefault<Prehashed>>,
}

impl Index {
    fn new(entries: &[(Key<'static>, Node<'static>)]) -> Index {
        let mut index = Index {
            state: RandomState::new(),
            positions: HashMap::with_capacity_and_hasher(
                entries.len().max(SCAN) * 2,
                BuildHasherDefault::default(),
            ),
        };
        for (i, (key, _)) in entries.iter().enumerate() {
            let hash = index.state.hash_one(key.as_ref());
            index.positions.entry(hash).or_insert(i);
        }
        index
    }
}

/// An object being built.
struct Object {
    entries: Entries<'static>,
    /// The fingerprints of the keys, while there is no index.
    seen: u128,
    /// The keys by hash: for a map past [`SCAN`] entries.
    index: Option<Index>,
    /// Whether the object indexes its keys once large (a map), or always scans (a struct,
    /// whose fields are few and fixed).
    indexed: bool,
}

impl Object {
    /// A struct's object, with room for `len` fields.
    fn fields(len: usize) -> Object {
        Object {
            entries: reserve(len),
            seen: 0,
            index: None,
            indexed: false,
        }
    }

    /// A map's object, with room for `len` entries.
    fn map(len: Option<usize>) -> Object {
        let len = len.unwrap_or(0);
        let entries = reserve(len);
        Object {
            index: (len > SCAN).then(|| Index::new(&entries)),
            entries,
            seen: 0,
            indexed: true,
        }
    }

    /// Sets `key` to `value`: a new key goes last; a key already there keeps its place and
    /// takes the new value (as `serde_json::Map::insert` with `preserve_order`).
    fn insert(&mut self, key: Key<'static>, value: Node<'static>) {
        let entries = &self.entries;
        let scan = || entries.iter().position(|(k, _)| *k == key);
        let found = match &mut self.index {
            Some(index) => match index.positions.entry(index.state.hash_one(key.as_ref())) {
                Entry::Vacant(slot) => {
                    slot.insert(entries.len());
                    None
                }
                Entry::Occupied(slot) => {
                    let at = *slot.get();
                    if entries.get(at).is_some_and(|(k, _)| *k == key) {
                        Some(at)
                    } else {
                        scan()
                    }
                }
            },
            None => {
                let bit = fingerprint(&key);
                if self.seen & bit == 0 {
                    self.seen |= bit;
                    None
                } else {
                    scan()
                }
            }
        };
        match found.and_then(|at| self.entries.get_mut(at)) {
            Some(entry) => entry.1 = value,
            None => {
                self.entries.push((key, value));
                if self.indexed && self.index.is_none() && self.entries.len() > SCAN {
                    self.index = Some(Index::new(&self.entries));
                }
            }
        }
    }

    fn into_node(self) -> Node<'static> {
        Node::Object(self.entries)
    }
}

/// `{key: value}`: how serde_json writes a variant with data.
fn single(key: &'static str, value: Node<'static>) -> Node<'static> {
    Node::Object(vec![(Cow::Borrowed(key), value)])
}

// ---------------------------------------------------------------------------------------
// serde_json's private tokens and float keys: asked of serde_json itself.

/// A struct of one field, as serde_json's `RawValue` and `Number` write themselves.
struct TokenStruct<'a, T: ?Sized> {
    name: &'static str,
    key: &'static str,
    value: &'a T,
}

impl<T: Serialize + ?Sized> Serialize for TokenStruct<'_, T> {
    fn serialize<S: ser::Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let mut fields = serializer.serialize_struct(self.name, 1)?;
        fields.serialize_field(self.key, self.value)?;
        fields.end()
    }
}

/// Whether serde_json's value serializer treats a struct named `name` as one of its tokens
/// (a `RawValue` with its `raw_value` feature, a `Number` with `arbitrary_precision`): it
/// then gives the field's JSON value rather than an object. Asked once per token.
fn is_token(name: &'static str) -> bool {
    static RAW_VALUE: OnceLock<bool> = OnceLock::new();
    static NUMBER: OnceLock<bool> = OnceLock::new();
    let cell = match name {
        RAW_VALUE_TOKEN => &RAW_VALUE,
        NUMBER_TOKEN => &NUMBER,
        _ => return false,
    };
    *cell.get_or_init(|| {
        let probe = TokenStruct {
            name,
            key: name,
            value: "0",
        };
        matches!(serde_json::to_value(probe), Ok(Value::Number(_)))
    })
}

/// A map of one entry `key: null`, to have serde_json write (or refuse) `key`.
struct OneKey<K>(K);

impl<K: Serialize> Serialize for OneKey<K> {
    fn serialize<S: ser::Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(1))?;
        map.serialize_entry(&self.0, &())?;
        map.end()
    }
}

/// The text serde_json makes of the key `key` (a float: its exact formatting and its
/// refusal of non-finite floats are serde_json's).
fn key_by_serde_json<K: Serialize>(key: K) -> Result<Key<'static>> {
    match serde_json::to_value(OneKey(key))? {
        Value::Object(map) => match map.into_iter().next() {
            Some((key, _)) => Ok(Cow::Owned(key)),
            None => Err(misuse("serde_json wrote no key")),
        },
        _ => Err(misuse("serde_json wrote no map")),
    }
}

/// serde_json's error for a key that is not a string (nor written as one).
fn key_must_be_a_string() -> Error {
    match serde_json::to_value(OneKey(())) {
        Err(e) => e,
        Ok(_) => misuse("key must be a string"),
    }
}

// ---------------------------------------------------------------------------------------
// The serializer.

/// Serializes a value into a [`Node`] as serde_json's value serializer into a `Value`.
struct NodeSerializer;

impl ser::Serializer for NodeSerializer {
    type Ok = Node<'static>;
    type Error = Error;
    type SerializeSeq = Seq;
    type SerializeTuple = Seq;
    type SerializeTupleStruct = Seq;
    type SerializeTupleVariant = TupleVariant;
    type SerializeMap = Map;
    type SerializeStruct = Struct;
    type SerializeStructVariant = StructVariant;

    fn serialize_bool(self, v: bool) -> Result<Node<'static>> {
        Ok(Node::Bool(v))
    }
    fn serialize_i8(self, v: i8) -> Result<Node<'static>> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i16(self, v: i16) -> Result<Node<'static>> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i32(self, v: i32) -> Result<Node<'static>> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i64(self, v: i64) -> Result<Node<'static>> {
        Ok(Node::Number(v.into()))
    }
    fn serialize_i128(self, v: i128) -> Result<Node<'static>> {
        if let Ok(v) = u64::try_from(v) {
            Ok(Node::Number(v.into()))
        } else if let Ok(v) = i64::try_from(v) {
            Ok(Node::Number(v.into()))
        } else {
            // Out of range (serde_json's error), or a number under `arbitrary_precision`.
            serde_json::to_value(v).map(from_json)
        }
    }
    fn serialize_u8(self, v: u8) -> Result<Node<'static>> {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u16(self, v: u16) -> Result<Node<'static>> {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u32(self, v: u32) -> Result<Node<'static>> {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u64(self, v: u64) -> Result<Node<'static>> {
        Ok(Node::Number(v.into()))
    }
    fn serialize_u128(self, v: u128) -> Result<Node<'static>> {
        match u64::try_from(v) {
            Ok(v) => Ok(Node::Number(v.into())),
            Err(_) => serde_json::to_value(v).map(from_json),
        }
    }
    fn serialize_f32(self, v: f32) -> Result<Node<'static>> {
        // serde_json widens a finite `f32` (`Number::from_f32` is not public).
        Ok(match Value::from(v) {
            Value::Number(n) => Node::Number(n),
            _ => Node::Null,
        })
    }
    fn serialize_f64(self, v: f64) -> Result<Node<'static>> {
        Ok(Number::from_f64(v).map_or(Node::Null, Node::Number))
    }
    fn serialize_char(self, v: char) -> Result<Node<'static>> {
        Ok(Node::String(Cow::Owned(v.to_string())))
    }
    fn serialize_str(self, v: &str) -> Result<Node<'static>> {
        Ok(Node::String(Cow::Owned(v.to_owned())))
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<Node<'static>> {
        Ok(Node::Array(
            v.iter().map(|&b| Node::Number(b.into())).collect(),
        ))
    }
    fn serialize_none(self) -> Result<Node<'static>> {
        Ok(Node::Null)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Node<'static>> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<Node<'static>> {
        Ok(Node::Null)
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<Node<'static>> {
        Ok(Node::Null)
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<Node<'static>> {
        Ok(Node::String(Cow::Borrowed(variant)))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<Node<'static>> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<Node<'static>> {
        Ok(single(variant, value.serialize(NodeSerializer)?))
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<Seq> {
        Ok(Seq(reserve(len.unwrap_or(0))))
    }
    fn serialize_tuple(self, len: usize) -> Result<Seq> {
        Ok(Seq(reserve(len)))
    }
    fn serialize_tuple_struct(self, _name: &'static str, len: usize) -> Result<Seq> {
        Ok(Seq(reserve(len)))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<TupleVariant> {
        Ok(TupleVariant {
            variant,
            items: reserve(len),
        })
    }
    fn serialize_map(self, len: Option<usize>) -> Result<Map> {
        Ok(Map {
            object: Object::map(len),
            next_key: None,
        })
    }
    fn serialize_struct(self, name: &'static str, len: usize) -> Result<Struct> {
        Ok(if is_token(name) {
            Struct::Token { name, value: None }
        } else {
            Struct::Fields(Object::fields(len))
        })
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<StructVariant> {
        Ok(StructVariant {
            variant,
            object: Object::fields(len),
        })
    }
    fn collect_str<T: Display + ?Sized>(self, value: &T) -> Result<Node<'static>> {
        Ok(Node::String(Cow::Owned(value.to_string())))
    }
}

/// A sequence, tuple or tuple struct being serialized: its elements.
struct Seq(Vec<Node<'static>>);

impl ser::SerializeSeq for Seq {
    type Ok = Node<'static>;
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        self.0.push(value.serialize(NodeSerializer)?);
        Ok(())
    }
    fn end(self) -> Result<Node<'static>> {
        Ok(Node::Array(self.0))
    }
}

impl ser::SerializeTuple for Seq {
    type Ok = Node<'static>;
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result<Node<'static>> {
        ser::SerializeSeq::end(self)
    }
}

impl ser::SerializeTupleStruct for Seq {
    type Ok = Node<'static>;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result<Node<'static>> {
        ser::SerializeSeq::end(self)
    }
}

/// A tuple variant being serialized: `{variant: [elements]}`.
struct TupleVariant {
    variant: &'static str,
    items: Vec<Node<'static>>,
}

impl ser::SerializeTupleVariant for TupleVariant {
    type Ok = Node<'static>;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        self.items.push(value.serialize(NodeSerializer)?);
        Ok(())
    }
    fn end(self) -> Result<Node<'static>> {
        Ok(single(self.variant, Node::Array(self.items)))
    }
}

/// A map being serialized (also a struct with a flattened field): its entries, and the
/// key written whose value is to come.
struct Map {
    object: Object,
    next_key: Option<Key<'static>>,
}

impl ser::SerializeMap for Map {
    type Ok = Node<'static>;
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<()> {
        self.next_key = Some(key.serialize(KeySerializer)?);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        let key = self
            .next_key
            .take()
            .ok_or_else(|| misuse("serialize_value called before serialize_key"))?;
        self.object.insert(key, value.serialize(NodeSerializer)?);
        Ok(())
    }
    fn serialize_entry<K: Serialize + ?Sized, V: Serialize + ?Sized>(
        &mut self,
        key: &K,
        value: &V,
    ) -> Result<()> {
        // As serde_json's `serialize_key` then `serialize_value`: a pending key is replaced.
        self.next_key = None;
        let key = key.serialize(KeySerializer)?;
        self.object.insert(key, value.serialize(NodeSerializer)?);
        Ok(())
    }
    fn end(self) -> Result<Node<'static>> {
        // A key written without its value is dropped, as serde_json does.
        Ok(self.object.into_node())
    }
}

/// A struct being serialized: its fields, or the value of one of serde_json's tokens.
enum Struct {
    /// A struct: an object of its fields.
    Fields(Object),
    /// A struct serde_json reads as a token: the value its field stands for.
    Token {
        name: &'static str,
        value: Option<Value>,
    },
}

impl ser::SerializeStruct for Struct {
    type Ok = Node<'static>;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<()> {
        match self {
            Struct::Fields(object) => {
                object.insert(Cow::Borrowed(key), value.serialize(NodeSerializer)?);
            }
            Struct::Token { name, value: out } => {
                // serde_json reads the field (or refuses it) exactly as it would here.
                let name: &'static str = name;
                let token = TokenStruct { name, key, value };
                *out = Some(serde_json::to_value(token)?);
            }
        }
        Ok(())
    }
    fn end(self) -> Result<Node<'static>> {
        match self {
            Struct::Fields(object) => Ok(object.into_node()),
            Struct::Token { value, .. } => value
                .map(from_json)
                .ok_or_else(|| misuse("serde_json's token struct without its field")),
        }
    }
}

/// A struct variant being serialized: `{variant: {fields}}`.
struct StructVariant {
    variant: &'static str,
    object: Object,
}

impl ser::SerializeStructVariant for StructVariant {
    type Ok = Node<'static>;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<()> {
        self.object
            .insert(Cow::Borrowed(key), value.serialize(NodeSerializer)?);
        Ok(())
    }
    fn end(self) -> Result<Node<'static>> {
        Ok(single(self.variant, self.object.into_node()))
    }
}

// ---------------------------------------------------------------------------------------
// Map keys, by serde_json's rules.

/// Serializes a map key as serde_json's map key serializer: a string, or the text of an
/// integer, bool, char, float or unit variant; a newtype struct is its content; anything
/// else is refused with serde_json's error.
struct KeySerializer;

impl ser::Serializer for KeySerializer {
    type Ok = Key<'static>;
    type Error = Error;
    type SerializeSeq = Impossible<Key<'static>, Error>;
    type SerializeTuple = Impossible<Key<'static>, Error>;
    type SerializeTupleStruct = Impossible<Key<'static>, Error>;
    type SerializeTupleVariant = Impossible<Key<'static>, Error>;
    type SerializeMap = Impossible<Key<'static>, Error>;
    type SerializeStruct = Impossible<Key<'static>, Error>;
    type SerializeStructVariant = Impossible<Key<'static>, Error>;

    fn serialize_bool(self, v: bool) -> Result<Key<'static>> {
        Ok(Cow::Borrowed(if v { "true" } else { "false" }))
    }
    fn serialize_i8(self, v: i8) -> Result<Key<'static>> {
        Ok(Cow::Owned(v.to_string()))
    }
    fn serialize_i16(self, v: i16) -> Result<Key<'static>> {
        Ok(Cow::Owned(v.to_string()))
    }
    fn serialize_i32(self, v: i32) -> Result<Key<'static>> {
        Ok(Cow::Owned(v.to_string()))
    }
    fn serialize_i64(self, v: i64) -> Result<Key<'static>> {
        Ok(Cow::Owned(v.to_string()))
    }
    fn serialize_i128(self, v: i128) -> Result<Key<'static>> {
        Ok(Cow::Owned(v.to_string()))
    }
    fn serialize_u8(self, v: u8) -> Result<Key<'static>> {
        Ok(Cow::Owned(v.to_string()))
    }
    fn serialize_u16(self, v: u16) -> Result<Key<'static>> {
        Ok(Cow::Owned(v.to_string()))
    }
    fn serialize_u32(self, v: u32) -> Result<Key<'static>> {
        Ok(Cow::Owned(v.to_string()))
    }
    fn serialize_u64(self, v: u64) -> Result<Key<'static>> {
        Ok(Cow::Owned(v.to_string()))
    }
    fn serialize_u128(self, v: u128) -> Result<Key<'static>> {
        Ok(Cow::Owned(v.to_string()))
    }
    fn serialize_f32(self, v: f32) -> Result<Key<'static>> {
        key_by_serde_json(v)
    }
    fn serialize_f64(self, v: f64) -> Result<Key<'static>> {
        key_by_serde_json(v)
    }
    fn serialize_char(self, v: char) -> Result<Key<'static>> {
        Ok(Cow::Owned(v.to_string()))
    }
    fn serialize_str(self, v: &str) -> Result<Key<'static>> {
        Ok(Cow::Owned(v.to_owned()))
    }
    fn serialize_bytes(self, _v: &[u8]) -> Result<Key<'static>> {
        Err(key_must_be_a_string())
    }
    fn serialize_none(self) -> Result<Key<'static>> {
        Err(key_must_be_a_string())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _value: &T) -> Result<Key<'static>> {
        Err(key_must_be_a_string())
    }
    fn serialize_unit(self) -> Result<Key<'static>> {
        Err(key_must_be_a_string())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<Key<'static>> {
        Err(key_must_be_a_string())
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<Key<'static>> {
        Ok(Cow::Borrowed(variant))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<Key<'static>> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result<Key<'static>> {
        Err(key_must_be_a_string())
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq> {
        Err(key_must_be_a_string())
    }
    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple> {
        Err(key_must_be_a_string())
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleStruct> {
        Err(key_must_be_a_string())
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant> {
        Err(key_must_be_a_string())
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap> {
        Err(key_must_be_a_string())
    }
    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Self::SerializeStruct> {
        Err(key_must_be_a_string())
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant> {
        Err(key_must_be_a_string())
    }
    fn collect_str<T: Display + ?Sized>(self, value: &T) -> Result<Key<'static>> {
        Ok(Cow::Owned(value.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde::ser::{SerializeMap, SerializeSeq, SerializeStruct, Serializer};
    use serde::Serialize;
    use serde_json::json;
    use serde_json::value::RawValue;
    use std::collections::{BTreeMap, HashMap};

    /// Every object's keys are unique, and no node is raw text.
    fn assert_well_formed(node: &Node<'_>) {
        match node {
            Node::Raw(text) => panic!("a raw node: {text}"),
            Node::Object(entries) => {
                for (i, (key, value)) in entries.iter().enumerate() {
                    assert!(
                        entries[..i].iter().all(|(k, _)| k != key),
                        "the key {key} twice"
                    );
                    assert_well_formed(value);
                }
            }
            Node::Array(items) => items.iter().for_each(assert_well_formed),
            _ => {}
        }
    }

    /// `to_node` agrees with `serde_json::to_value` on `x`: the same value, its objects'
    /// keys in the same order, or the same error. Says whether it succeeded.
    fn agrees<T: Serialize + ?Sized>(x: &T) -> bool {
        match (to_node(x), serde_json::to_value(x)) {
            (Ok(node), Ok(expected)) => {
                assert_well_formed(&node);
                let got = node.into_value();
                assert_eq!(got, expected);
                // `Value`'s equality ignores key order; the text does not.
                assert_eq!(
                    serde_json::to_string(&got).unwrap(),
                    serde_json::to_string(&expected).unwrap()
                );
                true
            }
            (Err(got), Err(expected)) => {
                assert_eq!(got.to_string(), expected.to_string());
                assert_eq!(got.classify(), expected.classify());
                false
            }
            (got, expected) => panic!("to_node gives {got:?}, to_value {expected:?}"),
        }
    }

    fn ok<T: Serialize + ?Sized>(x: &T) {
        assert!(agrees(x), "expected to serialize");
    }

    fn err<T: Serialize + ?Sized>(x: &T) {
        assert!(!agrees(x), "expected to be refused");
    }

    /// A map written entry by entry as given, repeats included.
    #[derive(Debug, Clone)]
    struct Pairs<K, V>(Vec<(K, V)>);

    impl<K: Serialize, V: Serialize> Serialize for Pairs<K, V> {
        fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
            s.collect_map(self.0.iter().map(|(k, v)| (k, v)))
        }
    }

    #[derive(Serialize)]
    struct Item {
        id: u64,
        name: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        note: Option<String>,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        tags: Vec<String>,
        score: f32,
    }

    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Outer {
        run_id: String,
        items: Vec<Item>,
        extra_data: serde_json::Map<String, Value>,
        raw: Value,
        pair: (u8, char, bool),
        unit: (),
        marker: Marker,
        wrapped: Wrapped,
        tuple: TupleStruct,
    }

    #[derive(Serialize, Clone, Copy)]
    struct Marker;

    #[derive(Serialize, Clone, PartialEq, Eq, PartialOrd, Ord)]
    struct Wrapped(String);

    #[derive(Serialize)]
    struct TupleStruct(i8, Option<u8>, Vec<()>);

    #[derive(Serialize, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
    enum Color {
        Red,
        #[serde(rename = "GREEN")]
        Green,
    }

    #[derive(Serialize)]
    enum External {
        Unit,
        Newtype(Vec<u8>),
        Tuple(i32, String),
        EmptyTuple(),
        Struct { a: u8, b: Option<Color> },
        EmptyStruct {},
    }

    #[derive(Serialize)]
    #[serde(tag = "type")]
    enum Internal {
        Unit,
        Struct { a: u8 },
        Newtype(Item),
        Map(BTreeMap<String, u8>),
    }

    #[derive(Serialize)]
    #[serde(tag = "t", content = "c")]
    enum Adjacent {
        Unit,
        Newtype(f64),
        Tuple(u8, u8),
        Struct { x: i64 },
    }

    #[derive(Serialize)]
    #[serde(untagged)]
    enum Untagged {
        Num(i64),
        Text(String),
        Fields { k: Vec<Untagged> },
    }

    fn item(id: u64, note: Option<&str>, tags: &[&str]) -> Item {
        Item {
            id,
            name: (id % 2 == 0).then(|| format!("item {id}")),
            note: note.map(str::to_owned),
            tags: tags.iter().map(|t| t.to_string()).collect(),
            score: id as f32 / 10.0,
        }
    }

    #[test]
    fn scalars_serialize_as_to_value_makes_them() {
        ok(&true);
        ok(&0u8);
        ok(&u8::MAX);
        ok(&i8::MIN);
        ok(&i16::MIN);
        ok(&u16::MAX);
        ok(&i32::MIN);
        ok(&u32::MAX);
        ok(&i64::MIN);
        ok(&i64::MAX);
        ok(&u64::MAX);
        ok(&-1i64);
        ok(&0i128);
        ok(&-1i128);
        ok(&i128::from(i64::MIN));
        ok(&i128::from(u64::MAX));
        ok(&u128::from(u64::MAX));
        err(&(i128::from(i64::MIN) - 1));
        err(&(i128::from(u64::MAX) + 1));
        err(&i128::MIN);
        err(&i128::MAX);
        err(&u128::MAX);
        err(&(u128::from(u64::MAX) + 1));
        for f in [
            0.1f32,
            -0.0,
            1.5e-45,
            f32::MAX,
            f32::MIN_POSITIVE,
            16777217.0,
        ] {
            ok(&f);
        }
        for f in [0.1f64, -0.0, 5e-324, f64::MAX, 1e300, 123456789.125] {
            ok(&f);
        }
        for f in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
            ok(&f);
            assert!(to_node(&f).unwrap().is_null());
        }
        for f in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            ok(&f);
            assert!(to_node(&f).unwrap().is_null());
        }
        ok(&'x');
        ok(&'é');
        ok(&'\u{1F600}');
        ok("");
        ok("a \"quoted\"\n string é \u{0}");
        ok(&String::from("owned"));
        ok(&());
        ok(&Marker);
        ok(&Wrapped("in a newtype".into()));
        ok(&Option::<u8>::None);
        ok(&Some(Some(3u8)));
        ok(&Color::Red);
        ok(&Color::Green);
        ok(&Box::new(7u8));
    }

    /// Bytes, as serde_json writes them: an array of numbers.
    struct Bytes<'a>(&'a [u8]);

    impl Serialize for Bytes<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
            s.serialize_bytes(self.0)
        }
    }

    /// A value written with `collect_str`.
    struct Shown(u32);

    impl Serialize for Shown {
        fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
            s.collect_str(&format_args!("#{}-{}", self.0, "x"))
        }
    }

    /// A value written differently for human-readable formats.
    struct Readable(u16);

    impl Serialize for Readable {
        fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
            if s.is_human_readable() {
                s.serialize_str(&format!("r{}", self.0))
            } else {
                s.serialize_u16(self.0)
            }
        }
    }

    #[test]
    fn bytes_collect_str_and_human_readable() {
        ok(&Bytes(b""));
        ok(&Bytes(&[0, 1, 255]));
        ok(&Shown(7));
        ok(&Readable(3));
        assert_eq!(to_node(&Readable(3)).unwrap(), json!("r3"));
        ok(&Pairs(vec![(Shown(1), 1), (Shown(2), 2), (Shown(1), 3)]));
        ok(&Pairs(vec![(Readable(1), ())]));
        err(&Pairs(vec![(Bytes(b"k"), 1)]));
        ok(&std::net::Ipv4Addr::new(127, 0, 0, 1));
        ok(&std::time::Duration::from_millis(1500));
        ok(&std::path::PathBuf::from("/tmp/x"));
    }

    #[test]
    fn structs_sequences_and_tuples() {
        let items: Vec<Item> = (0..40)
            .map(|i| {
                item(
                    i,
                    (i % 3 == 0).then_some("n"),
                    if i % 4 == 0 { &["a", "b"] } else { &[] },
                )
            })
            .collect();
        ok(&items);
        let mut extra = serde_json::Map::new();
        extra.insert("z".into(), json!({"nested": [1, {"deep": null}], "a": 1.5}));
        extra.insert("a".into(), json!([]));
        ok(&Outer {
            run_id: "r-1".into(),
            items,
            extra_data: extra,
            raw: json!({"b": 1, "a": {"d": [true, false], "c": "x"}, "e": -1}),
            pair: (1, 'c', false),
            unit: (),
            marker: Marker,
            wrapped: Wrapped("w".into()),
            tuple: TupleStruct(-3, None, vec![(), ()]),
        });
        ok(&Vec::<u8>::new());
        ok(&[[1u8, 2], [3, 4]]);
        ok(&(1u8,));
        ok(&(1u8, "two", 3.0f64, [4i8], ((),)));
        ok(&vec![Some(1u8), None]);
        ok(&std::collections::VecDeque::from([1u8, 2]));
        ok(&std::collections::BTreeSet::from(["b", "a"]));
    }

    #[test]
    fn enums_of_every_representation() {
        ok(&External::Unit);
        ok(&External::Newtype(vec![1, 2]));
        ok(&External::Tuple(-1, "s".into()));
        ok(&External::EmptyTuple());
        ok(&External::Struct {
            a: 1,
            b: Some(Color::Green),
        });
        ok(&External::EmptyStruct {});
        ok(&vec![External::Unit, External::Newtype(vec![])]);
        ok(&Internal::Unit);
        ok(&Internal::Struct { a: 2 });
        ok(&Internal::Newtype(item(2, Some("n"), &["t"])));
        ok(&Internal::Map(BTreeMap::from([
            ("b".into(), 1),
            ("a".into(), 2),
        ])));
        // The tag written again by the map: the map's value replaces it, in its place.
        ok(&Internal::Map(BTreeMap::from([("type".into(), 9)])));
        ok(&Adjacent::Unit);
        ok(&Adjacent::Newtype(f64::NAN));
        ok(&Adjacent::Tuple(1, 2));
        ok(&Adjacent::Struct { x: -5 });
        ok(&Untagged::Fields {
            k: vec![Untagged::Num(1), Untagged::Text("t".into())],
        });
        ok(&Some(Untagged::Num(-2)));
        let r: std::result::Result<u8, String> = Err("e".into());
        ok(&r);
    }

    #[test]
    fn map_keys_follow_serde_json_rules() {
        ok(&HashMap::from([
            (1u32, "a"),
            (20, "b"),
            (300, "c"),
            (u32::MAX, "d"),
        ]));
        ok(&BTreeMap::from([(true, 1u8), (false, 2)]));
        ok(&BTreeMap::from([('a', 1u8), ('é', 2), ('"', 3)]));
        ok(&BTreeMap::from([(i8::MIN, ()), (0, ()), (i8::MAX, ())]));
        ok(&BTreeMap::from([(i128::MIN, 1u8), (u64::MAX.into(), 2)]));
        ok(&BTreeMap::from([(u128::MAX, 1u8)]));
        ok(&BTreeMap::from([(Color::Green, 1u8), (Color::Red, 2)]));
        ok(&BTreeMap::from([(Wrapped("w".into()), 1u8)]));
        err(&Pairs(vec![(Some("k"), 1u8)]));
        err(&Pairs(vec![(Option::<&str>::None, 1u8)]));
        ok(&Pairs(vec![
            (0.1f32, 1u8),
            (-0.0, 2),
            (1e20, 3),
            (1.5e-7, 4),
            (f32::MAX, 5),
        ]));
        ok(&Pairs(vec![
            (0.1f64, 1u8),
            (-0.0, 2),
            (1e20, 3),
            (1.5e-7, 4),
            (1e300, 5),
            (5e-324, 6),
            (3.0, 7),
        ]));
        err(&Pairs(vec![(f64::NAN, 1u8)]));
        err(&Pairs(vec![(f32::INFINITY, 1u8)]));
        err(&Pairs(vec![(f64::NEG_INFINITY, 1u8)]));
        err(&Pairs(vec![((), 1u8)]));
        err(&Pairs(vec![(Marker, 1u8)]));
        err(&Pairs(vec![((1u8, 2u8), 1u8)]));
        err(&Pairs(vec![(vec![1u8], 1u8)]));
        err(&Pairs(vec![(item(1, None, &[]), 1u8)]));
        err(&Pairs(vec![(External::Newtype(vec![]), 1u8)]));
        err(&Pairs(vec![(External::Tuple(1, "".into()), 1u8)]));
        err(&Pairs(vec![(External::Struct { a: 1, b: None }, 1u8)]));
        err(&Pairs(vec![(BTreeMap::from([(1u8, 1u8)]), 1u8)]));
        err(&Pairs(vec![(json!({"a": 1}), 1u8)]));
        ok(&Pairs(vec![(json!("a"), 1u8)]));
        ok(&Pairs(vec![(json!(1), 1u8), (json!(-2.5), 2)]));
        err(&Pairs(vec![(json!(null), 1u8)]));
        err(&Pairs(vec![(TupleStruct(1, None, vec![]), 1u8)]));
        // A struct key nested in a value is refused too.
        err(&vec![BTreeMap::from([(
            Wrapped("ok".into()),
            Pairs(vec![((), 1u8)]),
        )])]);
    }

    #[derive(Serialize)]
    struct Flat {
        a: u32,
        b: &'static str,
        #[serde(flatten)]
        rest: Pairs<&'static str, Value>,
        c: bool,
    }

    #[derive(Serialize)]
    struct Inner {
        b: u8,
        x: u8,
    }

    #[derive(Serialize)]
    struct FlatStruct {
        x: &'static str,
        #[serde(flatten)]
        inner: Inner,
        #[serde(flatten)]
        more: BTreeMap<String, u8>,
    }

    #[test]
    fn a_key_written_twice_keeps_its_place_and_takes_the_last_value() {
        ok(&Flat {
            a: 1,
            b: "b",
            rest: Pairs(vec![
                ("z", json!(0)),
                ("a", json!("again")),
                ("z", json!(2)),
            ]),
            c: true,
        });
        ok(&FlatStruct {
            x: "x",
            inner: Inner { b: 1, x: 2 },
            more: BTreeMap::from([("b".into(), 3), ("y".into(), 4)]),
        });
        let node = to_node(&Flat {
            a: 1,
            b: "b",
            rest: Pairs(vec![("a", json!(3))]),
            c: false,
        })
        .unwrap();
        assert_eq!(
            serde_json::to_string(&node).unwrap(),
            r#"{"a":3,"b":"b","c":false}"#
        );
        ok(&Pairs(vec![
            ("k", 1u8),
            ("j", 2),
            ("k", 3),
            ("k", 4),
            ("j", 5),
        ]));
        ok(&Pairs(vec![(1u8, 'a'), (2, 'b'), (1, 'c')]));
        ok(&Pairs(vec![(Color::Red, 1u8), (Color::Red, 2)]));
        // Large maps, past the scan: repeats found through the index, both before and
        // after it is built, with and without a size hint.
        let many: Vec<(String, usize)> = (0..300)
            .map(|i| (format!("k{}", (i * 7) % 120), i))
            .collect();
        ok(&Pairs(many.clone()));
        ok(&HashMap::<String, usize>::from_iter(many.clone()));
        struct Unhinted(Vec<(String, usize)>);
        impl Serialize for Unhinted {
            fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
                let mut map = s.serialize_map(None)?;
                for (k, v) in &self.0 {
                    map.serialize_key(k)?;
                    map.serialize_value(v)?;
                }
                map.end()
            }
        }
        ok(&Unhinted(many));
        // Keys alike in length and their first, middle and last bytes.
        let alike: Vec<(String, u8)> = (0..50u8)
            .map(|i| (format!("a{}{}m{}z", i % 10, i % 7, i % 5), i))
            .collect();
        ok(&Pairs(alike));
    }

    /// A struct whose fields are written as given (a hand-written impl may repeat one).
    struct Fields(Vec<(&'static str, u32)>);

    impl Serialize for Fields {
        fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
            let mut st = s.serialize_struct("Fields", self.0.len())?;
            for (k, v) in &self.0 {
                st.serialize_field(k, v)?;
            }
            st.end()
        }
    }

    /// A struct variant whose fields are written as given.
    struct VariantFields(Vec<(&'static str, u32)>);

    impl Serialize for VariantFields {
        fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
            use serde::ser::SerializeStructVariant;
            let mut st = s.serialize_struct_variant("E", 0, "V", self.0.len())?;
            for (k, v) in &self.0 {
                st.serialize_field(k, v)?;
            }
            st.end()
        }
    }

    const NAMES: [&str; 40] = [
        "id",
        "name",
        "kind",
        "created_at",
        "updated_at",
        "owner",
        "tags",
        "size",
        "a",
        "b",
        "c",
        "d",
        "ab",
        "ba",
        "aa",
        "bb",
        "x1",
        "x2",
        "x3",
        "y1",
        "alpha",
        "beta",
        "gamma",
        "delta",
        "epsilon",
        "zeta",
        "eta",
        "theta",
        "iota",
        "kappa",
        "lambda",
        "mu",
        "nu",
        "xi",
        "omicron",
        "pi",
        "rho",
        "sigma",
        "tau",
        "upsilon",
    ];

    #[test]
    fn struct_fields_written_twice_are_merged_as_serde_json_does() {
        for fields in [
            vec![("a", 1), ("b", 2), ("a", 3)],
            vec![("a", 1), ("a", 2), ("a", 3)],
            vec![],
        ] {
            ok(&Fields(fields.clone()));
            ok(&VariantFields(fields));
        }
        // Many fields: the fingerprints collide, the scan decides.
        let mut fields: Vec<(&'static str, u32)> = NAMES
            .iter()
            .enumerate()
            .map(|(i, k)| (*k, i as u32))
            .collect();
        ok(&Fields(fields.clone()));
        ok(&VariantFields(fields.clone()));
        fields.extend(NAMES.iter().rev().step_by(3).map(|k| (*k, 99)));
        ok(&Fields(fields.clone()));
        ok(&VariantFields(fields));
    }

    /// Two fields renamed to one name: serde's derive writes both.
    #[derive(Serialize)]
    struct SameName {
        #[serde(rename = "n")]
        first: u8,
        other: u8,
        #[serde(rename = "n")]
        second: u8,
    }

    #[test]
    fn a_derived_struct_may_write_a_field_name_twice() {
        ok(&SameName {
            first: 1,
            other: 2,
            second: 3,
        });
        assert_eq!(
            serde_json::to_string(
                &to_node(&SameName {
                    first: 1,
                    other: 2,
                    second: 3
                })
                .unwrap()
            )
            .unwrap(),
            r#"{"n":3,"other":2}"#
        );
    }

    #[test]
    fn keys_sharing_a_hash_are_told_apart() {
        let mut object = Object::map(Some(100));
        object.insert(Cow::Borrowed("a"), Node::Null);
        // Make "b" hash where "a" is, as two keys of one 64-bit hash would.
        let index = object.index.as_mut().unwrap();
        let hash_b = index.state.hash_one("b");
        index.positions.insert(hash_b, 0);
        object.insert(Cow::Borrowed("b"), Node::Bool(false));
        object.insert(Cow::Borrowed("b"), Node::Bool(true));
        object.insert(Cow::Borrowed("a"), Node::Number(1.into()));
        assert_eq!(
            serde_json::to_string(&object.into_node()).unwrap(),
            r#"{"a":1,"b":true}"#
        );
    }

    /// A map misused as serde_json's value serializer panics on.
    struct ValueFirst;

    impl Serialize for ValueFirst {
        fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
            let mut map = s.serialize_map(None)?;
            map.serialize_value(&1u8)?;
            map.end()
        }
    }

    /// A map with a key written twice before its value, and one left without a value.
    struct Pending;

    impl Serialize for Pending {
        fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
            let mut map = s.serialize_map(Some(2))?;
            map.serialize_key("dropped")?;
            map.serialize_key("kept")?;
            map.serialize_value(&1u8)?;
            map.serialize_key("also dropped")?;
            map.serialize_entry("e", &2u8)?;
            map.serialize_key("pending")?;
            map.end()
        }
    }

    /// A value whose serialization fails midway.
    struct Fails;

    impl Serialize for Fails {
        fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
            let mut seq = s.serialize_seq(Some(2))?;
            seq.serialize_element(&1u8)?;
            Err(ser::Error::custom("this value cannot be written"))
        }
    }

    #[test]
    fn misuse_and_user_errors() {
        ok(&Pending);
        err(&Fails);
        err(&vec![Some(Fails)]);
        err(&(External::Newtype(vec![]), Fails));
        err(&BTreeMap::from([("k", Fails)]));
        // serde_json panics on these; this serializer refuses instead, or takes a wrong
        // size hint as no more than a hint.
        assert!(to_node(&ValueFirst).is_err());
        assert_eq!(to_node(&HugeHints).unwrap(), json!([[1], {"k": 2}]));
    }

    /// Sizes no collection could have.
    struct HugeHints;

    impl Serialize for HugeHints {
        fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
            struct Seq;
            impl Serialize for Seq {
                fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
                    let mut seq = s.serialize_seq(Some(usize::MAX))?;
                    seq.serialize_element(&1u8)?;
                    seq.end()
                }
            }
            struct Map;
            impl Serialize for Map {
                fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
                    let mut map = s.serialize_map(Some(usize::MAX))?;
                    map.serialize_entry("k", &2u8)?;
                    map.end()
                }
            }
            (Seq, Map).serialize(s)
        }
    }

    /// A struct that names itself as serde_json's raw value does, with no field.
    struct NoField;

    impl Serialize for NoField {
        fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
            s.serialize_struct(RAW_VALUE_TOKEN, 0)?.end()
        }
    }

    #[test]
    fn raw_values_are_read_as_serde_json_reads_them() {
        // The tests enable serde_json's `raw_value`, so its token is one.
        assert!(is_token(RAW_VALUE_TOKEN));
        // Not `arbitrary_precision`: a struct of that name is a struct.
        assert!(!is_token(NUMBER_TOKEN));
        ok(&TokenStruct {
            name: NUMBER_TOKEN,
            key: NUMBER_TOKEN,
            value: "12",
        });
        for text in [
            "1",
            "-0.5e3",
            "\"s\\u00e9\"",
            "null",
            r#" {"a": 1, "b": [2, {"c": null}], "a": 3} "#,
            "[1, 2.0, true]",
        ] {
            let raw = RawValue::from_string(text.to_owned()).unwrap();
            ok(&raw);
            ok(&vec![Some(&raw)]);
            ok(&BTreeMap::from([("r", &raw)]));
        }
        // The token struct with a field of another name, or a value that is not text.
        err(&TokenStruct {
            name: RAW_VALUE_TOKEN,
            key: "other",
            value: "1",
        });
        err(&TokenStruct {
            name: RAW_VALUE_TOKEN,
            key: RAW_VALUE_TOKEN,
            value: &1u8,
        });
        err(&TokenStruct {
            name: RAW_VALUE_TOKEN,
            key: RAW_VALUE_TOKEN,
            value: "{not json",
        });
        assert!(to_node(&NoField).is_err());
    }

    #[test]
    fn json_values_come_back_the_same() {
        let doc = json!({
            "z": {"y": [1, -2, 3.5, u64::MAX, i64::MIN], "x": {}},
            "a": [[], [null, true, "s"], {"k": {"j": {"i": "deep"}}}],
            "m": {"1": 1, "0": 0, "é": "e\u{301}"},
        });
        ok(&doc);
        let Value::Object(map) = doc.clone() else {
            unreachable!()
        };
        ok(&map);
        assert_eq!(to_node(&doc).unwrap(), Node::from_value(doc));
    }

    #[derive(Serialize, Debug, Clone)]
    enum Kind {
        A,
        B(i8),
        C { x: i128, y: Option<char> },
        D(u16, f32),
    }

    #[derive(Serialize, Debug, Clone)]
    struct Small {
        id: u64,
        #[serde(skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        kinds: Vec<Kind>,
        score: f64,
        #[serde(flatten)]
        extra: Pairs<String, i32>,
        by_num: BTreeMap<i16, bool>,
        value: Value,
    }

    fn value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            any::<f32>().prop_map(Value::from),
            "[a-c\"\\\\é ]{0,4}".prop_map(Value::from),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::vec(("[a-d]{0,2}", inner), 0..8)
                    .prop_map(|entries| Value::Object(entries.into_iter().collect())),
            ]
        })
    }

    fn kind() -> impl Strategy<Value = Kind> {
        prop_oneof![
            Just(Kind::A),
            any::<i8>().prop_map(Kind::B),
            (any::<i128>(), any::<Option<char>>()).prop_map(|(x, y)| Kind::C { x, y }),
            (-3i128..3).prop_map(|x| Kind::C { x, y: None }),
            (any::<u16>(), any::<f32>()).prop_map(|(a, b)| Kind::D(a, b)),
        ]
    }

    fn small() -> impl Strategy<Value = Small> {
        (
            any::<u64>(),
            proptest::option::of("[a-z]{0,5}"),
            prop::collection::vec(kind(), 0..4),
            any::<f64>(),
            prop::collection::vec(
                (
                    prop::sample::select(vec!["id", "name", "value", "k", "by_num", "q"])
                        .prop_map(str::to_owned),
                    any::<i32>(),
                ),
                0..5,
            ),
            prop::collection::btree_map(any::<i16>(), any::<bool>(), 0..4),
            value(),
        )
            .prop_map(|(id, name, kinds, score, extra, by_num, value)| Small {
                id,
                name,
                kinds,
                score,
                extra: Pairs(extra),
                by_num,
                value,
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn random_values_serialize_as_to_value_makes_them(
            v in value(),
            smalls in prop::collection::vec(small(), 0..4),
        ) {
            ok(&v);
            agrees(&smalls);
            for s in &smalls {
                agrees(s);
            }
        }
    }
}
