//! `appendOnly` read straight from the source's bytes, with no tree of the source.
//!
//! The chain consumes the one parsed tree of the source; the prover keeps the bytes (a
//! fraction of a tree's size) and walks them here with serde, looking each source value up
//! in the result as it streams by. Strings are compared where they lie in the buffer,
//! numbers and other scalars are built exactly as `serde_json::Value` builds them and
//! compared with the tree check's own `scalar_eq`.
//!
//! The walk only ever answers "nothing to report": at the first finding, or at a top-level
//! key written twice (the tree keeps only the last of duplicates), it stops, and the
//! caller runs the tree check on a fresh parse, which lists the findings exactly as before.
//! Nothing to report here means nothing to report there: every value the tree keeps is one
//! the walk compared.

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

use super::{push_token, scalar_eq, trace_key, Fate, Proof};
use crate::contract::Edge;

/// True when every leaf of the source in `bytes` is in `result` as `appendOnly` requires;
/// the declared losses are then in `proof.losses`. False when the walk stopped (there is
/// something to report, or a top-level key repeats): `proof` is then to be discarded.
pub(super) fn append_only_holds(
    bytes: &[u8],
    version_key: &str,
    result: &Map<String, Value>,
    edges: &[&'static Edge],
    proof: &mut Proof,
) -> bool {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let top = Top {
        version_key,
        result,
        edges,
        proof,
    };
    top.deserialize(&mut de).is_ok() && de.end().is_ok()
}

/// The walk stopped: not an error of the document, a signal to the caller.
fn stop<E: de::Error>() -> E {
    E::custom("appendOnly needs the full check")
}

struct Top<'a> {
    version_key: &'a str,
    result: &'a Map<String, Value>,
    edges: &'a [&'static Edge],
    proof: &'a mut Proof,
}

impl<'de> DeserializeSeed<'de> for Top<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Top<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen: HashSet<Cow<'de, str>> = HashSet::new();
        while let Some(key) = map.next_key_seed(KeySeed)? {
            if key == self.version_key {
                map.next_value::<IgnoredAny>()?;
            } else {
                let mut pointer = String::new();
                push_token(&mut pointer, &key);
                match trace_key(&key, self.edges, &pointer, self.proof) {
                    Fate::Removed | Fate::Converted => {
                        map.next_value::<IgnoredAny>()?;
                    }
                    Fate::Kept(name) => {
                        map.next_value_seed(Leaf(self.result.get(&name)))?;
                    }
                }
            }
            if !seen.insert(key) {
                return Err(stop());
            }
        }
        Ok(())
    }
}

/// An object key, borrowed from the buffer where it has no escapes.
struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Cow<'de, str>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(KeySeed)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v))
    }
}

/// A source value and where it must be in the result (`None`: missing there).
struct Leaf<'r>(Option<&'r Value>);

impl<'de> DeserializeSeed<'de> for Leaf<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        match self.0 {
            Some(result) => deserializer.deserialize_any(Within(result)),
            None => Err(stop()),
        }
    }
}

/// Compares the source value being read with `self.0`, as `contained` does.
struct Within<'r>(&'r Value);

impl Within<'_> {
    fn scalar<E: de::Error>(&self, source: Value) -> Result<(), E> {
        if scalar_eq(&source, self.0) {
            Ok(())
        } else {
            Err(stop())
        }
    }
}

impl<'de> Visitor<'de> for Within<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        self.scalar(Value::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        self.scalar(Value::from(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        self.scalar(Value::from(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        self.scalar(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        // `scalar_eq` of two strings is string equality: compared in place, no copy.
        match self.0 {
            Value::String(r) if r == v => Ok(()),
            _ => Err(stop()),
        }
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.scalar(Value::Null)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let Value::Object(result) = self.0 else {
            return Err(stop());
        };
        // The source's keys mostly come in the result's order: the key at the same place is
        // tried before the hash lookup.
        let mut same_place = result.iter();
        while let Some(key) = map.next_key_seed(KeySeed)? {
            let found = match same_place.next() {
                Some((k, value)) if *k == *key => Some(value),
                _ => result.get(key.as_ref()),
            };
            map.next_value_seed(Leaf(found))?;
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let Value::Array(result) = self.0 else {
            return Err(stop());
        };
        let mut index = 0;
        while seq.next_element_seed(Leaf(result.get(index)))?.is_some() {
            index += 1;
        }
        Ok(())
    }
}
