//! Keeping what no type models: after a typed step, the keys of the original document that
//! the types did not read are put back, at any depth, in the original's key order.
//!
//! The original is a [`Node`]: where the typed value reads a part of it again unchanged,
//! the merge gives back the original's own raw text for that part (an unknown subtree, or a
//! whole array of tasks the chain did not touch, stays a span of the source, never built).
//! Every function here is linear in the size of what it opens: each key is looked up once,
//! and nothing is removed from the middle of a list.

use std::borrow::Cow;

use crate::node::{
    skip_space, string_at, string_end, value_end, Entries, Key, KeySearch, Lookup, Node,
};

/// Puts back into `typed` what `original` holds and `modeled` (the typed reading of
/// `original`) does not: keys no type models, at any depth, in the original's key order.
///
/// Keys that `modeled` has but `typed` lacks were consumed by the transform (renamed,
/// removed, converted) and are not put back. Keys only `typed` has (new ones) follow the
/// original's keys, in `typed`'s order. Arrays are merged element by element when all three
/// have the same length; otherwise the transform rebuilt the array and `typed` stands.
/// Where `typed` sets a key that the original held unmodeled, `typed` wins.
pub(crate) fn overlay_unknown<'a>(
    typed: Node<'a>,
    original: Node<'a>,
    modeled: &Node<'_>,
) -> Node<'a> {
    match overlay(typed, original, modeled, false, &[]) {
        Ok((value, _)) => value,
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
pub(crate) fn overlay_strict<'a>(
    typed: Node<'a>,
    original: Node<'a>,
    modeled: &Node<'_>,
    renames: &[(&str, &str)],
) -> Result<Node<'a>, String> {
    overlay(typed, original, modeled, true, renames)
        .map(|(value, _)| value)
        .map_err(|mut segments| {
            segments.reverse();
            segments.iter().fold(String::new(), |mut pointer, segment| {
                pointer.push('/');
                pointer.push_str(&crate::changes::escape_token(segment));
                pointer
            })
        })
}

/// A container a merge opened and left as it was goes back to being the original's raw
/// text, unless it has this many children: opening it again, as the next step will, would
/// scan all of it again, and the list of its children is small beside its text.
const KEEP_OPEN: usize = 1024;

/// The merge of a container: the original's raw text when nothing changed (and the
/// container is not worth keeping open), else the merged children.
fn settle<'a>(
    raw: Option<&'a str>,
    unchanged: bool,
    len: usize,
    merged: Node<'a>,
) -> (Node<'a>, bool) {
    match raw {
        Some(text) if unchanged && len < KEEP_OPEN => (Node::Raw(text), true),
        _ => (merged, unchanged),
    }
}

/// The raw text of `node`, if it is raw.
fn raw_text<'a>(node: &Node<'a>) -> Option<&'a str> {
    match node {
        Node::Raw(text) => Some(text),
        _ => None,
    }
}

/// `typed` where it replaces `original` wholesale: the original itself (raw stays raw)
/// when the two are the same value, and whether they are.
fn replace<'a>(typed: Node<'a>, original: Node<'a>) -> (Node<'a>, bool) {
    if original == typed {
        (original, true)
    } else {
        (typed, false)
    }
}

