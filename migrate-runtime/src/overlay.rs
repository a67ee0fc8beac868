//! Keeping what no type models: after a typed step, the keys of the original document that
//! the types did not read are put back, at any depth, in the original's key order.
//!
//! Every function here is linear in the size of the trees: each key is looked up once in a
//! hash map, and nothing is removed from the middle of an ordered map (an `IndexMap`
//! `shift_remove` per key would make a big object quadratic).

use std::collections::HashMap;

use serde_json::{Map, Value};

/// Puts back into `typed` what `original` holds and `modeled` (the typed reading of
/// `original`) does not: keys no type models, at any depth, in the original's key order.
///
/// Keys that `modeled` has but `typed` lacks were consumed by the transform (renamed,
/// removed, converted) and are not put back. Keys only `typed` has (new ones) follow the
/// original's keys, in `typed`'s order. Arrays are merged element by element when all three
/// have the same length; otherwise the transform rebuilt the array and `typed` stands.
/// Where `typed` sets a key that the original held unmodeled, `typed` wins.
pub(crate) fn overlay_unknown(typed: Value, original: Value, modeled: &Value) -> Value {
    match overlay(typed, original, modeled, false, &[]) {
        Ok(value) => value,
        // Only a strict overlay reports clashes.
        Err(_) => unreachable!("a lenient overlay has no clashes"),
    }
}

/// [`overlay_unknown`] that refuses to lose data: where `typed` sets a key that the original
/// held unmodeled, with another value (not `null`), the original's value would vanish, and
/// the JSON Pointer of that key is returned instead.
///
/// `renames` are the transform's top-level renames `(old, new)`: the new key takes the old
/// one's place, and what the types did not model inside the old value comes along.
pub(crate) fn overlay_strict(
    typed: Value,
    original: Value,
    modeled: &Value,
    renames: &[(&str, &str)],
) -> Result<Value, String> {
    overlay(typed, original, modeled, true, renames).map_err(|mut segments| {
        segments.reverse();
        segments.iter().fold(String::new(), |mut pointer, segment| {
            pointer.push('/');
            pointer.push_str(&crate::changes::escape_token(segment));
            pointer
        })
    })
}

