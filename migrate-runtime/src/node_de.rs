//! Deserializing a user's type straight from a [`Node`], as serde_json would from the
//! `serde_json::Value` the node stands for. A read level is walked as serde_json walks a
//! `&Value` (same visitor calls, same "fewer elements" and single-key-enum checks, same map
//! key rules); raw text is handed to serde_json's text deserializer, which reads what the
//! type needs and skips unknown fields without building them. Where serde_json's text
//! deserializer and its `&Value` deserializer would not agree (an `f32` parsed straight to
//! single precision, 128-bit integers beyond 64 bits, bytes, map keys with escapes, an
//! empty tuple variant, a struct variant written as an array, a `RawValue`), a thin layer
//! around the text deserializer gives the `&Value` behaviour, so the result is the one
//! `T::deserialize(&node.to_value())` gives, and an error exactly when that errs. (What is
//! left to tell the two apart is invisible to an owned type: a string with escapes comes
//! from raw text as a copied `&str` rather than a borrowed one, and sequences and maps of
//! raw text give no size hint.)

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;
use std::slice;

use serde::de::value::{CowStrDeserializer, StrDeserializer};
use serde::de::{
    self, Deserialize, DeserializeOwned, DeserializeSeed, Deserializer, EnumAccess, Expected,
    IntoDeserializer, MapAccess, SeqAccess, Unexpected, VariantAccess, Visitor,
};
use serde::forward_to_deserialize_any;
use serde_json::de::StrRead;
use serde_json::{Error, Map, Value};

use crate::node::Node;

/// The newtype name serde_json's `RawValue` asks a deserializer for.
const RAW_VALUE_TOKEN: &str = "$serde_json::private::RawValue";

/// Deserializes `T` from `node` as serde_json would from the same value.
pub(crate) fn from_node<T: DeserializeOwned>(node: &Node<'_>) -> Result<T, Error> {
    T::deserialize(node)
}

// ---------------------------------------------------------------------------------------
// A node: read levels as serde_json's `&Value`, raw text through serde_json's text reader.

/// The text deserializer of `text`, as serde_json's `&Value` would act, given to `read`;
/// the whole text must then have been read.
fn raw<'de, T>(
    text: &'de str,
    read: impl FnOnce(Text<&mut serde_json::Deserializer<StrRead<'de>>>) -> Result<T, Error>,
) -> Result<T, Error> {
    let mut de = serde_json::Deserializer::from_str(text);
    let value = read(Text(&mut de))?;
    de.end()?;
    Ok(value)
}

/// What a node is, for a type error (as serde_json's `Value::unexpected`).
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

/// The node as a `serde_json::Value`, failing (rather than panicking) on raw text that is
/// not JSON.
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

/// An array's elements to a visitor; all of them must be taken.
fn visit_array<'de, V: Visitor<'de>>(
    items: &'de [Node<'de>],
    visitor: V,
) -> Result<V::Value, Error> {
    let mut seq = Elements { iter: items.iter() };
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
fn visit_object<'de, V: Visitor<'de>>(
    entries: &'de [(Cow<'de, str>, Node<'de>)],
    visitor: V,
) -> Result<V::Value, Error> {
    let mut map = Entries {
        iter: entries.iter(),
        value: None,
    };
    let value = visitor.visit_map(&mut map)?;
    if map.iter.len() == 0 {
        Ok(value)
    } else {
        Err(de::Error::invalid_length(
            entries.len(),
            &"fewer elements in map",
        ))
    }
}

/// The number methods: a number visits as it is (`u64`, `i64` or `f64`), whatever the
/// type asked for, as serde_json's `&Value` does.
macro_rules! node_numbers {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            match self {
                Node::Raw(text) => raw(text, |d| d.$method(visitor)),
                Node::Number(n) => n.deserialize_any(visitor),
                _ => Err(invalid_type(self, &visitor)),
            }
        }
    )*};
}

/// Methods that take only a string (as serde_json's `&Value`: borrowed).
macro_rules! node_strings {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            match self {
                Node::Raw(text) => raw(text, |d| d.$method(visitor)),
                Node::String(s) => visitor.visit_borrowed_str(s),
                _ => Err(invalid_type(self, &visitor)),
            }
        }
    )*};
}