/// The overlay, and whether it gave the original back as it was; a clash (strict only)
/// comes back as the path's segments, innermost first.
fn overlay<'a>(
    typed: Node<'a>,
    original: Node<'a>,
    modeled: &Node<'_>,
    strict: bool,
    renames: &[(&str, &str)],
) -> Result<(Node<'a>, bool), Vec<String>> {
    let raw = raw_text(&original);
    if renames.is_empty() && raw_unchanged(&typed, &original, modeled) {
        return Ok((original, true));
    }
    let modeled = modeled.open();
    match (typed.into_open(), original.into_open()) {
        (Node::Object(typed), Node::Object(original)) => {
            let mut modeled = match &*modeled {
                Node::Object(entries) => Some(Lookup::new(entries)),
                _ => None,
            };
            let mut typed = Slots::new(typed);
            // Renames that apply here: the old key is in the original, the new one only in
            // the result (else the new key is handled where the original has it).
            let has = |key: &str| original.iter().any(|(k, _)| k == key);
            let moves: Vec<(&str, &str)> = renames
                .iter()
                .copied()
                .filter(|(old, new)| has(old) && !has(new) && typed.contains(new))
                .collect();
            let mut unchanged = true;
            let mut out: Entries<'a> = Vec::with_capacity(original.len().max(typed.len()));
            for (key, orig) in original {
                let known = modeled.as_mut().and_then(|m| m.get(&key));
                match typed.find(&key) {
                    Some(slot) => {
                        let t = typed.take(slot);
                        let (merged, same) = match known {
                            Some(m) => {
                                overlay(t, orig, m, strict, &[]).map_err(|mut segments| {
                                    segments.push(key.to_string());
                                    segments
                                })?
                            }
                            None if strict && !orig.is_null() && orig != t => {
                                return Err(vec![key.into_owned()]);
                            }
                            None => replace(t, orig),
                        };
                        unchanged &= same;
                        out.push((key, merged));
                    }
                    None if known.is_none() => out.push((key, orig)),
                    None => {
                        unchanged = false;
                        let Some(&(_, new)) = moves.iter().find(|(old, _)| *old == key) else {
                            continue;
                        };
                        let (Some(slot), Some(m)) = (typed.find(new), known) else {
                            continue;
                        };
                        let (merged, _) = overlay(typed.take(slot), orig, m, strict, &[]).map_err(
                            |mut segments| {
                                segments.push(new.to_owned());
                                segments
                            },
                        )?;
                        out.push((Cow::Owned(new.to_owned()), merged));
                    }
                }
            }
            // What `typed` has and nothing took: new keys, after the original's.
            let before = out.len();
            out.extend(typed.untaken());
            unchanged &= out.len() == before;
            Ok(settle(raw, unchanged, out.len(), Node::Object(out)))
        }
        (Node::Array(typed), Node::Array(original))
            if matches!(&*modeled, Node::Array(m) if m.len() == original.len())
                && typed.len() == original.len() =>
        {
            let modeled = match &*modeled {
                Node::Array(items) => items.as_slice(),
                _ => &[],
            };
            // The merge consumes the typed values on this thread, where they were built:
            // dropping them here lets the next reading reuse their memory at once (merged
            // on a second thread, the peak of a large prove grew by up to 8%). A long
            // array's second half is only *checked* on a second thread meanwhile (reading
            // alone: the elements it finds unchanged are then taken as they are).
            let (mut typed, mut original) = (typed, original);
            let len = typed.len();
            let split = if len >= SPLIT_FROM { len / 2 } else { len };
            let (typed_first, typed_rest) = typed.split_at_mut(split);
            let (original_first, original_rest) = original.split_at_mut(split);
            let (modeled_first, modeled_rest) = modeled.split_at(split);
            let merge = |index: usize, t: &mut Node<'a>, o: &mut Node<'a>, m: &Node<'_>| {
                overlay(take(t), take(o), m, strict, &[]).map_err(|mut segments| {
                    segments.push(index.to_string());
                    segments
                })
            };
            let mut items = Vec::with_capacity(len);
            let mut unchanged = true;
            let (typed_seen, original_seen) = (&*typed_rest, &*original_rest);
            let (first, rest_unchanged) = crate::run::both(
                split < len,
                || {
                    let pairs = typed_first.iter_mut().zip(original_first.iter_mut());
                    for (index, ((t, o), m)) in pairs.zip(modeled_first).enumerate() {
                        let (node, same) = merge(index, t, o, m)?;
                        unchanged &= same;
                        items.push(node);
                    }
                    Ok::<(), Vec<String>>(())
                },
                || {
                    let pairs = typed_seen.iter().zip(original_seen);
                    pairs
                        .zip(modeled_rest)
                        .map(|((t, o), m)| raw_unchanged(t, o, m))
                        .collect::<Vec<bool>>()
                },
            );
            first?;
            let pairs = typed_rest.iter_mut().zip(original_rest.iter_mut());
            let rest = pairs.zip(modeled_rest).zip(rest_unchanged);
            for (index, (((t, o), m), seen_unchanged)) in rest.enumerate() {
                let (node, same) = if seen_unchanged {
                    (take(o), true)
                } else {
                    merge(split + index, t, o, m)?
                };
                unchanged &= same;
                items.push(node);
            }
            Ok(settle(raw, unchanged, items.len(), Node::Array(items)))
        }
        (typed, original) => Ok(replace(typed, raw.map_or(original, Node::Raw))),
    }
}

/// The node out of `slot`, `null` left in its place.
fn take<'a>(slot: &mut Node<'a>) -> Node<'a> {
    std::mem::replace(slot, Node::Null)
}

/// Whether the overlay (without renames) of `typed` on a raw object `original` gives it
/// back as it was, decided by reading alone: nothing is built, not even the list of its
/// entries. Most of a large document is such an object. False (not decided) otherwise.
fn raw_unchanged(typed: &Node<'_>, original: &Node<'_>, modeled: &Node<'_>) -> bool {
    match (raw_text(original), typed) {
        (Some(text), Node::Object(_)) if text.starts_with('{') => {
            let bytes = text.as_bytes();
            raw_unchanged_at(typed, text, 0, modeled)
                .is_some_and(|end| skip_space(bytes, end) == bytes.len())
        }
        _ => false,
    }
}

