//! The document tree the engine works on: JSON read lazily, one level at a time.
//!
//! A [`Node`] is either text of the source not looked at yet ([`Node::Raw`]: a byte span
//! of the file, borrowed), or a value whose first level was read: an object's entries, an
//! array's elements, a scalar. The chain, the overlay of unknown keys, the checks and the
//! canonical hash expand a raw node only where they need to look inside it, and whatever
//! no step needed to open stays a span of the file. A user's unmodeled data (most of a large
//! run state) is never built as a tree, and where the chain leaves a part of the document
//! as it was, the result holds the very span of the source: "unchanged" is then decided by
//! comparing two pointers.
//!
//! Raw text is always valid JSON: [`parse`] validates the whole document (with serde_json,
//! so exactly what a `serde_json::Value` parse accepts, plus no key written twice in one
//! object) before a raw node exists. Every value a [`Node`] stands for is the value that
//! `serde_json::from_str::<Value>` gives for the same text, and the two convert both ways
//! ([`Node::into_value`], [`Node::from_value`]).

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Number, Value};

use crate::scan::container_end;

/// An object key: borrowed from the source unless it had escapes.
pub type Key<'a> = Cow<'a, str>;

/// A JSON value, possibly still unread text of the source.
#[derive(Debug, Clone)]
pub enum Node<'a> {
    /// A value not read yet: valid JSON text, without surrounding whitespace.
    Raw(&'a str),
    /// An object's entries, in document order; no key appears twice.
    Object(Vec<(Key<'a>, Node<'a>)>),
    /// An array's elements.
    Array(Vec<Node<'a>>),
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, as serde_json parses it.
    Number(Number),
    /// A string.
    String(Cow<'a, str>),
}

/// An object's entries.
pub type Entries<'a> = Vec<(Key<'a>, Node<'a>)>;

/// Documents from this size on are read lazily (validated, then kept as raw text opened
/// where needed); smaller ones are read into a tree at once, which costs less for them.
pub const LAZY_FROM: usize = 256 * 1024;

/// Why a document's bytes are not a JSON document the engine accepts: serde_json's own
/// message (with line and column), or a key written twice in one object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError(pub String);

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Reads a document: a tree for a small one, validated raw text for a large one (from
/// [`LAZY_FROM`] bytes on).
pub fn parse(bytes: &[u8]) -> Result<Node<'_>, ParseError> {
    parse_with(bytes, bytes.len() >= LAZY_FROM)
}

/// [`parse`], choosing the form: `lazy` keeps the validated text raw.
pub fn parse_with(bytes: &[u8], lazy: bool) -> Result<Node<'_>, ParseError> {
    if lazy {
        validate(bytes)?;
        // Valid JSON is UTF-8.
        let text = std::str::from_utf8(bytes).map_err(|e| ParseError(e.to_string()))?;
        // Every use of a document starts at its root: its first level is read at once.
        Ok(Node::Raw(text.trim_matches(is_json_space)).into_open())
    } else {
        let mut de = serde_json::Deserializer::from_slice(bytes);
        let node = Build.deserialize(&mut de).map_err(json_error)?;
        de.end().map_err(json_error)?;
        Ok(node)
    }
}

/// Checks that `bytes` is one JSON document serde_json accepts, with no key written twice
/// in any object, without building anything.
pub fn validate(bytes: &[u8]) -> Result<(), ParseError> {
    // Most documents are certainly valid at a glance; serde_json decides the rest, and
    // says why it refuses.
    if crate::quick_check::certainly_valid(bytes) {
        return Ok(());
    }
    let mut keys = Vec::new();
    // Text already known to be UTF-8 is read as a `str`: serde_json then does not check
    // each string's UTF-8 again (the same verdicts and messages otherwise; bytes that are
    // not UTF-8 are read as bytes, for serde_json's message about them).
    match std::str::from_utf8(bytes) {
        Ok(text) => check_all(serde_json::Deserializer::from_str(text), &mut keys),
        Err(_) => check_all(serde_json::Deserializer::from_slice(bytes), &mut keys),
    }
}

/// [`Check`] of the one value `de` reads, and nothing after it.
fn check_all<'de, R: serde_json::de::Read<'de>>(
    mut de: serde_json::Deserializer<R>,
    keys: &mut Vec<Key<'de>>,
) -> Result<(), ParseError> {
    Check { keys }.deserialize(&mut de).map_err(json_error)?;
    de.end().map_err(json_error)
}

fn json_error(e: serde_json::Error) -> ParseError {
    ParseError(e.to_string())
}

fn is_json_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

impl<'a> Node<'a> {
    /// The node's shape: its objects (keys) and arrays (lengths) as they are, every scalar
    /// `null` (its string freed). Raw text is opened to get it.
    pub fn into_shape(mut self) -> Node<'a> {
        self.shape_in_place();
        self
    }

    fn shape_in_place(&mut self) {
        if let Node::Raw(text) = self {
            *self = open_raw(text);
        }
        match self {
            Node::Object(entries) => entries.iter_mut().for_each(|(_, v)| v.shape_in_place()),
            Node::Array(items) => items.iter_mut().for_each(Node::shape_in_place),
            _ => *self = Node::Null,
        }
    }

    /// The node with its first level read: a raw node is opened (its children stay raw);
    /// any other node is returned as it is.
    pub fn open(&self) -> Cow<'_, Node<'a>> {
        match self {
            Node::Raw(text) => Cow::Owned(open_raw(text)),
            other => Cow::Borrowed(other),
        }
    }

    /// [`Node::open`], by value.
    pub fn into_open(self) -> Node<'a> {
        match self {
            Node::Raw(text) => open_raw(text),
            other => other,
        }
    }

    /// True for `null` (read or raw).
    pub fn is_null(&self) -> bool {
        matches!(self, Node::Null | Node::Raw("null"))
    }

    /// True for an object (read or raw).
    pub fn is_object(&self) -> bool {
        match self {
            Node::Object(_) => true,
            Node::Raw(text) => text.starts_with('{'),
            _ => false,
        }
    }

    /// The same value, fully built as a `serde_json::Value`.
    pub fn into_value(self) -> Value {
        match self {
            // Raw text is validated JSON; were it not (a document whose validation is still
            // running on another thread), the value is a placeholder the caller discards.
            Node::Raw(text) => serde_json::from_str(text).unwrap_or(Value::Null),
            Node::Object(entries) => Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k.into_owned(), v.into_value()))
                    .collect(),
            ),
            Node::Array(items) => Value::Array(items.into_iter().map(Node::into_value).collect()),
            Node::Null => Value::Null,
            Node::Bool(b) => Value::Bool(b),
            Node::Number(n) => Value::Number(n),
            Node::String(s) => Value::String(s.into_owned()),
        }
    }

    /// [`Node::into_value`] of a copy.
    pub fn to_value(&self) -> Value {
        self.clone().into_value()
    }

    /// The node of a `serde_json::Value` (every level read, nothing copied).
    pub fn from_value(value: Value) -> Node<'static> {
        match value {
            Value::Null => Node::Null,
            Value::Bool(b) => Node::Bool(b),
            Value::Number(n) => Node::Number(n),
            Value::String(s) => Node::String(Cow::Owned(s)),
            Value::Array(items) => Node::Array(items.into_iter().map(Node::from_value).collect()),
            Value::Object(map) => Node::Object(
                map.into_iter()
                    .map(|(k, v)| (Cow::Owned(k), Node::from_value(v)))
                    .collect(),
            ),
        }
    }

    /// What kind of JSON value this is, for messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Node::Raw(text) => match text.as_bytes().first() {
                Some(b'{') => "an object",
                Some(b'[') => "an array",
                Some(b'"') => "a string",
                Some(b't' | b'f') => "a boolean",
                Some(b'n') => "null",
                _ => "a number",
            },
            Node::Object(_) => "an object",
            Node::Array(_) => "an array",
            Node::Null => "null",
            Node::Bool(_) => "a boolean",
            Node::Number(_) => "a number",
            Node::String(_) => "a string",
        }
    }
}