/// Methods that take only an array.
macro_rules! node_seqs {
    ($($method:ident($($arg:ident: $ty:ty),*))*) => {$(
        fn $method<V: Visitor<'de>>(self, $($arg: $ty,)* visitor: V) -> Result<V::Value, Error> {
            match self {
                Node::Raw(text) => raw(text, |d| d.$method($($arg,)* visitor)),
                Node::Array(items) => visit_array(items, visitor),
                _ => Err(invalid_type(self, &visitor)),
            }
        }
    )*};
}

/// Methods that take only an array or a string (bytes).
macro_rules! node_bytes {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            match self {
                Node::Raw(text) => raw(text, |d| d.$method(visitor)),
                Node::String(s) => visitor.visit_borrowed_str(s),
                Node::Array(items) => visit_array(items, visitor),
                _ => Err(invalid_type(self, &visitor)),
            }
        }
    )*};
}

/// Methods that take only `null`.
macro_rules! node_units {
    ($($method:ident($($arg:ident: $ty:ty),*))*) => {$(
        fn $method<V: Visitor<'de>>(self, $($arg: $ty,)* visitor: V) -> Result<V::Value, Error> {
            match self {
                Node::Raw(text) => raw(text, |d| d.$method($($arg,)* visitor)),
                Node::Null => visitor.visit_unit(),
                _ => Err(invalid_type(self, &visitor)),
            }
        }
    )*};
}