/// A typed object's entries in order, each taken at most once by the merge, found by key
/// with a [`KeySearch`] (the typed value mostly follows the original's key order). An entry
/// taken stays findable (holding `null`).
struct Slots<'a> {
    entries: Entries<'a>,
    taken: Vec<bool>,
    search: KeySearch,
}

impl<'a> Slots<'a> {
    fn new(entries: Entries<'a>) -> Self {
        Slots {
            taken: vec![false; entries.len()],
            entries,
            search: KeySearch::default(),
        }
    }

    fn len(&self) -> usize {
        self.entries.len()
    }

    fn find(&mut self, key: &str) -> Option<usize> {
        self.search.position(&self.entries, key)
    }

    fn contains(&self, key: &str) -> bool {
        self.entries.iter().any(|(k, _)| k.as_ref() == key)
    }

    fn take(&mut self, i: usize) -> Node<'a> {
        self.taken[i] = true;
        std::mem::replace(&mut self.entries[i].1, Node::Null)
    }

    /// The entries nothing took, in order.
    fn untaken(self) -> impl Iterator<Item = (Key<'a>, Node<'a>)> {
        self.entries
            .into_iter()
            .zip(self.taken)
            .filter(|(_, taken)| !taken)
            .map(|(entry, _)| entry)
    }
}

/// [`overlay_unknown`] where `typed` is itself the typed reading of `original` (a round trip
/// through one version): nothing was consumed, so every key `typed` lacks is put back.
/// Where the reading gives a part back as it was, the original's raw text stays.
pub(crate) fn restore_unknown<'a>(typed: Node<'a>, original: Node<'a>) -> Node<'a> {
    restore(typed, original).0
}

/// [`restore_unknown`], also telling whether the result is the original itself (equal to
/// it as a value): the reading changed nothing.
pub(crate) fn restore<'a>(typed: Node<'a>, original: Node<'a>) -> (Node<'a>, bool) {
    let raw = raw_text(&original);
    // As in the overlay: a raw object the reading gives back as it was is decided by
    // reading it alone (in one pass: `raw_restores`).
    if let (Some(text), Node::Object(_)) = (raw, &typed) {
        if text.starts_with('{') && restores_to_itself(&typed, &original) {
            return (original, true);
        }
    }
    match (typed.into_open(), original.into_open()) {
        (Node::Object(typed), Node::Object(original)) => {
            let mut unchanged = true;
            let mut out: Entries<'a> = Vec::with_capacity(original.len().max(typed.len()));
            let mut typed = Slots::new(typed);
            for (key, orig) in original {
                match typed.find(&key) {
                    Some(slot) => {
                        let (merged, same) = restore(typed.take(slot), orig);
                        unchanged &= same;
                        out.push((key, merged));
                    }
                    None => out.push((key, orig)),
                }
            }
            // Every key of `typed` that the original has was taken: the rest are new.
            let before = out.len();
            out.extend(typed.untaken());
            unchanged &= out.len() == before;
            settle(raw, unchanged, out.len(), Node::Object(out))
        }
        (Node::Array(typed), Node::Array(original)) if typed.len() == original.len() => {
            let pairs: Vec<_> = typed.into_iter().zip(original).collect();
            let mut unchanged = true;
            let items: Vec<Node<'a>> = map_in_order(pairs, |_, (t, o)| restore(t, o))
                .into_iter()
                .map(|(merged, same)| {
                    unchanged &= same;
                    merged
                })
                .collect();
            settle(raw, unchanged, items.len(), Node::Array(items))
        }
        (typed, original) => replace(typed, raw.map_or(original, Node::Raw)),
    }
}

/// From this many elements on, an array's elements are restored in two halves on two
/// threads: each element's merge is independent of the others.
const SPLIT_FROM: usize = 4096;

/// `f(index, item)` of every item, in order; a long list in two halves on two threads.
fn map_in_order<I: Send, O: Send>(items: Vec<I>, f: impl Fn(usize, I) -> O + Sync) -> Vec<O> {
    if items.len() < SPLIT_FROM {
        return items
            .into_iter()
            .enumerate()
            .map(|(i, x)| f(i, x))
            .collect();
    }
    let mut first = items;
    let second = first.split_off(first.len() / 2);
    let offset = first.len();
    let f = &f;
    std::thread::scope(|scope| {
        let rest = scope.spawn(move || {
            second
                .into_iter()
                .enumerate()
                .map(|(i, x)| f(offset + i, x))
                .collect::<Vec<_>>()
        });
        let mut out: Vec<O> = first
            .into_iter()
            .enumerate()
            .map(|(i, x)| f(i, x))
            .collect();
        match rest.join() {
            Ok(rest) => out.extend(rest),
            Err(panic) => std::panic::resume_unwind(panic),
        }
        out
    })
}