/// Two nodes that are the same text of the source (the same span, or equal text) are
/// equal without being read. Otherwise as `serde_json::Value`'s equality: objects equal
/// whatever their key order, numbers by serde_json's `Number` equality.
impl PartialEq for Node<'_> {
    fn eq(&self, other: &Self) -> bool {
        if let (Node::Raw(a), Node::Raw(b)) = (self, other) {
            if same_text(a, b) {
                return true;
            }
        }
        match (&*self.open(), &*other.open()) {
            (Node::Object(a), Node::Object(b)) => objects_eq(a, b),
            (Node::Array(a), Node::Array(b)) => a == b,
            (Node::Null, Node::Null) => true,
            (Node::Bool(a), Node::Bool(b)) => a == b,
            (Node::Number(a), Node::Number(b)) => a == b,
            (Node::String(a), Node::String(b)) => a == b,
            _ => false,
        }
    }
}

/// Serializes as the value it stands for (raw text opened level by level as it goes), so
/// that a writer can stop early without the rest being read.
impl Serialize for Node<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match &*self.open() {
            Node::Object(entries) => {
                let mut map = serializer.serialize_map(Some(entries.len()))?;
                for (key, value) in entries {
                    map.serialize_entry(key.as_ref(), value)?;
                }
                map.end()
            }
            Node::Array(items) => serializer.collect_seq(items),
            Node::Null => serializer.serialize_unit(),
            Node::Bool(b) => serializer.serialize_bool(*b),
            Node::Number(n) => n.serialize(serializer),
            Node::String(text) => serializer.serialize_str(text),
            // `open` never gives raw text back.
            Node::Raw(_) => serializer.serialize_unit(),
        }
    }
}