/// A node deserializes as serde_json's `&Value` of the same value.
impl<'de> Deserializer<'de> for &'de Node<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self {
            Node::Raw(text) => raw(text, |d| d.deserialize_any(visitor)),
            Node::Null => visitor.visit_unit(),
            Node::Bool(b) => visitor.visit_bool(*b),
            Node::Number(n) => n.deserialize_any(visitor),
            Node::String(s) => visitor.visit_borrowed_str(s),
            Node::Array(items) => visit_array(items, visitor),
            Node::Object(entries) => visit_object(entries, visitor),
        }
    }

    node_numbers! {
        deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64 deserialize_i128
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64 deserialize_u128
        deserialize_f32 deserialize_f64
    }

    node_strings! {
        deserialize_char deserialize_str deserialize_string deserialize_identifier
    }

    node_bytes! { deserialize_bytes deserialize_byte_buf }

    node_seqs! {
        deserialize_seq()
        deserialize_tuple(len: usize)
        deserialize_tuple_struct(name: &'static str, len: usize)
    }

    node_units! {
        deserialize_unit()
        deserialize_unit_struct(name: &'static str)
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self {
            Node::Raw(text) => raw(text, |d| d.deserialize_bool(visitor)),
            Node::Bool(b) => visitor.visit_bool(*b),
            _ => Err(invalid_type(self, &visitor)),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self {
            Node::Raw(text) => raw(text, |d| d.deserialize_option(visitor)),
            Node::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self {
            Node::Raw(text) => raw(text, |d| d.deserialize_newtype_struct(name, visitor)),
            // A `RawValue` gets what it gets from a `Value`: the value written out again.
            _ if name == RAW_VALUE_TOKEN => {
                value_of(self)?.deserialize_newtype_struct(name, visitor)
            }
            _ => visitor.visit_newtype_struct(self),
        }
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self {
            Node::Raw(text) => raw(text, |d| d.deserialize_map(visitor)),
            Node::Object(entries) => visit_object(entries, visitor),
            _ => Err(invalid_type(self, &visitor)),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self {
            Node::Raw(text) => raw(text, |d| d.deserialize_struct(name, fields, visitor)),
            Node::Array(items) => visit_array(items, visitor),
            Node::Object(entries) => visit_object(entries, visitor),
            _ => Err(invalid_type(self, &visitor)),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self {
            Node::Raw(text) => raw(text, |d| d.deserialize_enum(name, variants, visitor)),
            Node::Object(entries) => match entries.as_slice() {
                [(variant, value)] => visitor.visit_enum(NodeEnum {
                    variant,
                    value: Some(value),
                }),
                _ => Err(de::Error::invalid_value(
                    Unexpected::Map,
                    &"map with a single key",
                )),
            },
            Node::String(variant) => visitor.visit_enum(NodeEnum {
                variant,
                value: None,
            }),
            other => Err(de::Error::invalid_type(unexpected(other), &"string or map")),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }
}

/// An array's elements, one at a time.
struct Elements<'de> {
    iter: slice::Iter<'de, Node<'de>>,
}

impl<'de> SeqAccess<'de> for Elements<'de> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        self.iter
            .next()
            .map(|item| seed.deserialize(item))
            .transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}

/// An object's entries, one at a time.
struct Entries<'de> {
    iter: slice::Iter<'de, (Cow<'de, str>, Node<'de>)>,
    value: Option<&'de Node<'de>>,
}

impl<'de> MapAccess<'de> for Entries<'de> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        match self.iter.next() {
            Some((key, value)) => {
                self.value = Some(value);
                seed.deserialize(MapKey::new(Cow::Borrowed(key))).map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, Error> {
        match self.value.take() {
            Some(value) => seed.deserialize(value),
            None => Err(de::Error::custom("value is missing")),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}

/// An enum read from a node: a string (a unit variant), or an object's single entry.
struct NodeEnum<'de> {
    variant: &'de str,
    value: Option<&'de Node<'de>>,
}

impl<'de> EnumAccess<'de> for NodeEnum<'de> {
    type Error = Error;
    type Variant = NodeVariant<'de>;

    fn variant_seed<S: DeserializeSeed<'de>>(
        self,
        seed: S,
    ) -> Result<(S::Value, NodeVariant<'de>), Error> {
        let name: StrDeserializer<'_, Error> = self.variant.into_deserializer();
        let variant = seed.deserialize(name)?;
        Ok((variant, NodeVariant { value: self.value }))
    }
}

/// The value of an enum's variant, if it was written as an object.
struct NodeVariant<'de> {
    value: Option<&'de Node<'de>>,
}

impl<'de> VariantAccess<'de> for NodeVariant<'de> {
    type Error = Error;

    fn unit_variant(self) -> Result<(), Error> {
        match self.value {
            Some(value) => <()>::deserialize(value),
            None => Ok(()),
        }
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, Error> {
        match self.value {
            Some(value) => seed.deserialize(value),
            None => Err(de::Error::invalid_type(
                Unexpected::UnitVariant,
                &"newtype variant",
            )),
        }
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, Error> {
        match self.value {
            Some(Node::Raw(text)) => raw(text, |d| d.0.deserialize_seq(TupleVariant(visitor))),
            Some(Node::Array(items)) if items.is_empty() => visitor.visit_unit(),
            Some(Node::Array(items)) => visit_array(items, visitor),
            Some(other) => Err(de::Error::invalid_type(unexpected(other), &"tuple variant")),
            None => Err(de::Error::invalid_type(
                Unexpected::UnitVariant,
                &"tuple variant",
            )),
        }
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.value {
            Some(Node::Raw(text)) => raw(text, |d| d.deserialize_map(visitor)),
            Some(Node::Object(entries)) => visit_object(entries, visitor),
            Some(other) => Err(de::Error::invalid_type(
                unexpected(other),
                &"struct variant",
            )),
            None => Err(de::Error::invalid_type(
                Unexpected::UnitVariant,
                &"struct variant",
            )),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Object keys, as serde_json's `&Value` gives them: a string, or a number, bool or enum
// read from that string.

/// An object key (already unescaped).
struct MapKey<'de, E> {
    key: Cow<'de, str>,
    error: PhantomData<E>,
}

impl<'de, E> MapKey<'de, E> {
    fn new(key: Cow<'de, str>) -> Self {
        MapKey {
            key,
            error: PhantomData,
        }
    }
}

/// Reads the number written as the whole of `key` (digits or `-` first, nothing after the
/// number, no whitespace), as serde_json's `&Value` reads a numeric key.
fn number_key<'k, T, E: de::Error>(
    key: &'k str,
    read: impl FnOnce(&mut serde_json::Deserializer<StrRead<'k>>) -> Result<T, Error>,
) -> Result<T, E> {
    let bytes = key.as_bytes();
    let numeric = matches!(bytes.first(), Some(b'0'..=b'9' | b'-'))
        && !bytes
            .iter()
            .any(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'));
    if !numeric {
        return Err(E::custom("expected the key to be a number in quotes"));
    }
    let mut de = serde_json::Deserializer::from_str(key);
    let value = read(&mut de).map_err(E::custom)?;
    de.end().map_err(E::custom)?;
    Ok(value)
}

/// The number methods of a key.
macro_rules! key_numbers {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
            number_key(&self.key, |d| d.$method(NumberKey(visitor, PhantomData)))
        }
    )*};
}

impl<'de, E: de::Error> Deserializer<'de> for MapKey<'de, E> {
    type Error = E;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        match self.key {
            Cow::Borrowed(key) => visitor.visit_borrowed_str(key),
            Cow::Owned(key) => visitor.visit_string(key),
        }
    }

    key_numbers! {
        deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64 deserialize_i128
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64 deserialize_u128
        deserialize_f32 deserialize_f64
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        match &*self.key {
            "true" => visitor.visit_bool(true),
            "false" => visitor.visit_bool(false),
            other => Err(de::Error::invalid_type(Unexpected::Str(other), &visitor)),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        // A key is never null.
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, E> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, E> {
        let key: CowStrDeserializer<'de, E> = self.key.into_deserializer();
        key.deserialize_enum(name, variants, visitor)
    }

    forward_to_deserialize_any! {
        char str string bytes byte_buf unit unit_struct seq tuple tuple_struct map struct
        identifier ignored_any
    }
}

/// A visitor of a number read from a key (read from a string that lives shorter than
/// `'de`, which a number never borrows from).
struct NumberKey<'de, V>(V, PhantomData<&'de ()>);

/// Number visits, forwarded.
macro_rules! forward_visits {
    ($($method:ident($ty:ty))*) => {$(
        fn $method<Err: de::Error>(self, v: $ty) -> Result<Self::Value, Err> {
            self.0.$method(v)
        }
    )*};
}

impl<'any, 'de, V: Visitor<'de>> Visitor<'any> for NumberKey<'de, V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.expecting(f)
    }

    forward_visits! {
        visit_i8(i8) visit_i16(i16) visit_i32(i32) visit_i64(i64) visit_i128(i128)
        visit_u8(u8) visit_u16(u16) visit_u32(u32) visit_u64(u64) visit_u128(u128)
        visit_f32(f32) visit_f64(f64)
    }
}