/// [`restores_to_itself`] of two objects' entries: every key of `typed` is in the original
/// (keys are unique: counting the ones found is enough) and restores to its value there.
fn object_restores_to_itself(
    typed: &[(Key<'_>, Node<'_>)],
    original: &[(Key<'_>, Node<'_>)],
) -> bool {
    let mut in_typed = Lookup::new(typed);
    let mut found = 0;
    for (key, orig) in original {
        if let Some(t) = in_typed.get(key) {
            if !restores_to_itself(t, orig) {
                return false;
            }
            found += 1;
        }
    }
    found == typed.len()
}

/// Whether [`restore_unknown`]`(typed, original)` equals `original`, decided without
/// building it: the prover's idempotence check, which would otherwise copy the whole
/// result to migrate it again.
///
/// Objects: every key of `typed` is in `original` (keys `typed` lacks are put back from
/// `original`) and each restores to its value there. Arrays of one length: element by
/// element. Anything else: `restore_unknown` gives `typed`, so it must equal `original`.
pub(crate) fn restores_to_itself(typed: &Node<'_>, original: &Node<'_>) -> bool {
    if let Node::Raw(text) = original {
        if !matches!(typed, Node::Raw(_)) {
            // Read in one pass rather than opened level by level.
            let start = skip_space(text.as_bytes(), 0);
            return raw_restores(typed, text, start)
                .is_some_and(|end| skip_space(text.as_bytes(), end) == text.len());
        }
    }
    restores_opened(typed, original)
}

/// [`restores_to_itself`] on the two values opened one level.
fn restores_opened(typed: &Node<'_>, original: &Node<'_>) -> bool {
    match (&*typed.open(), &*original.open()) {
        (Node::Object(typed), Node::Object(original)) => object_restores_to_itself(typed, original),
        (Node::Array(typed), Node::Array(original)) if typed.len() == original.len() => {
            let all = |typed: &[Node<'_>], original: &[Node<'_>]| {
                typed
                    .iter()
                    .zip(original)
                    .all(|(t, orig)| restores_to_itself(t, orig))
            };
            // A long array in two halves on two threads (reading alone).
            let half = if typed.len() >= SPLIT_FROM {
                typed.len() / 2
            } else {
                typed.len()
            };
            let (first, second) = crate::run::both(
                half < typed.len(),
                || all(&typed[..half], &original[..half]),
                || all(&typed[half..], &original[half..]),
            );
            first && second
        }
        (typed, original) => original == typed,
    }
}

/// Whether the overlay of `typed` on the raw value at `start` of `text` (with `modeled`,
/// and no renames) gives that value back as it was, decided by reading the text once, as
/// [`raw_restores`] does for [`restores_to_itself`]; mirrors [`overlay`] case by case.
/// `Some(end)`, where the value ends, when it does; `None` when it does not or is not
/// decided here (a typed value that is itself raw text), which sends the overlay the long
/// way.
///
/// Objects: every key of the text that the source version models is still in `typed`
/// (nothing consumed) with its value unchanged; keys it does not model stay; `typed` adds
/// no key. Arrays of one length: element by element. Anything else: equal values.
fn raw_unchanged_at(
    typed: &Node<'_>,
    text: &str,
    start: usize,
    modeled: &Node<'_>,
) -> Option<usize> {
    let bytes = text.as_bytes();
    let modeled = modeled.open();
    match (typed, bytes.get(start)) {
        (Node::Raw(_), _) => None,
        (Node::Object(entries), Some(b'{')) => {
            let mut known = match &*modeled {
                Node::Object(entries) => Some(Lookup::new(entries)),
                _ => None,
            };
            let mut in_typed = Lookup::new(entries);
            let mut found = 0;
            let end = walk_raw_object(text, start, |key, at| {
                let m = known.as_mut().and_then(|k| k.get(&key));
                match (in_typed.get(&key), m) {
                    (Some(t), Some(m)) => {
                        found += 1;
                        raw_unchanged_at(t, text, at, m)
                    }
                    (Some(t), None) => {
                        found += 1;
                        raw_equals_at(t, text, at)
                    }
                    (None, Some(_)) => None,
                    (None, None) => Some(value_end(bytes, at)),
                }
            })?;
            (found == entries.len()).then_some(end)
        }
        // Arrays of one length (the typed value's, the modeled one's and the text's),
        // element by element; of other lengths, only an equal value is unchanged.
        (Node::Array(items), Some(b'[')) => {
            let Node::Array(shapes) = &*modeled else {
                return raw_equals_at(typed, text, start);
            };
            let mut lengths_differ = false;
            let walked = walk_raw_array(text, start, |k, at| {
                let (Some(t), Some(m)) = (items.get(k), shapes.get(k)) else {
                    lengths_differ = true;
                    return None;
                };
                // An element that is not unchanged is not equal either: no need to know
                // the lengths to refuse.
                raw_unchanged_at(t, text, at, m)
            });
            match walked {
                Some((count, end)) if count == items.len() && count == shapes.len() => Some(end),
                Some(_) => raw_equals_at(typed, text, start),
                None if lengths_differ => raw_equals_at(typed, text, start),
                None => None,
            }
        }
        // Scalars, and kinds that differ: only an equal value is unchanged.
        _ => raw_equals_at(typed, text, start),
    }
}