/// Whether two texts are the same span of one buffer (decided without reading them), or
/// equal text.
pub fn same_text(a: &str, b: &str) -> bool {
    (std::ptr::eq(a.as_ptr(), b.as_ptr()) && a.len() == b.len()) || a == b
}

/// Objects equal whatever their key order (keys are unique in each).
pub fn objects_eq(a: &[(Key<'_>, Node<'_>)], b: &[(Key<'_>, Node<'_>)]) -> bool {
    a.len() == b.len() && {
        let mut b = Lookup::new(b);
        a.iter().all(|(k, v)| b.get(k).is_some_and(|w| v == w))
    }
}

/// A node and a `serde_json::Value` are equal when the node stands for that value.
impl PartialEq<Value> for Node<'_> {
    fn eq(&self, other: &Value) -> bool {
        match (&*self.open(), other) {
            (Node::Object(a), Value::Object(b)) => {
                a.len() == b.len()
                    && a.iter()
                        .all(|(k, v)| b.get(k.as_ref()).is_some_and(|w| v == w))
            }
            (Node::Array(a), Value::Array(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y)
            }
            (Node::Null, Value::Null) => true,
            (Node::Bool(a), Value::Bool(b)) => a == b,
            (Node::Number(a), Value::Number(b)) => a == b,
            (Node::String(a), Value::String(b)) => a == b,
            _ => false,
        }
    }
}

/// Where to look for keys in an object's entries, when they mostly come in the object's own
/// order: the entry after the last one found is tried first, then a scan of a small object,
/// or a hash index of a large one, built on the first miss. The entries are passed to each
/// lookup, so that their owner may change their values between lookups (not their keys).
#[derive(Default)]
pub struct KeySearch {
    next: usize,
    index: Option<std::collections::HashMap<String, usize>>,
}

impl KeySearch {
    /// Objects this small are scanned: comparing a few keys is cheaper than hashing one.
    const SCAN: usize = 16;