/// The overlay; a clash (strict only) comes back as the path's segments, innermost first.
fn overlay(
    typed: Value,
    original: Value,
    modeled: &Value,
    strict: bool,
    renames: &[(&str, &str)],
) -> Result<Value, Vec<String>> {
    match (typed, original) {
        (Value::Object(typed), Value::Object(original)) => {
            let mut modeled = modeled.as_object().map(InStep::new);
            let mut typed = Entries::new(typed);
            // Renames that apply here: the old key is in the original, the new one only in
            // the result (else the new key is handled where the original has it).
            let moves: Vec<(&str, &str)> = renames
                .iter()
                .copied()
                .filter(|(old, new)| {
                    original.contains_key(*old)
                        && !original.contains_key(*new)
                        && typed.contains(new)
                })
                .collect();
            let mut out = Map::with_capacity(original.len().max(typed.len()));
            for (key, orig) in original {
                let known = modeled.as_mut().and_then(|m| m.get(&key));
                match typed.find(&key) {
                    Some(slot) => {
                        let t = typed.take(slot);
                        let merged = match known {
                            Some(m) => {
                                overlay(t, orig, m, strict, &[]).map_err(|mut segments| {
                                    segments.push(key.clone());
                                    segments
                                })?
                            }
                            None if strict && !orig.is_null() && orig != t => {
                                return Err(vec![key]);
                            }
                            None => t,
                        };
                        out.insert(key, merged);
                    }
                    None if known.is_none() => {
                        out.insert(key, orig);
                    }
                    None => {
                        let Some(&(_, new)) = moves.iter().find(|(old, _)| *old == key) else {
                            continue;
                        };
                        let (Some(slot), Some(m)) = (typed.find(new), known) else {
                            continue;
                        };
                        let merged = overlay(typed.take(slot), orig, m, strict, &[]).map_err(
                            |mut segments| {
                                segments.push(new.to_owned());
                                segments
                            },
                        )?;
                        out.insert(new.to_owned(), merged);
                    }
                }
            }
            // What `typed` has and nothing took: new keys, after the original's.
            out.extend(typed.untaken());
            Ok(Value::Object(out))
        }
        (Value::Array(typed), Value::Array(original))
            if modeled
                .as_array()
                .is_some_and(|m| m.len() == original.len())
                && typed.len() == original.len() =>
        {
            let modeled = modeled.as_array().map_or(&[][..], Vec::as_slice);
            typed
                .into_iter()
                .zip(original)
                .zip(modeled)
                .enumerate()
                .map(|(index, ((t, o), m))| {
                    overlay(t, o, m, strict, &[]).map_err(|mut segments| {
                        segments.push(index.to_string());
                        segments
                    })
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array)
        }
        (typed, _) => Ok(typed),
    }
}

/// A map's entries in order, found by key without hashing where possible: the entry after
/// the last one found is tried first (a typed reading mostly follows the original's key
/// order), then a scan of a small map, or a hash index of a large one built on the first
/// miss. An entry taken stays findable (holding `null`), as a taken map slot does.
struct Entries {
    entries: Vec<(String, Value, bool)>,
    next: usize,
    index: Option<HashMap<String, usize>>,
}

impl Entries {
    /// Maps this small are scanned: comparing a few keys is cheaper than hashing one.
    const SCAN: usize = 16;

    fn new(map: Map<String, Value>) -> Self {
        Entries {
            entries: map.into_iter().map(|(k, v)| (k, v, false)).collect(),
            next: 0,
            index: None,
        }
    }

    fn len(&self) -> usize {
        self.entries.len()
    }

    fn find(&mut self, key: &str) -> Option<usize> {
        if self.entries.get(self.next).is_some_and(|(k, ..)| k == key) {
            self.next += 1;
            return Some(self.next - 1);
        }
        let found = if self.entries.len() <= Self::SCAN {
            self.entries.iter().position(|(k, ..)| k == key)
        } else {
            let entries = &self.entries;
            self.index
                .get_or_insert_with(|| {
                    entries
                        .iter()
                        .enumerate()
                        .map(|(i, (k, ..))| (k.clone(), i))
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

    fn contains(&self, key: &str) -> bool {
        self.entries.iter().any(|(k, ..)| k == key)
    }

    fn take(&mut self, i: usize) -> Value {
        let (_, value, taken) = &mut self.entries[i];
        *taken = true;
        std::mem::take(value)
    }

    /// The entries nothing took, in order.
    fn untaken(self) -> impl Iterator<Item = (String, Value)> {
        self.entries
            .into_iter()
            .filter(|(.., taken)| !taken)
            .map(|(k, v, _)| (k, v))
    }
}

/// Lookups in `map` for keys that come in about its own order: the entry at the same place
/// is tried first, the hash lookup only when it is another key.
struct InStep<'a> {
    map: &'a Map<String, Value>,
    same_place: serde_json::map::Iter<'a>,
}

impl<'a> InStep<'a> {
    fn new(map: &'a Map<String, Value>) -> Self {
        InStep {
            map,
            same_place: map.iter(),
        }
    }

    fn get(&mut self, key: &str) -> Option<&'a Value> {
        match self.same_place.next() {
            Some((k, value)) if k == key => Some(value),
            _ => self.map.get(key),
        }
    }
}

/// [`overlay_unknown`] where `typed` is itself the typed reading of `original` (a round trip
/// through one version): nothing was consumed, so every key `typed` lacks is put back.
pub(crate) fn restore_unknown(typed: Value, original: Value) -> Value {
    match (typed, original) {
        (Value::Object(mut typed), Value::Object(original)) if same_prefix(&original, &typed) => {
            // The common case (no unknown keys here, the source written in field order):
            // merge into `typed` in place instead of building a new map.
            for (slot, (_, orig)) in typed.values_mut().zip(original) {
                *slot = restore_unknown(std::mem::take(slot), orig);
            }
            Value::Object(typed)
        }
        (Value::Object(typed), Value::Object(original)) => {
            let mut out = Map::with_capacity(original.len().max(typed.len()));
            let mut typed = Entries::new(typed);
            for (key, orig) in original {
                let merged = match typed.find(&key) {
                    Some(slot) => restore_unknown(typed.take(slot), orig),
                    None => orig,
                };
                out.insert(key, merged);
            }
            // Every key of `typed` that the original has was taken: the rest are new.
            out.extend(typed.untaken());
            Value::Object(out)
        }
        (Value::Array(typed), Value::Array(original)) if typed.len() == original.len() => {
            Value::Array(
                typed
                    .into_iter()
                    .zip(original)
                    .map(|(t, o)| restore_unknown(t, o))
                    .collect(),
            )
        }
        (typed, _) => typed,
    }
}

/// Whether [`restore_unknown`]`(typed, original)` equals `original`, decided without
/// building it: the prover's idempotence check, which would otherwise copy the whole
/// result to migrate it again.
///
/// Objects: every key of `typed` is in `original` (keys `typed` lacks are put back from
/// `original`) and each restores to its value there. Arrays of one length: element by
/// element. Anything else: `restore_unknown` gives `typed`, so it must equal `original`.
pub(crate) fn restores_to_itself(typed: &Value, original: &Value) -> bool {
    match (typed, original) {
        (Value::Object(typed), Value::Object(original)) => typed.iter().all(|(key, t)| {
            original
                .get(key)
                .is_some_and(|orig| restores_to_itself(t, orig))
        }),
        (Value::Array(typed), Value::Array(original)) if typed.len() == original.len() => typed
            .iter()
            .zip(original)
            .all(|(t, orig)| restores_to_itself(t, orig)),
        (typed, original) => typed == original,
    }
}

/// Whether `typed` starts with exactly the keys of `original`, in the same order: then the
/// merge keeps the original's order with `typed`'s new keys after it, as the general case
/// would.
fn same_prefix(original: &Map<String, Value>, typed: &Map<String, Value>) -> bool {
    original.len() <= typed.len() && original.keys().zip(typed.keys()).all(|(o, t)| o == t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unknown_keys_come_back_in_the_original_order() {
        let original = json!({"z": 1, "a": {"k": 1, "u": 2}, "m": [{"k": 1, "u": 3}], "b": 2});
        let typed = json!({"a": {"k": 1}, "m": [{"k": 1}], "new": true});
        let modeled = json!({"a": {"k": 1}, "m": [{"k": 1}], "b": 2});
        let out = overlay_unknown(typed, original, &modeled);
        assert_eq!(
            out.to_string(),
            r#"{"z":1,"a":{"k":1,"u":2},"m":[{"k":1,"u":3}],"new":true}"#
        );
    }

    #[test]
    fn a_strict_overlay_refuses_to_replace_an_unknown_value() {
        let original = json!({"a": [{"k": 1, "x/y": "mine"}], "n": null});
        let modeled = json!({"a": [{"k": 1}]});
        let typed = json!({"a": [{"k": 1, "x/y": "theirs"}], "n": 5});
        assert_eq!(
            overlay_strict(typed.clone(), original.clone(), &modeled, &[]),
            Err("/a/0/x~1y".to_owned())
        );
        // The lenient overlay lets the transform win; an unknown `null` is no loss.
        let out = overlay_unknown(typed, original.clone(), &modeled);
        assert_eq!(out.to_string(), r#"{"a":[{"k":1,"x/y":"theirs"}],"n":5}"#);
        let same = json!({"a": [{"k": 1, "x/y": "mine"}], "n": 5});
        let out = overlay_strict(same, original, &modeled, &[]).unwrap();
        assert_eq!(out.to_string(), r#"{"a":[{"k":1,"x/y":"mine"}],"n":5}"#);
    }

    #[test]
    fn restore_keeps_everything_and_appends_defaults() {
        let original = json!({"z": 1, "a": {"k": 1, "u": 2}, "m": [{"k": 1, "u": 3}]});
        let typed = json!({"a": {"k": 1, "d": 0}, "m": [{"k": 1}], "n": 0});
        let expected = r#"{"z":1,"a":{"k":1,"u":2,"d":0},"m":[{"k":1,"u":3}],"n":0}"#;
        assert_eq!(restore_unknown(typed, original).to_string(), expected);
        // Top level in field order (merged in place), an unknown key one level down.
        let original = json!({"a": 1, "b": {"c": 1, "u": 2}});
        let typed = json!({"a": 1, "b": {"c": 1, "e": 0}, "d": 0});
        assert_eq!(
            restore_unknown(typed, original).to_string(),
            r#"{"a":1,"b":{"c":1,"u":2,"e":0},"d":0}"#
        );
    }
}