/// Walks the raw object whose `{` is at `start` of `text` (valid JSON), handing `entry`
/// each key and where its value starts; `entry` gives where the value ends, or `None` to
/// stop. Where the object ends, unless stopped (or the text is not JSON).
fn walk_raw_object<'t>(
    text: &'t str,
    start: usize,
    mut entry: impl FnMut(Cow<'t, str>, usize) -> Option<usize>,
) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = skip_space(bytes, start + 1);
    if bytes.get(i) == Some(&b'}') {
        return Some(i + 1);
    }
    loop {
        if bytes.get(i) != Some(&b'"') {
            return None;
        }
        let key_end = string_end(bytes, i);
        let key = string_at(text, i, key_end);
        i = skip_space(bytes, key_end);
        if bytes.get(i) != Some(&b':') {
            return None;
        }
        i = skip_space(bytes, entry(key, skip_space(bytes, i + 1))?);
        match bytes.get(i) {
            Some(b',') => i = skip_space(bytes, i + 1),
            Some(b'}') => return Some(i + 1),
            _ => return None,
        }
    }
}

/// [`walk_raw_object`] for the raw array whose `[` is at `start`: `element` gets each
/// element's index and start. How many elements were walked, and where the array ends.
fn walk_raw_array(
    text: &str,
    start: usize,
    mut element: impl FnMut(usize, usize) -> Option<usize>,
) -> Option<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut i = skip_space(bytes, start + 1);
    if bytes.get(i) == Some(&b']') {
        return Some((0, i + 1));
    }
    let mut k = 0;
    loop {
        i = skip_space(bytes, element(k, i)?);
        k += 1;
        match bytes.get(i) {
            Some(b',') => i = skip_space(bytes, i + 1),
            Some(b']') => return Some((k, i + 1)),
            _ => return None,
        }
    }
}

/// Where the raw value at `start` of `text` ends, when it equals `typed`.
fn raw_equals_at(typed: &Node<'_>, text: &str, start: usize) -> Option<usize> {
    let end = value_end(text.as_bytes(), start);
    (Node::Raw(text.get(start..end)?) == *typed).then_some(end)
}