    /// The position of `key` in `entries` (always the same entries' keys).
    pub fn position<V>(&mut self, entries: &[(Key<'_>, V)], key: &str) -> Option<usize> {
        if entries
            .get(self.next)
            .is_some_and(|(k, _)| k.as_ref() == key)
        {
            self.next += 1;
            return Some(self.next - 1);
        }
        let found = if entries.len() <= Self::SCAN {
            entries.iter().position(|(k, _)| k.as_ref() == key)
        } else {
            self.index
                .get_or_insert_with(|| {
                    entries
                        .iter()
                        .enumerate()
                        .map(|(i, (k, _))| (k.to_string(), i))
                        .collect()
                })
                .get(key)
                .copied()
        };
        if let Some(i) = found {
            self.next = i + 1;
        }
        found
    }
}

/// [`KeySearch`] over entries that are only read.
pub struct Lookup<'e, 'a> {
    entries: &'e [(Key<'a>, Node<'a>)],
    search: KeySearch,
}

impl<'e, 'a> Lookup<'e, 'a> {
    /// Lookups in `entries`.
    pub fn new(entries: &'e [(Key<'a>, Node<'a>)]) -> Self {
        Lookup {
            entries,
            search: KeySearch::default(),
        }
    }

    /// The value of `key`.
    pub fn get(&mut self, key: &str) -> Option<&'e Node<'a>> {
        self.search
            .position(self.entries, key)
            .map(|i| &self.entries[i].1)
    }
}

/// The value under `key` in an object's entries (a linear scan: for one lookup).
pub fn get<'e, 'a>(entries: &'e [(Key<'a>, Node<'a>)], key: &str) -> Option<&'e Node<'a>> {
    entries.iter().find(|(k, _)| k == key).map(|(_, v)| v)
}

// ---------------------------------------------------------------------------------------
// Opening raw text. The text is valid JSON (validated by `parse`), so the scan only finds
// where things are; should it ever meet something else, it stops where it is rather than
// panic or loop (and the value it gives is then wrong, never unsafe).

/// Reads the first level of `text`.
fn open_raw(text: &str) -> Node<'_> {
    let bytes = text.as_bytes();
    match bytes.first() {
        Some(b'{') => Node::Object(open_object(text)),
        Some(b'[') => Node::Array(open_array(text)),
        Some(b'"') => Node::String(string_at(text, 0, bytes.len())),
        Some(b't') => Node::Bool(true),
        Some(b'f') => Node::Bool(false),
        Some(b'n') => Node::Null,
        _ => match serde_json::from_str::<Number>(text) {
            Ok(n) => Node::Number(n),
            Err(_) => Node::Null,
        },
    }
}

fn open_object(text: &str) -> Entries<'_> {
    raw_entries(text).collect()
}

/// The entries of the raw object `text`, one at a time (nothing is collected: a check that
/// only reads them allocates nothing). Empty if `text` is not an object.
pub fn raw_entries(text: &str) -> RawEntries<'_> {
    let bytes = text.as_bytes();
    let at = if bytes.first() == Some(&b'{') {
        skip_space(bytes, 1)
    } else {
        bytes.len()
    };
    RawEntries { text, at }
}

/// The iterator of [`raw_entries`].
pub struct RawEntries<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Iterator for RawEntries<'a> {
    type Item = (Key<'a>, Node<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        let (text, bytes) = (self.text, self.text.as_bytes());
        let mut i = self.at;
        if bytes.get(i) != Some(&b'"') {
            self.at = bytes.len();
            return None;
        }
        let key_end = string_end(bytes, i);
        let key = string_at(text, i, key_end);
        i = skip_space(bytes, key_end);
        if bytes.get(i) != Some(&b':') {
            self.at = bytes.len();
            return None;
        }
        i = skip_space(bytes, i + 1);
        let (end, child) = child_at(text, i);
        i = skip_space(bytes, end);
        self.at = match bytes.get(i) {
            Some(b',') => skip_space(bytes, i + 1),
            _ => bytes.len(),
        };
        Some((key, child))
    }
}

fn open_array(text: &str) -> Vec<Node<'_>> {
    let bytes = text.as_bytes();
    let mut items = Vec::new();
    let mut i = skip_space(bytes, 1);
    if bytes.get(i) == Some(&b']') {
        return items;
    }
    while i < bytes.len() {
        let end = value_end(bytes, i);
        if end == i {
            break;
        }
        items.push(Node::Raw(text.get(i..end).unwrap_or_default()));
        i = skip_space(bytes, end);
        match bytes.get(i) {
            Some(b',') => i = skip_space(bytes, i + 1),
            _ => break,
        }
    }
    items
}