// ---------------------------------------------------------------------------------------
// Raw text: serde_json's text deserializer, with the few places where it would not act as
// its `&Value` deserializer made to act so. Each wrapper wraps what it hands on (visitors,
// seeds, sequences, maps, enums), so the whole of the text is read through them.

/// A text deserializer (or the deserializer of a part of the text) acting as `&Value`.
struct Text<D>(D);

/// Methods the text deserializer does as `&Value` does: forwarded, the visitor wrapped.
macro_rules! text_forward {
    ($($method:ident($($arg:ident: $ty:ty),*))*) => {$(
        fn $method<V: Visitor<'de>>(self, $($arg: $ty,)* visitor: V) -> Result<V::Value, D::Error> {
            self.0.$method($($arg,)* Wrap(visitor))
        }
    )*};
}

/// Number methods the text deserializer would parse differently (`f32` straight to single
/// precision, 128-bit integers beyond 64 bits): read as `&Value` reads every number.
macro_rules! text_as_number {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
            self.0.deserialize_f64(Wrap(visitor))
        }
    )*};
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Text<D> {
    type Error = D::Error;

    text_forward! {
        deserialize_any() deserialize_bool()
        deserialize_i8() deserialize_i16() deserialize_i32() deserialize_i64()
        deserialize_u8() deserialize_u16() deserialize_u32() deserialize_u64()
        deserialize_f64() deserialize_char() deserialize_str() deserialize_string()
        deserialize_option() deserialize_unit() deserialize_unit_struct(name: &'static str)
        deserialize_seq() deserialize_tuple(len: usize)
        deserialize_tuple_struct(name: &'static str, len: usize)
        deserialize_map()
        deserialize_struct(name: &'static str, fields: &'static [&'static str])
        deserialize_enum(name: &'static str, variants: &'static [&'static str])
        deserialize_identifier() deserialize_ignored_any()
    }

    text_as_number! { deserialize_f32 deserialize_i128 deserialize_u128 }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_any(Bytes(visitor))
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_any(Bytes(visitor))
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        if name == RAW_VALUE_TOKEN {
            // A `RawValue` gets what it gets from a `Value`: the value written out again,
            // not the text as it is in the source.
            let value = Value::deserialize(self.0)?;
            value
                .deserialize_newtype_struct(name, visitor)
                .map_err(de::Error::custom)
        } else {
            self.0.deserialize_newtype_struct(name, Wrap(visitor))
        }
    }

    fn is_human_readable(&self) -> bool {
        self.0.is_human_readable()
    }
}

/// A visitor handed to the text deserializer: what it is given to read on is wrapped.
struct Wrap<V>(V);

/// Visits of plain values, forwarded (with the visit's own error type).
macro_rules! forward_plain_visits {
    ($($method:ident($ty:ty))*) => {$(
        fn $method<Err: de::Error>(self, v: $ty) -> Result<V::Value, Err> {
            self.0.$method(v)
        }
    )*};
}

impl<'de, V: Visitor<'de>> Visitor<'de> for Wrap<V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.expecting(f)
    }

    forward_plain_visits! {
        visit_bool(bool)
        visit_i8(i8) visit_i16(i16) visit_i32(i32) visit_i64(i64) visit_i128(i128)
        visit_u8(u8) visit_u16(u16) visit_u32(u32) visit_u64(u64) visit_u128(u128)
        visit_f32(f32) visit_f64(f64) visit_char(char)
        visit_str(&str) visit_borrowed_str(&'de str) visit_string(String)
        visit_bytes(&[u8]) visit_borrowed_bytes(&'de [u8]) visit_byte_buf(Vec<u8>)
    }

    fn visit_none<Err: de::Error>(self) -> Result<V::Value, Err> {
        self.0.visit_none()
    }

    fn visit_unit<Err: de::Error>(self) -> Result<V::Value, Err> {
        self.0.visit_unit()
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
        self.0.visit_some(Text(d))
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
        self.0.visit_newtype_struct(Text(d))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        self.0.visit_seq(TextSeq(seq))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.0.visit_map(TextMap(map))
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<V::Value, A::Error> {
        self.0.visit_enum(TextEnum(data))
    }
}

/// A seed handed to the text deserializer: it reads through [`Text`].
struct TextSeed<S>(S);

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for TextSeed<S> {
    type Value = S::Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<S::Value, D::Error> {
        self.0.deserialize(Text(d))
    }
}

/// An array of the text.
struct TextSeq<A>(A);

impl<'de, A: SeqAccess<'de>> SeqAccess<'de> for TextSeq<A> {
    type Error = A::Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, A::Error> {
        self.0.next_element_seed(TextSeed(seed))
    }

    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

/// An object of the text: its keys are read as `&Value` reads keys ([`MapKey`]).
struct TextMap<A>(A);

impl<'de, A: MapAccess<'de>> MapAccess<'de> for TextMap<A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        self.0.next_key_seed(KeySeed(seed))
    }

    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, A::Error> {
        self.0.next_value_seed(TextSeed(seed))
    }

    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

/// A key of the text: taken as a string, then read as `&Value` reads a key (the text
/// deserializer would read a number or a bool from the key's raw text, escapes and all).
struct KeySeed<S>(S);

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for KeySeed<S> {
    type Value = S::Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<S::Value, D::Error> {
        let key = d.deserialize_str(Capture)?;
        self.0.deserialize(MapKey::new(key))
    }
}

/// A string, borrowed from the text where it has no escapes.
struct Capture;

impl<'de> Visitor<'de> for Capture {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_borrowed_str<Err: de::Error>(self, v: &'de str) -> Result<Cow<'de, str>, Err> {
        Ok(Cow::Borrowed(v))
    }

    fn visit_str<Err: de::Error>(self, v: &str) -> Result<Cow<'de, str>, Err> {
        Ok(Cow::Owned(v.to_owned()))
    }

    fn visit_string<Err: de::Error>(self, v: String) -> Result<Cow<'de, str>, Err> {
        Ok(Cow::Owned(v))
    }
}

impl<'de> DeserializeSeed<'de> for Capture {
    type Value = Cow<'de, str>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Cow<'de, str>, D::Error> {
        d.deserialize_str(self)
    }
}

/// An enum of the text. Its variant's name is handed on as `&Value` hands it on (a plain
/// string deserializer).
struct TextEnum<A>(A);

impl<'de, A: EnumAccess<'de>> EnumAccess<'de> for TextEnum<A> {
    type Error = A::Error;
    type Variant = TextVariant<A::Variant>;

    fn variant_seed<S: DeserializeSeed<'de>>(
        self,
        seed: S,
    ) -> Result<(S::Value, TextVariant<A::Variant>), A::Error> {
        let (name, variant) = self.0.variant_seed(Capture)?;
        let name_de: StrDeserializer<'_, A::Error> = name.as_ref().into_deserializer();
        let value = seed.deserialize(name_de)?;
        Ok((value, TextVariant(variant)))
    }
}

/// The value of an enum's variant in the text.
struct TextVariant<A>(A);

impl<'de, A: VariantAccess<'de>> VariantAccess<'de> for TextVariant<A> {
    type Error = A::Error;

    fn unit_variant(self) -> Result<(), A::Error> {
        self.0.unit_variant()
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, A::Error> {
        self.0.newtype_variant_seed(TextSeed(seed))
    }

    fn tuple_variant<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, A::Error> {
        self.0.tuple_variant(len, TupleVariant(visitor))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, A::Error> {
        self.0.struct_variant(fields, StructVariant(visitor))
    }
}

/// A tuple variant's array: `&Value` visits an empty one as a unit, and any other array as
/// a sequence. The first element is read (as a `Value`) to learn which, then handed on.
struct TupleVariant<V>(V);

impl<'de, V: Visitor<'de>> Visitor<'de> for TupleVariant<V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.expecting(f)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<V::Value, A::Error> {
        let Some(first) = seq.next_element::<Value>()? else {
            return self.0.visit_unit();
        };
        let mut prefixed = Prefixed {
            first: Some(first),
            rest: TextSeq(seq),
        };
        let value = self.0.visit_seq(&mut prefixed)?;
        // The elements after the first the text deserializer checks itself (its end of
        // the array); the first, read here, must have been taken too.
        if prefixed.first.is_some() {
            return Err(de::Error::custom(
                "invalid length, expected fewer elements in array",
            ));
        }
        Ok(value)
    }
}

/// An array whose first element was read already.
struct Prefixed<A> {
    first: Option<Value>,
    rest: TextSeq<A>,
}

impl<'de, A: SeqAccess<'de>> SeqAccess<'de> for Prefixed<A> {
    type Error = A::Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, A::Error> {
        match self.first.take() {
            Some(first) => seed.deserialize(first).map(Some).map_err(de::Error::custom),
            None => self.rest.next_element_seed(seed),
        }
    }
}