/// [`restores_to_itself`] of `typed` against the raw value at `start` of `text`, in one pass
/// over the text: each byte is read once however deep it lies, where opening the text level
/// by level reads it once per level (and builds each level). `Some(end)`, where the value
/// ends, when it restores to itself; `None` when it does not (or when the text is not the
/// JSON it was validated to be, which only makes the caller take the long way).
fn raw_restores(typed: &Node<'_>, text: &str, start: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    match (typed, bytes.get(start)) {
        // As `object_restores_to_itself`: every key of `typed` is met once, and restores.
        (Node::Object(entries), Some(b'{')) => {
            let mut in_typed = Lookup::new(entries);
            let mut found = 0;
            let end = walk_raw_object(text, start, |key, at| match in_typed.get(&key) {
                Some(t) => {
                    found += 1;
                    raw_restores(t, text, at)
                }
                None => Some(value_end(bytes, at)),
            })?;
            (found == entries.len()).then_some(end)
        }
        // Arrays of one length, element by element.
        (Node::Array(items), Some(b'[')) => {
            let (count, end) =
                walk_raw_array(text, start, |k, at| raw_restores(items.get(k)?, text, at))?;
            (count == items.len()).then_some(end)
        }
        // Scalars, and kinds that differ: decided on the opened value.
        _ => {
            let end = value_end(bytes, start);
            let original = Node::Raw(text.get(start..end)?);
            restores_opened(typed, &original).then_some(end)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};
    use std::borrow::Borrow;

    /// Whether the overlay of `typed` on `original` (with `modeled`, and no renames) gives
    /// `original` back as it was, decided by reading alone; mirrors [`overlay`] case by case.
    fn unchanged(typed: &Node<'_>, original: &Node<'_>, modeled: &Node<'_>) -> bool {
        let modeled = modeled.open();
        match (&*typed.open(), &*original.open()) {
            (Node::Object(typed), Node::Object(original)) => object_unchanged(
                typed,
                original.iter().map(|(k, v)| (k.as_ref(), v)),
                &modeled,
            ),
            (Node::Array(typed), Node::Array(original))
                if matches!(&*modeled, Node::Array(m) if m.len() == original.len())
                    && typed.len() == original.len() =>
            {
                let Node::Array(modeled) = &*modeled else {
                    return false;
                };
                typed
                    .iter()
                    .zip(original)
                    .zip(modeled)
                    .all(|((t, o), m)| unchanged(t, o, m))
            }
            (typed, original) => original == typed,
        }
    }

    /// [`unchanged`] of two objects' entries: every key of the original that the source
    /// version models is still in `typed` (nothing consumed) with its value unchanged; keys it
    /// does not model stay; `typed` adds no key.
    fn object_unchanged<'o, K, V>(
        typed: &[(Key<'_>, Node<'_>)],
        original: impl Iterator<Item = (K, V)>,
        modeled: &Node<'_>,
    ) -> bool
    where
        K: AsRef<str>,
        V: Borrow<Node<'o>>,
    {
        let mut known = match modeled {
            Node::Object(entries) => Some(Lookup::new(entries)),
            _ => None,
        };
        let mut in_typed = Lookup::new(typed);
        let mut found = 0;
        let kept = original.into_iter().all(|(key, orig)| {
            let (key, orig) = (key.as_ref(), orig.borrow());
            let m = known.as_mut().and_then(|k| k.get(key));
            match (in_typed.get(key), m) {
                (Some(t), Some(m)) => {
                    found += 1;
                    unchanged(t, orig, m)
                }
                (Some(t), None) => {
                    found += 1;
                    orig == t
                }
                (None, Some(_)) => false,
                (None, None) => true,
            }
        });
        kept && found == typed.len()
    }

    fn n(value: &Value) -> Node<'static> {
        Node::from_value(value.clone())
    }

    /// `original` as a tree and as raw text (valid JSON: it is serde_json's own output), to
    /// run each case on both forms.
    fn both_forms(original: &Value, text: &str) -> [Node<'static>; 2] {
        // Leaked: a test's few bytes, so that the raw node can be returned.
        let text: &'static str = Box::leak(text.to_owned().into_boxed_str());
        [Node::from_value(original.clone()), Node::Raw(text)]
    }

    #[test]
    fn unknown_keys_come_back_in_the_original_order() {
        let original = json!({"z": 1, "a": {"k": 1, "u": 2}, "m": [{"k": 1, "u": 3}], "b": 2});
        let typed = json!({"a": {"k": 1}, "m": [{"k": 1}], "new": true});
        let modeled = json!({"a": {"k": 1}, "m": [{"k": 1}], "b": 2});
        for node in both_forms(&original, &original.to_string()) {
            // The overlay reads only the shape of `modeled`: its scalars do not matter.
            for modeled in [n(&modeled), n(&modeled).into_shape()] {
                let out = overlay_unknown(n(&typed), node.clone(), &modeled);
                assert_eq!(
                    out.into_value().to_string(),
                    r#"{"z":1,"a":{"k":1,"u":2},"m":[{"k":1,"u":3}],"new":true}"#
                );
            }
        }
    }

    #[test]
    fn a_strict_overlay_refuses_to_replace_an_unknown_value() {
        let original = json!({"a": [{"k": 1, "x/y": "mine"}], "n": null});
        let modeled = json!({"a": [{"k": 1}]});
        let typed = json!({"a": [{"k": 1, "x/y": "theirs"}], "n": 5});
        for node in both_forms(&original, &original.to_string()) {
            assert_eq!(
                overlay_strict(n(&typed), node.clone(), &n(&modeled), &[]),
                Err("/a/0/x~1y".to_owned())
            );
            // The lenient overlay lets the transform win; an unknown `null` is no loss.
            let out = overlay_unknown(n(&typed), node.clone(), &n(&modeled));
            assert_eq!(
                out.into_value().to_string(),
                r#"{"a":[{"k":1,"x/y":"theirs"}],"n":5}"#
            );
            let same = json!({"a": [{"k": 1, "x/y": "mine"}], "n": 5});
            let out = overlay_strict(n(&same), node, &n(&modeled), &[]).unwrap();
            assert_eq!(
                out.into_value().to_string(),
                r#"{"a":[{"k":1,"x/y":"mine"}],"n":5}"#
            );
        }
    }

    #[test]
    fn restore_keeps_everything_and_appends_defaults() {
        let original = json!({"z": 1, "a": {"k": 1, "u": 2}, "m": [{"k": 1, "u": 3}]});
        let typed = json!({"a": {"k": 1, "d": 0}, "m": [{"k": 1}], "n": 0});
        let expected = r#"{"z":1,"a":{"k":1,"u":2,"d":0},"m":[{"k":1,"u":3}],"n":0}"#;
        for node in both_forms(&original, &original.to_string()) {
            let out = restore_unknown(n(&typed), node);
            assert_eq!(out.into_value().to_string(), expected);
        }
        let original = json!({"a": 1, "b": {"c": 1, "u": 2}});
        let typed = json!({"a": 1, "b": {"c": 1, "e": 0}, "d": 0});
        for node in both_forms(&original, &original.to_string()) {
            assert_eq!(
                restore_unknown(n(&typed), node).into_value().to_string(),
                r#"{"a":1,"b":{"c":1,"u":2,"e":0},"d":0}"#
            );
        }
    }

    #[test]
    fn long_arrays_merge_as_short_ones_do() {
        let len = SPLIT_FROM + 904;
        let original: Value = (0..len)
            .map(|i| json!({"k": i, "u": format!("unknown {i}")}))
            .collect();
        let mut typed: Value = (0..len).map(|i| json!({"k": i})).collect();
        typed[4500]["k"] = json!(-1);
        let modeled = typed.clone();
        let text = original.to_string();
        for node in both_forms(&original, &text) {
            let out = restore_unknown(n(&typed), node.clone()).into_value();
            assert_eq!(out[4500], json!({"k": -1, "u": "unknown 4500"}));
            assert_eq!(out[17], json!({"k": 17, "u": "unknown 17"}));
            let out = overlay_unknown(n(&typed), node.clone(), &n(&modeled));
            if matches!(node, Node::Raw(_)) {
                // Unchanged elements of either half are the source's own text.
                let Node::Array(items) = &out else {
                    panic!("an array")
                };
                for i in [17, len - 1] {
                    assert!(
                        matches!(items[i], Node::Raw(t) if t.contains(&format!("unknown {i}\""))),
                        "{i}"
                    );
                }
            }
            let out = out.into_value();
            assert_eq!(out[4500], json!({"k": -1, "u": "unknown 4500"}));
            assert_eq!(out[len - 1], original[len - 1]);
            // A clash far into the array is reported at its index.
            let mut clashing = typed.clone();
            clashing[4600]["u"] = json!("theirs");
            clashing[4700]["u"] = json!("theirs too");
            assert_eq!(
                overlay_strict(n(&clashing), node.clone(), &n(&modeled), &[]),
                Err("/4600/u".to_owned())
            );
            // In the first half too, before any of the second's.
            clashing[100]["u"] = json!("theirs first");
            assert_eq!(
                overlay_strict(n(&clashing), node, &n(&modeled), &[]),
                Err("/100/u".to_owned())
            );
        }
    }

    #[test]
    fn long_arrays_restore_to_themselves_in_both_halves() {
        let len = SPLIT_FROM + 10;
        let original: Value = (0..len).map(|i| json!({"k": i, "u": i})).collect();
        let typed: Value = (0..len).map(|i| json!({"k": i})).collect();
        let text = original.to_string();
        for node in both_forms(&original, &text) {
            assert!(restores_to_itself(&n(&typed), &node));
            for changed in [3, len - 3] {
                let mut other = typed.clone();
                other[changed]["k"] = json!(-1);
                assert!(!restores_to_itself(&n(&other), &node), "{changed}");
            }
        }
    }

    #[test]
    fn an_empty_object_is_not_an_empty_array() {
        let original = Node::Raw("[]");
        let (out, same) = restore(Node::Object(Vec::new()), original.clone());
        assert!(!same);
        assert_eq!(out.into_value(), json!({}));
        let out = overlay_unknown(
            Node::Object(Vec::new()),
            original,
            &Node::Object(Vec::new()),
        );
        assert_eq!(out.into_value(), json!({}));
    }

    #[test]
    fn what_the_reading_gives_back_unchanged_stays_raw_text() {
        let text = r#"{"keep": {"k": 1, "unknown": [1, 2]}, "tasks": [{"id": "a", "x": {"deep": true}}],
            "changed": {"k": 1}}"#;
        let original = Node::Raw(text);
        let typed = json!({"keep": {"k": 1}, "tasks": [{"id": "a"}], "changed": {"k": 2}});
        let Node::Object(out) = restore_unknown(n(&typed), original.clone()) else {
            panic!("an object")
        };
        assert!(matches!(out[0].1, Node::Raw(t) if t.starts_with(r#"{"k": 1, "unknown""#)));
        assert!(matches!(out[1].1, Node::Raw(t) if t.starts_with(r#"[{"id": "a""#)));
        assert!(matches!(out[2].1, Node::Object(_)));
        assert!(!restores_to_itself(&n(&typed), &original));
        let same = json!({"keep": {"k": 1}, "tasks": [{"id": "a"}], "changed": {"k": 1}});
        assert!(restores_to_itself(&n(&same), &original));
        // Nothing changed anywhere: the whole document is the source's text.
        assert!(matches!(restore_unknown(n(&same), original), Node::Raw(t) if t == text));
    }

    /// A value derived from `original` as a typed reading might give it: keys dropped,
    /// scalars changed, arrays cut or grown, kinds swapped, each now and then (driven by
    /// `seed`), the rest kept.
    fn typed_from(original: &Value, seed: &mut u64) -> Value {
        let mut roll = |n: u64| {
            *seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (*seed >> 33) % n
        };
        match roll(12) {
            0 => return json!("changed"),
            1 => return json!({}),
            2 => return json!([]),
            _ => {}
        }
        match original {
            Value::Object(map) => {
                let mut out = serde_json::Map::new();
                for (k, v) in map {
                    match roll(8) {
                        0 => {}
                        1 => {
                            out.insert(format!("{k}+"), json!(1));
                        }
                        _ => {
                            let mut inner = roll(1 << 30);
                            out.insert(k.clone(), typed_from(v, &mut inner));
                        }
                    }
                }
                Value::Object(out)
            }
            Value::Array(items) => {
                let mut out: Vec<Value> = items
                    .iter()
                    .map(|v| {
                        let mut inner = roll(1 << 30);
                        typed_from(v, &mut inner)
                    })
                    .collect();
                match roll(8) {
                    0 => {
                        out.pop();
                    }
                    1 => out.push(json!(null)),
                    _ => {}
                }
                Value::Array(out)
            }
            Value::Number(n) if roll(4) == 0 => json!(n.as_f64().unwrap_or(0.0) + 1.0),
            other => other.clone(),
        }
    }

    fn json_value() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            (-3i64..300).prop_map(Value::from),
            (-1e3f64..1e3).prop_map(Value::from),
            "[a-c\\\"é ]{0,4}".prop_map(Value::from),
        ];
        leaf.prop_recursive(4, 40, 5, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
                prop::collection::btree_map("[a-d\\\"]{0,2}", inner, 0..5)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest::proptest! {
        /// Raw text read in one pass decides as the same value opened as a tree does.
        #[test]
        fn raw_text_restores_as_its_tree_does(
            original in json_value(),
            seed in proptest::prelude::any::<u64>(),
            pretty in proptest::prelude::any::<bool>(),
        ) {
            let mut seed = seed;
            let typed = n(&typed_from(&original, &mut seed));
            let expected = restores_to_itself(&typed, &n(&original));
            let text = if pretty {
                serde_json::to_string_pretty(&original).unwrap()
            } else {
                original.to_string()
            };
            proptest::prop_assert_eq!(restores_to_itself(&typed, &Node::Raw(&text)), expected);
            // Against itself, always.
            proptest::prop_assert!(restores_to_itself(&n(&original), &Node::Raw(&text)));
        }
    }

    proptest::proptest! {
        /// The overlay's one-pass reading of raw text decides as the tree reading does
        /// (`unchanged` above, the opened-value statement of the same rules).
        #[test]
        fn raw_text_is_unchanged_as_its_tree_is(
            original in json_value(),
            seeds in proptest::prelude::any::<(u64, u64)>(),
        ) {
            let (mut typed_seed, mut modeled_seed) = seeds;
            let typed = n(&typed_from(&original, &mut typed_seed));
            let modeled = n(&typed_from(&original, &mut modeled_seed)).into_shape();
            let text = original.to_string();
            let expected = unchanged(&typed, &n(&original), &modeled);
            let decided = raw_unchanged_at(&typed, &text, 0, &modeled)
                .is_some_and(|end| end == text.len());
            proptest::prop_assert_eq!(decided, expected);
            // Modeled as it is and read back as it is: unchanged.
            let itself = n(&original);
            proptest::prop_assert!(raw_unchanged_at(&itself, &text, 0, &itself).is_some());
        }
    }

    #[test]
    fn raw_text_is_read_in_one_pass_with_escapes_and_kinds_that_differ() {
        let text = r#" {"a\u0062": [1, {"k": "x\"y"}], "u": {"deep": [true]}, "n": 1.5} "#;
        let cases = [
            (json!({"ab": [1, {"k": "x\"y"}], "n": 1.5}), true),
            (json!({"ab": [1, {"k": "x\"y"}]}), true),
            (json!({"ab": [1, {"k": "x"}]}), false),
            (json!({"ab": [1]}), false),
            (json!({"ab": [1, {"k": "x\"y"}, 2]}), false),
            (json!({"ab": {"k": 1}}), false),
            (json!({"u": [true]}), false),
            (json!({"n": 1.5, "missing": null}), false),
            (json!([1]), false),
            (json!("text"), false),
        ];
        for (typed, expected) in cases {
            assert_eq!(
                restores_to_itself(&n(&typed), &Node::Raw(text)),
                expected,
                "{typed}"
            );
        }
    }
}