/// The string whose opening quote is at `start` and that ends (after its closing quote) at
/// `end`: borrowed when it has no escapes.
pub(crate) fn string_at(text: &str, start: usize, end: usize) -> Cow<'_, str> {
    let quoted = text.get(start..end).unwrap_or_default();
    let inner = quoted.strip_prefix('"').unwrap_or(quoted);
    let inner = inner.strip_suffix('"').unwrap_or(inner);
    if inner.contains('\\') {
        Cow::Owned(serde_json::from_str(quoted).unwrap_or_default())
    } else {
        Cow::Borrowed(inner)
    }
}

pub(crate) fn skip_space(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() && matches!(bytes[i], b' ' | b'\t' | b'\n' | b'\r') {
        i += 1;
    }
    i
}

/// Where the string whose opening quote is at `start` ends (just past its closing quote).
///
/// Most strings of a document are short (keys, ids): a plain loop finds their end sooner
/// than a vectorised search is set up; past the first few bytes, memchr takes over.
pub(crate) fn string_end(bytes: &[u8], start: usize) -> usize {
    const SHORT: usize = 24;
    let mut i = start + 1;
    let short_end = bytes.len().min(i + SHORT);
    while i < short_end {
        match bytes[i] {
            b'"' => return i + 1,
            b'\\' => i += 2,
            _ => i += 1,
        }
    }
    while let Some(found) = memchr::memchr2(b'"', b'\\', bytes.get(i..).unwrap_or_default()) {
        let at = i + found;
        if bytes[at] == b'"' {
            return at + 1;
        }
        i = at + 2;
    }
    bytes.len()
}

/// An array child this large is returned already opened (its elements raw) when its
/// elements are large enough: the scan that finds where the array ends passes over their
/// boundaries anyway, and every step that looks inside the array (the merge, the checks)
/// would otherwise scan all of it again to split it.
pub(crate) const OPEN_ARRAYS_FROM: usize = 64 * 1024;

/// Elements smaller than this on average (a long array of numbers) are left raw: a node
/// per element would take more memory than their text.
pub(crate) const OPEN_ELEMENTS_FROM: usize = 64;

/// The child value starting at `start` in `text`, and where it ends: raw text, or a large
/// array of large elements opened one level (see [`OPEN_ARRAYS_FROM`]).
fn child_at(text: &str, start: usize) -> (usize, Node<'_>) {
    let bytes = text.as_bytes();
    if bytes.get(start) != Some(&b'[') {
        let end = value_end(bytes, start);
        return (end, Node::Raw(text.get(start..end).unwrap_or_default()));
    }
    let mut commas = Some(Vec::new());
    let end = container_end(bytes, start, &mut commas);
    let raw = Node::Raw(text.get(start..end).unwrap_or_default());
    let len = end - start;
    let Some(commas) = commas else {
        return (end, raw);
    };
    if len < OPEN_ARRAYS_FROM || (commas.len() + 1) * OPEN_ELEMENTS_FROM > len {
        return (end, raw);
    }
    let mut items = Vec::with_capacity(commas.len() + 1);
    let mut from = start + 1;
    for to in commas.into_iter().chain(std::iter::once(end - 1)) {
        let element = text
            .get(from..to)
            .unwrap_or_default()
            .trim_matches(is_json_space);
        if element.is_empty() {
            // Not the array of elements it should be (never, once validated).
            return (end, raw);
        }
        items.push(Node::Raw(element));
        from = to + 1;
    }
    (end, Node::Array(items))
}