/// A struct variant: `&Value` takes only an object (the text deserializer would take an
/// array too).
struct StructVariant<V>(V);

impl<'de, V: Visitor<'de>> Visitor<'de> for StructVariant<V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.expecting(f)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.0.visit_map(TextMap(map))
    }
}

/// Bytes: `&Value` hands on a string as a string (the text deserializer would hand on its
/// bytes), and an array as a sequence; anything else is refused.
struct Bytes<V>(V);

impl<'de, V: Visitor<'de>> Visitor<'de> for Bytes<V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.expecting(f)
    }

    fn visit_borrowed_str<Err: de::Error>(self, v: &'de str) -> Result<V::Value, Err> {
        self.0.visit_borrowed_str(v)
    }

    fn visit_str<Err: de::Error>(self, v: &str) -> Result<V::Value, Err> {
        self.0.visit_str(v)
    }

    fn visit_string<Err: de::Error>(self, v: String) -> Result<V::Value, Err> {
        self.0.visit_string(v)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        self.0.visit_seq(TextSeq(seq))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node::parse_with;
    use proptest::prelude::*;
    use serde::Deserialize;
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

    /// Deserializes `T` from `text` as a `&Value` and from every form of node (read, raw,
    /// partly opened two ways), asserts they agree (the same value, or all errors), and
    /// says whether it succeeded.
    fn agrees<T: DeserializeOwned + PartialEq + Debug>(text: &str) -> bool {
        let value: Value = serde_json::from_str(text).expect("test text is JSON");
        let expected = T::deserialize(&value);
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
        for (form, node) in [
            ("read", &read),
            ("raw", &raw),
            ("even", &even),
            ("odd", &odd),
        ] {
            match (&expected, from_node::<T>(node)) {
                (Ok(e), Ok(got)) => assert_eq!(*e, got, "{form} node of {text}"),
                (Err(_), Err(_)) => {}
                (e, got) => panic!("{form} node of {text}: Value gives {e:?}, node {got:?}"),
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

    #[derive(Debug, PartialEq, Deserialize)]
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
    fn invalid_raw_text_is_an_error_not_a_panic() {
        for text in ["", "nope", "{", "[1,", "1 2", "\"a", "{\"a\" 1}"] {
            assert!(from_node::<Value>(&Node::Raw(text)).is_err(), "{text}");
            assert!(from_node::<Plain>(&Node::Raw(text)).is_err(), "{text}");
            assert!(from_node::<WithRaw>(&Node::Object(vec![
                ("id".into(), Node::Number(1u8.into())),
                (
                    "raw".into(),
                    Node::Object(vec![("x".into(), Node::Raw(text))])
                ),
            ]))
            .is_err());
        }
        // Text after the value is refused too.
        assert!(from_node::<u8>(&Node::Raw("1 x")).is_err());
        assert!(from_node::<External>(&Node::Raw(r#"{"Unit": null} 1"#)).is_err());
        assert!(from_node::<u8>(&Node::Raw("1")).is_ok());
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
        }
    }
}