/// Where the value starting at `start` ends.
pub(crate) fn value_end(bytes: &[u8], start: usize) -> usize {
    match bytes.get(start) {
        Some(b'"') => string_end(bytes, start),
        Some(b'{' | b'[') => container_end(bytes, start, &mut None),
        Some(_) => {
            let mut i = start;
            while i < bytes.len()
                && !matches!(bytes[i], b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r')
            {
                i += 1;
            }
            i
        }
        None => start,
    }
}

// ---------------------------------------------------------------------------------------
// Reading with serde_json: a tree (`Build`) or only a check (`Check`), both refusing a key
// written twice in one object (serde_json's own `Value` would keep the last silently).

/// Keys seen in one object: scanned while few, hashed once many.
struct SeenKeys<'de> {
    list: Vec<Key<'de>>,
    set: Option<HashSet<Key<'de>>>,
}

impl<'de> SeenKeys<'de> {
    const SCAN: usize = 16;

    fn new() -> Self {
        SeenKeys {
            list: Vec::new(),
            set: None,
        }
    }

    /// Records `key`; false if it was seen already.
    fn insert(&mut self, key: Key<'de>) -> bool {
        if let Some(set) = &mut self.set {
            return set.insert(key);
        }
        if self.list.contains(&key) {
            return false;
        }
        self.list.push(key);
        if self.list.len() > Self::SCAN {
            self.set = Some(self.list.drain(..).collect());
        }
        true
    }
}

fn duplicate<E: de::Error>(key: &str) -> E {
    E::custom(format_args!(
        "the key `{key}` is written twice in one object (one of its values would be lost)"
    ))
}

/// An object key, borrowed from the input when it has no escapes.
struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Key<'de>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Key<'de>, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Key<'de>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object key")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
        Ok(Cow::Borrowed(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
        Ok(Cow::Owned(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Key<'de>, E> {
        Ok(Cow::Owned(v))
    }
}

/// Builds a [`Node`] tree with every level read.
struct Build;

impl<'de> DeserializeSeed<'de> for Build {
    type Value = Node<'de>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Node<'de>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Build {
    type Value = Node<'de>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_unit<E>(self) -> Result<Node<'de>, E> {
        Ok(Node::Null)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Node<'de>, E> {
        Ok(Node::Bool(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Node<'de>, E> {
        Ok(Node::Number(v.into()))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Node<'de>, E> {
        Ok(Node::Number(v.into()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Node<'de>, E> {
        // As serde_json's `Value`: a non-finite float is null (the parser never makes one).
        Ok(Number::from_f64(v).map_or(Node::Null, Node::Number))
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Node<'de>, E> {
        Ok(Node::String(Cow::Borrowed(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Node<'de>, E> {
        Ok(Node::String(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E>(self, v: String) -> Result<Node<'de>, E> {
        Ok(Node::String(Cow::Owned(v)))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node<'de>, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(Build)? {
            items.push(item);
        }
        Ok(Node::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node<'de>, A::Error> {
        let mut entries: Entries<'de> = Vec::new();
        let mut seen = SeenKeys::new();
        while let Some(key) = map.next_key_seed(KeySeed)? {
            if !seen.insert(key.clone()) {
                return Err(duplicate(&key));
            }
            let value = map.next_value_seed(Build)?;
            entries.push((key, value));
        }
        Ok(Node::Object(entries))
    }
}

/// Reads every token, builds nothing but the keys of the object being read.
/// A validation: every value read (strings unescaped, numbers parsed: what a `Value`
/// parse refuses, it refuses), nothing kept but the keys of the objects open on the way
/// down, on one stack for the whole document (no list per object).
struct Check<'k, 'de> {
    keys: &'k mut Vec<Key<'de>>,
}

impl<'de> DeserializeSeed<'de> for Check<'_, 'de> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Check<'_, 'de> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_borrowed_str<E>(self, _: &'de str) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq
            .next_element_seed(Check {
                keys: &mut *self.keys,
            })?
            .is_some()
        {}
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        // This object's keys are the stack's top; a long object's are hashed as well.
        let base = self.keys.len();
        let mut set: Option<HashSet<Key<'de>>> = None;
        while let Some(key) = map.next_key_seed(KeySeed)? {
            let seen = match &mut set {
                Some(set) => !set.insert(key.clone()),
                None => self.keys[base..].contains(&key),
            };
            if seen {
                return Err(duplicate(&key));
            }
            if set.is_none() && self.keys.len() - base >= SeenKeys::SCAN {
                set = Some(
                    self.keys[base..]
                        .iter()
                        .cloned()
                        .chain([key.clone()])
                        .collect(),
                );
            }
            self.keys.push(key);
            map.next_value_seed(Check {
                keys: &mut *self.keys,
            })?;
        }
        self.keys.truncate(base);
        Ok(())
    }
}

/// The entries of a `serde_json` map as a node's (for code that holds a `Map`).
pub fn entries_of(map: Map<String, Value>) -> Entries<'static> {
    map.into_iter()
        .map(|(k, v)| (Cow::Owned(k), Node::from_value(v)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const DOC: &str = r#" {"a": [1, 2.5, -3, {"b\n": "c\u00e9", "d": null}], "e": true,
        "f": {"g": [], "h": {}}, "i": "x\"y", "j": 1e400 } "#;

    fn both(text: &str) -> [Node<'_>; 2] {
        [
            parse_with(text.as_bytes(), false).unwrap(),
            parse_with(text.as_bytes(), true).unwrap(),
        ]
    }

    #[test]
    fn both_forms_hold_the_value_serde_json_reads() {
        let expected: Value = serde_json::from_str(DOC).unwrap_or(Value::Null);
        // 1e400 is out of range for serde_json: the document is refused in both forms.
        assert_eq!(expected, Value::Null);
        let doc = DOC.replace("1e400", "1e300");
        let expected: Value = serde_json::from_str(&doc).unwrap();
        for node in both(&doc) {
            assert_eq!(node.clone().into_value(), expected);
            assert_eq!(node, Node::from_value(expected.clone()));
        }
        assert!(parse_with(DOC.as_bytes(), true).is_err());
        assert!(parse_with(DOC.as_bytes(), false).is_err());
    }

    #[test]
    fn opening_raw_text_reads_one_level() {
        let doc = r#"{"k": [1, {"x": 2}], "s": "a\"b", "n": -1.5e3}"#;
        let node = parse_with(doc.as_bytes(), true).unwrap();
        let Node::Object(entries) = node.into_open() else {
            panic!("an object")
        };
        assert_eq!(entries.len(), 3);
        assert!(matches!(entries[0].1, Node::Raw(r#"[1, {"x": 2}]"#)));
        assert_eq!(
            entries[1].1.open().into_owned(),
            Node::String("a\"b".into())
        );
        assert_eq!(entries[2].1.open().into_owned().into_value(), json!(-1.5e3));
    }

    #[test]
    fn large_arrays_of_large_elements_come_opened() {
        let element = format!(
            r#"{{"id": "x", "pad": "{}", "n": [1, 2]}}"#,
            "p".repeat(100)
        );
        let big: Vec<String> = (0..1000).map(|_| element.clone()).collect();
        let numbers: Vec<String> = (0..40_000).map(|i| i.to_string()).collect();
        let doc = format!(
            r#"{{"big": [{}], "numbers": [{}], "small": [{element}]}}"#,
            big.join(", "),
            numbers.join(",")
        );
        let node = parse_with(doc.as_bytes(), true).unwrap();
        let Node::Object(entries) = &node else {
            panic!("an object")
        };
        assert!(
            matches!(&entries[0].1, Node::Array(items) if items.len() == 1000
            && items.iter().all(|i| matches!(i, Node::Raw(t) if *t == element)))
        );
        assert!(
            matches!(entries[1].1, Node::Raw(_)),
            "small elements stay raw"
        );
        assert!(
            matches!(entries[2].1, Node::Raw(_)),
            "a small array stays raw"
        );
        let expected: Value = serde_json::from_str(&doc).unwrap();
        assert_eq!(node.into_value(), expected);
    }

    #[test]
    fn a_shape_keeps_keys_and_lengths_only() {
        let text = r#"{"a": "x", "b": [1, {"c": true}], "d": null, "e": {}}"#;
        let shape = Node::Raw(text).into_shape().into_value();
        assert_eq!(
            shape,
            serde_json::json!({"a": null, "b": [null, {"c": null}], "d": null, "e": {}})
        );
    }

    #[test]
    fn a_key_written_twice_is_refused_in_both_forms() {
        for text in [
            r#"{"a": 1, "a": 2}"#,
            r#"{"x": [{"k": 1, "b": 0, "k": 2}]}"#,
        ] {
            for lazy in [false, true] {
                let err = parse_with(text.as_bytes(), lazy).unwrap_err();
                assert!(err.0.contains("written twice"), "{err}");
            }
        }
        // Many keys: the hashed set finds it too.
        let mut text = String::from("{");
        for i in 0..40 {
            text.push_str(&format!("\"k{i}\": {i},"));
        }
        text.push_str("\"k7\": 0}");
        for lazy in [false, true] {
            assert!(parse_with(text.as_bytes(), lazy).is_err());
        }
        // The same key in two objects is fine.
        assert!(parse_with(br#"{"a": {"k": 1}, "b": {"k": 1}}"#, true).is_ok());
    }

    /// The validation keeps the keys of the objects open on the way down on one stack: a
    /// key is compared with its own object's keys only, whatever came before or inside.
    #[test]
    fn keys_are_compared_within_their_own_object_only() {
        let mut long = String::from("{");
        for i in 0..40 {
            long.push_str(&format!("\"k{i}\": {{\"k{i}\": [{{\"k0\": 1}}]}},"));
        }
        long.push_str("\"end\": 0}");
        let valid = [
            r#"{"a": {"a": {"a": 1}}, "b": [{"a": 1}, {"a": 2}], "c": {"b": 1}}"#,
            r#"[{"k": 1}, {"k": 1}, [{"k": {"k": 1}}]]"#,
            r#"{"\u0061": 1, "b": 2}"#,
            long.as_str(),
        ];
        for text in valid {
            assert_eq!(validate(text.as_bytes()), Ok(()), "{text}");
        }
        let refused = [
            // After a nested object with other keys, the outer object's own keys count.
            r#"{"a": {"x": 1, "y": {"z": 1}}, "b": 2, "a": 3}"#,
            // An escaped key is the key it stands for.
            r#"{"a": 1, "\u0061": 2}"#,
            // Deep inside a long object's values.
            &long.replace("[{\"k0\": 1}]", "[{\"k0\": 1, \"k0\": 2}]"),
        ];
        for text in refused {
            let err = validate(text.as_bytes()).unwrap_err();
            assert!(err.0.contains("is written twice"), "{text}: {err}");
        }
    }

    /// Bytes that are not UTF-8 get serde_json's own message, with its position.
    #[test]
    fn bytes_that_are_not_utf8_get_serde_jsons_message() {
        let bytes = b"{\"a\": \"\xff\"}";
        let want = serde_json::from_slice::<Value>(bytes)
            .unwrap_err()
            .to_string();
        assert_eq!(validate(bytes), Err(ParseError(want)));
    }

    proptest::proptest! {
        /// Raw text is validated before it is opened; should anything else ever be opened,
        /// the scan must still end without a panic.
        #[test]
        fn opening_any_text_never_panics(text in "[\\[\\]{}\",:\\\\ a0-9tfnué.eE+-]{0,40}") {
            let node = Node::Raw(&text);
            let opened = node.open().into_owned();
            if let Node::Object(entries) = &opened {
                for (_, child) in entries {
                    let _ = child.open();
                }
            }
            if let Node::Array(items) = &opened {
                for child in items {
                    let _ = child.open();
                }
            }
        }
    }

    #[test]
    fn equal_values_compare_equal_whatever_their_text() {
        let a = parse_with(br#"{"x": [1, {"y": "z", "w": 2}]}"#, true).unwrap();
        let b = parse_with(br#"{ "x" : [ 1 , { "w" : 2 , "y" : "z" } ] }"#, true).unwrap();
        let c = parse_with(br#"{"x": [1, {"y": "z", "w": 2.0}]}"#, true).unwrap();
        assert_eq!(a, b);
        // As serde_json: 2 and 2.0 are different numbers.
        assert_ne!(a, c);
    }
}
