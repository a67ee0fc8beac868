//! RFC 8785 (JSON Canonicalization Scheme) output and the sha256 fingerprints taken over it.
//!
//! Proofs name documents by hash, so the encoding hashed must not depend on key order,
//! whitespace or how a number happened to be spelled. RFC 8785 fixes all three: object keys
//! sorted by their UTF-16 code units, no whitespace, strings escaped as ECMAScript's
//! `JSON.stringify` does, and numbers printed as ECMAScript prints an IEEE 754 double.
//!
//! The writer streams into any [`Write`], so a 100 MB document is hashed without ever
//! holding its canonical text in memory.
//!
//! Raw text (a [`Node`] not read yet) is written in one pass over it, without building a
//! tree, and the hasher is fed as the text goes (see `RawCanonical`). The pass is fast
//! because most of a document needs no work: strings without escapes and short numbers are
//! canonical as written and are copied, and the objects of a document repeat a few shapes,
//! whose keys, spacing and key order are learnt once and then only checked. A large array's
//! elements can be written on two threads.

use std::borrow::Cow;
use std::io::{self, Read, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

use serde_json::{Map, Number, Value};
use sha2::{Digest, Sha256};

use crate::node::{Key, Node};

/// Writes `value` in RFC 8785 canonical form to `out`.
///
/// Integers beyond ±2^53 are written as the nearest double, as the RFC requires (JSON
/// numbers are IEEE 754 doubles there); two such integers that round to one double hash
/// the same.
pub fn write_canonical<W: Write + ?Sized>(value: &Value, out: &mut W) -> io::Result<()> {
    match value {
        Value::Null => out.write_all(b"null"),
        Value::Bool(true) => out.write_all(b"true"),
        Value::Bool(false) => out.write_all(b"false"),
        Value::Number(n) => write_number(n, out),
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.write_all(b"[")?;
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.write_all(b",")?;
                }
                write_canonical(item, out)?;
            }
            out.write_all(b"]")
        }
        Value::Object(map) => write_object(map, out),
    }
}

/// The canonical form of `value` as a string (for tests and small values; hash large ones
/// with [`canonical_sha256`], which streams).
pub fn to_canonical_string(value: &Value) -> String {
    let mut out = Vec::new();
    write_canonical(value, &mut out).expect("writing to a Vec cannot fail");
    String::from_utf8(out).expect("canonical JSON is UTF-8")
}

/// `sha256:` + lowercase hex of the sha256 of `value`'s canonical form.
pub fn canonical_sha256(value: &Value) -> String {
    let mut hasher = HashWriter::new();
    {
        // Canonical output is many tiny writes; batching them keeps the hasher's per-call
        // overhead out of the profile.
        let mut buffered = io::BufWriter::with_capacity(64 * 1024, &mut hasher);
        write_canonical(value, &mut buffered).expect("hashing cannot fail");
        buffered.flush().expect("hashing cannot fail");
    }
    hasher.finish()
}

/// [`write_canonical`] of the value `node` stands for, into `out` (tests; hashing streams
/// through [`canonical_sha256_node`]). With `parallel`, a large array's elements are written
/// on two threads.
#[cfg(test)]
fn write_canonical_node(node: &Node<'_>, out: &mut Vec<u8>, parallel: bool) -> io::Result<()> {
    RawCanonical::new(parallel, None).node(node, out)
}

/// [`canonical_sha256`] of the value `node` stands for; with `parallel`, a large array's
/// elements are written on two threads. Fails only on raw text that is not JSON, which
/// validation rules out before any raw node exists.
pub(crate) fn canonical_sha256_node(node: &Node<'_>, parallel: bool) -> io::Result<String> {
    let mut writer = RawCanonical::new(parallel, Some(Sha256::new()));
    let mut out = Vec::with_capacity(SPILL + SPILL / 2);
    writer.node(node, &mut out)?;
    let mut hasher = writer.hasher.unwrap_or_default();
    hasher.update(&out);
    Ok(prefixed_hex(&hasher.finalize()))
}

/// Canonical text gathered at the top level before it is fed to sha256, in one call: the
/// hasher then works on long runs of bytes, and the text held stays small.
const SPILL: usize = 128 * 1024;

/// A large array's elements are written in chunks of about this much text (or this many
/// elements) when the writer may use two threads: enough to keep the threads' hand-overs
/// rare, little to hold.
const CHUNK_BYTES: usize = 256 * 1024;
const CHUNK_ITEMS: usize = 2048;

/// Chunks of canonical text one thread may have written ahead of the one being hashed.
const AHEAD: usize = 2;

/// About how much text `node` is: a raw one's length, a read one's counted as short.
fn size(node: &Node<'_>) -> usize {
    match node {
        Node::Raw(text) => text.len(),
        _ => 16,
    }
}

/// `items` cut into chunks of about [`CHUNK_BYTES`] of text (see [`size`]).
fn chunks<'a, 't>(items: &'a [Node<'t>]) -> Vec<&'a [Node<'t>]> {
    let mut chunks = Vec::new();
    let (mut start, mut bytes) = (0, 0);
    for (i, item) in items.iter().enumerate() {
        bytes += size(item);
        if bytes >= CHUNK_BYTES || i + 1 - start >= CHUNK_ITEMS {
            chunks.push(&items[start..=i]);
            (start, bytes) = (i + 1, 0);
        }
    }
    if start < items.len() {
        chunks.push(&items[start..]);
    }
    chunks
}

/// The canonical form of raw JSON text (valid: see `node`), written in one pass over it:
/// arrays stream straight through; an object's members are written to a buffer of its
/// depth, then copied out in key order. Each byte of the text is read once (the members of
/// nested objects are copied once per enclosing object), where opening the text level by
/// level would scan each byte once per level above it.
///
/// Most of the text needs no work: a string without escapes, an integer of up to 15 digits
/// and a short decimal are canonical as they stand (or nearly), and are copied (short
/// pieces as a fixed-size copy cut back); only escapes and other numbers go through
/// serde_json. Most objects have the keys of an object met before at their depth, in the
/// same order and spaced the same way (see [`Shape`]): the text from one value to the next
/// is checked against that object's, not read, and the key order is known without a sort.
struct RawCanonical<'t> {
    /// Whether a large array's elements may be written on two threads.
    parallel: bool,
    text: &'t str,
    /// Where the top level's text goes once [`SPILL`] bytes of it are gathered; without
    /// it, all the text stays in the output.
    hasher: Option<Sha256>,
    /// One set of buffers per object depth, reused from object to object (taken out while
    /// its object is read: a box, so that costs two pointer moves).
    levels: Vec<Option<Box<Level>>>,
}

/// An object's members as they are read, each written to the buffer (`,"key":value`,
/// canonical), then copied out in key order.
#[derive(Default)]
struct Level {
    buffer: Vec<u8>,
    members: Vec<Member>,
    /// Positions of the members in key order, when sorted here, and its runs.
    order: Vec<usize>,
    runs: Vec<(usize, usize)>,
    /// The last few shapes of object seen at this depth (at most [`SHAPES`]).
    shapes: Vec<Shape>,
    /// The shape of the last object at this depth, which the next one most likely has.
    recent: usize,
    /// The shape a new one replaces when all are taken.
    replace: usize,
}

/// A member written to its level's buffer: `,"key":value` from `start` to `end`; in the
/// text, its glue (see [`Shape`]) from `glue` to `value`.
#[derive(Clone, Copy)]
struct Member {
    start: usize,
    end: usize,
    glue: usize,
    value: usize,
}

impl Member {
    /// `,"key":` of the member (the key in canonical form).
    fn key(self, buffer: &[u8]) -> &[u8] {
        let text = buffer.get(self.start..self.end).unwrap_or_default();
        // Past the key's closing quote (the first quote not escaped), then the colon.
        let key_end = string_end(text, 1).map_or(text.len(), |(end, _)| end);
        text.get(..key_end + 1).unwrap_or_default()
    }
}

/// Shapes of object remembered per depth: enough for the few kinds of object that
/// alternate at one depth (a task's attempts, evidence, notes…).
const SHAPES: usize = 8;

/// An object's keys, how they are written, and their key order. The objects of a document
/// mostly repeat a few shapes (every task of a run has the same keys in the same order,
/// spaced the same way): checking that the text up to a value is the one expected is
/// cheaper than reading it, and a known order is cheaper than a sort.
#[derive(Default)]
struct Shape {
    /// Per key, its glue (the text from the end of the value before, or the brace, to its
    /// own value: `, "key": `) and its canonical text (`,"key":`); zeros at the end.
    bytes: Vec<u8>,
    keys: Vec<ShapeKey>,
    /// The members in key order, as runs of members that are also in text order (first
    /// and last position): each copied at once.
    runs: Vec<(usize, usize)>,
}

/// A key of a shape: its glue (none if too long to remember), the key as written in
/// canonical form with its closing quote (`key"`), and where its canonical text is.
#[derive(Clone, Copy)]
struct ShapeKey {
    glue: Option<Pattern>,
    key: Pattern,
    canonical: usize,
    canonical_len: usize,
}

/// Bytes looked for at a place in the text: the first 32 held as two words (zero past the
/// end, with masks of the bytes that count), compared at once; all of them in the shape's
/// bytes from `at`.
#[derive(Clone, Copy)]
struct Pattern {
    head: [u128; 2],
    mask: [u128; 2],
    len: usize,
    at: usize,
}

impl Pattern {
    /// The pattern of `bytes`, which are at `at` in the shape's bytes.
    fn new(bytes: &[u8], at: usize) -> Pattern {
        let mut head = [[0; 16]; 2];
        let mut mask = [[0; 16]; 2];
        for (i, &b) in bytes.iter().take(32).enumerate() {
            head[i / 16][i % 16] = b;
            mask[i / 16][i % 16] = 0xff;
        }
        Pattern {
            head: head.map(u128::from_le_bytes),
            mask: mask.map(u128::from_le_bytes),
            len: bytes.len(),
            at,
        }
    }

    /// Whether the pattern is in `text` at `i` (`stored`: the shape's bytes).
    #[inline(always)]
    fn is_at(&self, text: &[u8], i: usize, stored: &[u8]) -> bool {
        let word = |half: usize| -> Option<u128> {
            let chunk = text.get(i + 16 * half..)?.first_chunk::<16>()?;
            Some(u128::from_le_bytes(*chunk))
        };
        match word(0) {
            Some(word) if (word ^ self.head[0]) & self.mask[0] != 0 => false,
            Some(_) if self.len <= 16 => true,
            Some(_) if self.len <= 32 => match word(1) {
                Some(word) => (word ^ self.head[1]) & self.mask[1] == 0,
                None => self.all_at(text, i, stored),
            },
            // Long, or too near the end of the text for whole words.
            _ => self.all_at(text, i, stored),
        }
    }

    fn all_at(&self, text: &[u8], i: usize, stored: &[u8]) -> bool {
        text.get(i..i + self.len) == stored.get(self.at..self.at + self.len)
    }
}

impl Shape {
    /// Objects with more keys, or longer ones (with their glue), are sorted each time:
    /// what is remembered stays small.
    const MAX_KEYS: usize = 64;
    const MAX_BYTES: usize = 4096;
    /// A longer glue (deep indentation) is not remembered: the key is read instead.
    const MAX_GLUE: usize = 64;

    /// Where the value of key `n` starts if the text at `at` is that key's glue.
    #[inline(always)]
    fn glue_end(&self, n: usize, text: &[u8], at: usize) -> Option<usize> {
        let glue = self.keys.get(n)?.glue?;
        glue.is_at(text, at, &self.bytes).then_some(at + glue.len)
    }

    /// Where the key that starts at `at` in `text` (just past its opening quote) ends, if
    /// it is written as this shape's key `n` is in canonical form: just past its closing
    /// quote. (The bytes of a canonical key and its quote are that key however they are
    /// read: a quote in a canonical key is escaped.)
    #[inline(always)]
    fn key_end(&self, n: usize, text: &[u8], at: usize) -> Option<usize> {
        let key = self.keys.get(n)?.key;
        key.is_at(text, at, &self.bytes).then_some(at + key.len)
    }

    /// Writes key `n` in canonical form, with a comma before and a colon after.
    #[inline(always)]
    fn write_key(&self, n: usize, out: &mut Vec<u8>) {
        if let Some(key) = self.keys.get(n) {
            let end = key.canonical + key.canonical_len;
            copy(&self.bytes, key.canonical, end, out);
        }
    }

    /// Whether `members` have exactly these keys, in this order.
    fn fits(&self, members: &[Member], buffer: &[u8]) -> bool {
        self.keys.len() == members.len()
            // The key's closing quote, matched, is the key's end: a canonical key's quotes
            // are escaped.
            && members.iter().zip(&self.keys).all(|(member, key)| {
                key.key.is_at(buffer, member.start + 2, &self.bytes)
            })
    }

    /// Remembers `members` (read from `text` into `buffer`, in key order `runs`) as this
    /// shape; false if they are too many or too long.
    fn remember(
        &mut self,
        text: &[u8],
        buffer: &[u8],
        members: &[Member],
        runs: &[(usize, usize)],
    ) -> bool {
        self.bytes.clear();
        self.keys.clear();
        if members.len() > Shape::MAX_KEYS {
            return false;
        }
        for member in members {
            let glue = text.get(member.glue..member.value).unwrap_or_default();
            let glue = (glue.len() <= Shape::MAX_GLUE).then(|| {
                self.bytes.extend_from_slice(glue);
                Pattern::new(glue, self.bytes.len() - glue.len())
            });
            let canonical = self.bytes.len();
            let canonical_text = member.key(buffer);
            self.bytes.extend_from_slice(canonical_text);
            // `key"` of `,"key":`.
            let key = canonical_text
                .get(2..canonical_text.len().saturating_sub(1))
                .unwrap_or_default();
            self.keys.push(ShapeKey {
                glue,
                key: Pattern::new(key, canonical + 2),
                canonical,
                canonical_len: canonical_text.len(),
            });
            if self.bytes.len() > Shape::MAX_BYTES {
                return false;
            }
        }
        // Room for short copies past the last key.
        self.bytes.resize(self.bytes.len() + 32, 0);
        self.runs.clear();
        self.runs.extend_from_slice(runs);
        true
    }
}

impl<'t> RawCanonical<'t> {
    fn new(parallel: bool, hasher: Option<Sha256>) -> Self {
        RawCanonical {
            parallel,
            text: "",
            hasher,
            levels: Vec::new(),
        }
    }

    /// Feeds the top level's text to the hasher once there is enough of it.
    fn spill(&mut self, out: &mut Vec<u8>) {
        if out.len() >= SPILL {
            if let Some(hasher) = &mut self.hasher {
                hasher.update(&out[..]);
                out.clear();
            }
        }
    }

    /// Writes a node: read levels as they are, raw text in one pass (the buffers are kept
    /// from one raw part to the next: a large array of raw elements allocates them once).
    fn node(&mut self, node: &Node<'t>, out: &mut Vec<u8>) -> io::Result<()> {
        match node {
            Node::Raw(text) => {
                self.text = text;
                let end = skip_space(text.as_bytes(), self.value(0, out, 0)?);
                if end < text.len() {
                    return Err(invalid("trailing characters"));
                }
            }
            Node::Null => out.extend_from_slice(b"null"),
            Node::Bool(true) => out.extend_from_slice(b"true"),
            Node::Bool(false) => out.extend_from_slice(b"false"),
            Node::Number(n) => write_number(n, out)?,
            Node::String(s) => write_string(s, out)?,
            Node::Array(items) if self.parallel && items.len() > 1 => {
                let chunks = chunks(items);
                out.push(b'[');
                if chunks.len() > 2 {
                    self.in_parallel(&chunks, out)?;
                } else {
                    self.items(items, out)?;
                }
                out.push(b']');
            }
            Node::Array(items) => {
                out.push(b'[');
                self.items(items, out)?;
                out.push(b']');
            }
            Node::Object(entries) => {
                let mut entries: Vec<&(Key<'t>, Node<'t>)> = entries.iter().collect();
                entries.sort_by(|(a, _), (b, _)| utf16_order(a, b));
                out.push(b'{');
                for (i, (key, value)) in entries.into_iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    write_string(key, out)?;
                    out.push(b':');
                    self.node(value, out)?;
                    self.spill(out);
                }
                out.push(b'}');
            }
        }
        Ok(())
    }

    /// Writes `items` with commas between.
    fn items(&mut self, items: &[Node<'t>], out: &mut Vec<u8>) -> io::Result<()> {
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            self.node(item, out)?;
            self.spill(out);
        }
        Ok(())
    }

    /// Writes the elements of `chunks` (a large array's, in order) on two threads: each
    /// takes the next chunk not taken and writes its canonical text apart; this one also
    /// writes (hashes) the texts in order as they are done. Either thread takes on
    /// whatever the other is slow on; neither goes more than [`AHEAD`] chunks ahead.
    fn in_parallel(&mut self, chunks: &[&[Node<'t>]], out: &mut Vec<u8>) -> io::Result<()> {
        let next = AtomicUsize::new(0);
        std::thread::scope(|scope| {
            let (done, texts) = mpsc::sync_channel(AHEAD);
            let next = &next;
            let worker = scope.spawn(move || {
                let mut writer = RawCanonical::new(false, None);
                loop {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    let Some(chunk) = chunks.get(n) else { break };
                    if done.send((n, writer.chunk(chunk))).is_err() {
                        break;
                    }
                }
            });
            let written = self.gather(chunks, next, texts, out);
            // Whatever happened here, the other thread takes no more chunks.
            next.store(chunks.len(), Ordering::Relaxed);
            match worker.join() {
                Ok(()) => written,
                Err(panic) => std::panic::resume_unwind(panic),
            }
        })
    }

    /// The part of [`Self::in_parallel`] done on this thread.
    fn gather(
        &mut self,
        chunks: &[&[Node<'t>]],
        next: &AtomicUsize,
        texts: mpsc::Receiver<(usize, io::Result<Vec<u8>>)>,
        out: &mut Vec<u8>,
    ) -> io::Result<()> {
        let mut writer = RawCanonical::new(false, None);
        let mut ready = std::collections::BTreeMap::new();
        let mut written = 0;
        while written < chunks.len() {
            while let Ok((n, text)) = texts.try_recv() {
                ready.insert(n, text?);
            }
            if let Some(text) = ready.remove(&written) {
                if written > 0 {
                    out.push(b',');
                }
                self.write_chunk(&text, out);
                written += 1;
                continue;
            }
            let taken = match ready.len() < AHEAD {
                true => next.fetch_add(1, Ordering::Relaxed),
                false => chunks.len(),
            };
            let (n, text) = match chunks.get(taken) {
                Some(chunk) => (taken, writer.chunk(chunk)),
                // The other thread has the chunk to write next.
                None => texts
                    .recv()
                    .map_err(|_| io::Error::other("the second thread stopped"))?,
            };
            ready.insert(n, text?);
        }
        Ok(())
    }

    /// The canonical text of a chunk of elements, with commas between.
    fn chunk(&mut self, chunk: &[Node<'t>]) -> io::Result<Vec<u8>> {
        // Canonical text is about as long as the text it comes from, or shorter.
        let mut text = Vec::with_capacity(chunk.iter().map(size).sum::<usize>() + 64);
        self.items(chunk, &mut text)?;
        Ok(text)
    }

    /// Writes a chunk's text: straight to the hasher, if hashing.
    fn write_chunk(&mut self, text: &[u8], out: &mut Vec<u8>) {
        match &mut self.hasher {
            Some(hasher) => {
                hasher.update(&out[..]);
                out.clear();
                hasher.update(text);
            }
            None => out.extend_from_slice(text),
        }
    }

    /// Writes the value at `i` (after any whitespace) and returns where it ends. `depth` is
    /// the number of raw objects around it: at 0, `out` is the top level's.
    ///
    /// Inlined where it is called: most values are scalars, written without a call.
    #[inline(always)]
    fn value(&mut self, i: usize, out: &mut Vec<u8>, depth: usize) -> io::Result<usize> {
        let bytes = self.text.as_bytes();
        let i = skip_space(bytes, i);
        match bytes.get(i) {
            Some(b'"') => string(bytes, i, out),
            Some(b'{') => self.object(i, out, depth),
            Some(b'[') => self.array(i, out, depth),
            Some(b'n') => literal(bytes, i, b"null", out),
            Some(b't') => literal(bytes, i, b"true", out),
            Some(b'f') => literal(bytes, i, b"false", out),
            Some(_) => number(bytes, i, out),
            None => Err(invalid("unexpected end")),
        }
    }

    #[inline(never)]
    fn array(&mut self, i: usize, out: &mut Vec<u8>, depth: usize) -> io::Result<usize> {
        let bytes = self.text.as_bytes();
        out.push(b'[');
        let mut i = skip_space(bytes, i + 1);
        if bytes.get(i) == Some(&b']') {
            out.push(b']');
            return Ok(i + 1);
        }
        loop {
            i = skip_space(bytes, self.value(i, out, depth)?);
            match bytes.get(i) {
                Some(b',') => {
                    out.push(b',');
                    i += 1;
                    if depth == 0 {
                        self.spill(out);
                    }
                }
                Some(b']') => {
                    out.push(b']');
                    return Ok(i + 1);
                }
                _ => return Err(invalid("expected `,` or `]`")),
            }
        }
    }

    #[inline(never)]
    fn object(&mut self, i: usize, out: &mut Vec<u8>, depth: usize) -> io::Result<usize> {
        if self.levels.len() <= depth {
            self.levels.resize_with(depth + 1, Default::default);
        }
        let mut level = self.levels[depth].take().unwrap_or_default();
        let (end, shape) = self.members(i, &mut level, depth)?;
        let runs = match shape {
            Some(shape) => &level.shapes[shape].runs,
            None => {
                level.sort();
                level.remember(self.text.as_bytes());
                &level.runs
            }
        };
        // Each member is written after a comma: the first one's becomes the brace.
        let (buffer, members) = (&level.buffer, &level.members);
        let at = out.len();
        out.reserve(buffer.len() + 2);
        for &(first, last) in runs {
            copy(buffer, members[first].start, members[last].end, out);
        }
        match out.get_mut(at) {
            Some(comma) => *comma = b'{',
            None => out.push(b'{'),
        }
        out.push(b'}');
        self.levels[depth] = Some(level);
        Ok(end)
    }

    /// Reads the members of the object at `i` into `level`; returns where the object ends
    /// and the remembered shape it has, if any.
    fn members(
        &mut self,
        i: usize,
        level: &mut Level,
        depth: usize,
    ) -> io::Result<(usize, Option<usize>)> {
        let bytes = self.text.as_bytes();
        let Level {
            buffer,
            members,
            shapes,
            recent,
            ..
        } = level;
        let shapes: &[Shape] = shapes;
        buffer.clear();
        members.clear();
        // The shape the object is expected to have, while all its keys so far are that
        // shape's: first the last object's, then any that starts with the same key.
        let mut expected = Some(*recent).filter(|&s| s < shapes.len());
        let mut shape = expected.and_then(|s| shapes.get(s));
        let mut i = i + 1;
        loop {
            let n = members.len();
            let (glue, start) = (i, buffer.len());
            let mut glued = shape.and_then(|shape| shape.glue_end(n, bytes, i));
            if glued.is_none() && n == 0 {
                if let Some((s, value)) = (shapes.iter().enumerate())
                    .find_map(|(s, shape)| Some((s, shape.glue_end(0, bytes, i)?)))
                {
                    (expected, shape, glued) = (Some(s), shapes.get(s), Some(value));
                }
            }
            let value = match (glued, shape) {
                (Some(value), Some(shape)) => {
                    // The text up to the value is the expected key's, spaced as before.
                    shape.write_key(n, buffer);
                    value
                }
                _ => {
                    i = skip_space(bytes, i);
                    match (bytes.get(i), n) {
                        (Some(b'}'), _) => break,
                        (Some(b','), 1..) => i = skip_space(bytes, i + 1),
                        (Some(b'"'), 0) => {}
                        _ => return Err(invalid("expected `,` or `}`")),
                    }
                    if bytes.get(i) != Some(&b'"') {
                        return Err(invalid("expected a string"));
                    }
                    let mut known = shape.and_then(|shape| shape.key_end(n, bytes, i + 1));
                    if known.is_none() {
                        expected = match n {
                            0 => shapes
                                .iter()
                                .position(|s| s.key_end(0, bytes, i + 1).is_some()),
                            _ => None,
                        };
                        shape = expected.and_then(|s| shapes.get(s));
                        known = shape.and_then(|shape| shape.key_end(n, bytes, i + 1));
                    }
                    buffer.push(b',');
                    let end = match known {
                        Some(end) => {
                            copy(bytes, i, end, buffer);
                            end
                        }
                        None => string(bytes, i, buffer)?,
                    };
                    i = skip_space(bytes, end);
                    if bytes.get(i) != Some(&b':') {
                        return Err(invalid("expected `:`"));
                    }
                    buffer.push(b':');
                    skip_space(bytes, i + 1)
                }
            };
            i = self.value(value, buffer, depth + 1)?;
            members.push(Member {
                start,
                end: buffer.len(),
                glue,
                value,
            });
        }
        let shape = match expected {
            Some(s) if shapes[s].keys.len() == members.len() => Some(s),
            _ => shapes.iter().position(|s| s.fits(members, buffer)),
        };
        if let Some(s) = shape {
            *recent = s;
        }
        Ok((i + 1, shape))
    }
}

impl Level {
    /// Puts the positions of the members, in key order, in `order`, and its runs in `runs`.
    fn sort(&mut self) {
        let Level {
            buffer,
            members,
            order,
            runs,
            ..
        } = self;
        order.clear();
        order.extend(0..members.len());
        // `,"key":` less its first two and last two bytes.
        let key = |n: usize| {
            let key = members[n].key(buffer);
            key.get(2..key.len().saturating_sub(2)).unwrap_or_default()
        };
        order.sort_by(|&a, &b| key_order(key(a), key(b)));
        runs.clear();
        for &n in order.iter() {
            match runs.last_mut() {
                Some((_, last)) if *last + 1 == n => *last = n,
                _ => runs.push((n, n)),
            }
        }
    }

    /// Remembers the members' keys, glue and order (just sorted), unless they are many or
    /// long, as the shape the next object at this depth is expected to have.
    fn remember(&mut self, text: &[u8]) {
        let Level {
            buffer,
            members,
            runs,
            shapes,
            recent,
            replace,
            ..
        } = self;
        let at = if shapes.len() < SHAPES {
            shapes.push(Shape::default());
            shapes.len() - 1
        } else {
            *replace = (*replace + 1) % SHAPES;
            *replace
        };
        let Some(shape) = shapes.get_mut(at) else {
            return;
        };
        if shape.remember(text, buffer, members, runs) {
            *recent = at;
        } else {
            // Nothing to expect: the shape is dropped.
            shapes.swap_remove(at);
            *replace = 0;
            *recent = 0;
        }
    }
}

/// The order of two keys in canonical form (see [`utf16_order`]).
fn key_order(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    let plain = |key: &[u8]| key.is_ascii() && !key.contains(&b'\\');
    if plain(a) && plain(b) {
        a.cmp(b)
    } else {
        utf16_order(&unescape(a), &unescape(b))
    }
}

/// The string a canonical string's text (without its quotes) stands for: that text, unless
/// it has escapes.
fn unescape(canonical: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(canonical) {
        Ok(text) if !text.contains('\\') => Cow::Borrowed(text),
        _ => {
            let mut quoted = Vec::with_capacity(canonical.len() + 2);
            quoted.push(b'"');
            quoted.extend_from_slice(canonical);
            quoted.push(b'"');
            Cow::Owned(serde_json::from_slice(&quoted).unwrap_or_default())
        }
    }
}

/// Copies `bytes[start..end]` to `out`. Most copies are short: one of a fixed size, cut
/// back to the length wanted, is a few moves where a copy of any length is a call.
#[inline(always)]
fn copy(bytes: &[u8], start: usize, end: usize, out: &mut Vec<u8>) {
    if end - start <= 32 && copy_short::<32>(bytes, start, end, out) {
        return;
    }
    out.extend_from_slice(&bytes[start..end]);
}

/// Copies `bytes[start..end]` (at most `N` bytes) as `N` bytes cut back, if `bytes` has
/// `N` from `start`.
#[inline(always)]
fn copy_short<const N: usize>(bytes: &[u8], start: usize, end: usize, out: &mut Vec<u8>) -> bool {
    let Some(chunk) = bytes.get(start..).and_then(<[u8]>::first_chunk::<N>) else {
        return false;
    };
    let len = out.len();
    out.extend_from_slice(chunk);
    out.truncate(len + end - start);
    true
}

#[inline(always)]
fn skip_space(bytes: &[u8], mut i: usize) -> usize {
    while let Some(&b) = bytes.get(i) {
        if b > b' ' || !matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
            break;
        }
        i += 1;
    }
    i
}

/// Writes the string at `i` and returns where it ends.
#[inline(always)]
fn string(bytes: &[u8], i: usize, out: &mut Vec<u8>) -> io::Result<usize> {
    let (end, escaped) = string_end(bytes, i)?;
    if escaped {
        let s: String = serde_json::from_slice(&bytes[i..end]).map_err(invalid)?;
        write_string(&s, out)?;
    } else {
        // Valid JSON text has no control character, quote or backslash unescaped: without
        // escapes a string is canonical as it stands.
        copy(bytes, i, end, out);
    }
    Ok(end)
}

/// Where the string whose opening quote is at `start` ends (just past its closing quote),
/// and whether it has an escape.
///
/// Strings are read 8 bytes at a time (a quote or backslash among them found with the
/// usual bit tricks on a `u64`); past 64 bytes, memchr takes over.
#[inline(always)]
fn string_end(bytes: &[u8], start: usize) -> io::Result<(usize, bool)> {
    const ONES: u64 = u64::MAX / 0xff;
    const HIGH: u64 = ONES << 7;
    const QUOTES: u64 = ONES * b'"' as u64;
    const BACKSLASHES: u64 = ONES * b'\\' as u64;
    let mut escaped = false;
    let mut i = start + 1;
    let short_end = start + 64;
    while i < short_end {
        let Some(chunk) = bytes.get(i..).and_then(<[u8]>::first_chunk::<8>) else {
            break;
        };
        let w = u64::from_le_bytes(*chunk);
        let (q, b) = (w ^ QUOTES, w ^ BACKSLASHES);
        // A high bit for each byte that is zero, exact up to the first one.
        let found = (q.wrapping_sub(ONES) & !q | b.wrapping_sub(ONES) & !b) & HIGH;
        if found == 0 {
            i += 8;
            continue;
        }
        i += (found.trailing_zeros() / 8) as usize;
        if bytes.get(i) == Some(&b'"') {
            return Ok((i + 1, escaped));
        }
        escaped = true;
        i += 2;
    }
    while let Some(found) = memchr::memchr2(b'"', b'\\', bytes.get(i..).unwrap_or_default()) {
        let at = i + found;
        if bytes[at] == b'"' {
            return Ok((at + 1, escaped));
        }
        escaped = true;
        i = at + 2;
    }
    Err(invalid("unterminated string"))
}

/// Writes the literal `word` that must be at `i`.
fn literal(bytes: &[u8], i: usize, word: &[u8], out: &mut Vec<u8>) -> io::Result<usize> {
    let end = i + word.len();
    if bytes.get(i..end) != Some(word) {
        return Err(invalid("expected a value"));
    }
    out.extend_from_slice(word);
    Ok(end)
}

/// Writes the number at `i` and returns where it ends.
#[inline(always)]
fn number(bytes: &[u8], i: usize, out: &mut Vec<u8>) -> io::Result<usize> {
    match short_number(bytes, i, out) {
        Some(end) => Ok(end),
        None => any_number(bytes, i, out),
    }
}

/// [`number`] for what [`short_number`] leaves: read by serde_json, written as a double.
#[cold]
fn any_number(bytes: &[u8], i: usize, out: &mut Vec<u8>) -> io::Result<usize> {
    let mut end = i;
    while bytes
        .get(end)
        .is_some_and(|b| !matches!(b, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r'))
    {
        end += 1;
    }
    let n: Number = serde_json::from_slice(&bytes[i..end]).map_err(invalid)?;
    write_number(&n, out)?;
    Ok(end)
}

/// Where the digits from `i` on end.
#[inline(always)]
fn digits_end(bytes: &[u8], mut i: usize) -> usize {
    while bytes.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    i
}

/// Writes the number at `start` if its canonical form is its text, bar a sign of zero and
/// the zeros ending a fraction, and returns where it ends; None (nothing written) for any
/// other number, which takes the slow path.
///
/// Those are the numbers without exponent of at most 15 significant digits and at most 15
/// digits before the point or 5 zeros after it (`-0` and `-0.0` are `0`). 15 digits
/// round-trip through a double (10^15 < 2^52): no shorter digits stand for the same
/// double, so the double's shortest digits, which ECMAScript prints, are the number's own;
/// and ECMAScript lays such a number out without exponent, as it is written.
#[inline(always)]
fn short_number(bytes: &[u8], start: usize, out: &mut Vec<u8>) -> Option<usize> {
    const DIGITS: usize = 15;
    let negative = bytes.get(start) == Some(&b'-');
    let int_start = start + usize::from(negative);
    let int_end = digits_end(bytes, int_start);
    let int_len = int_end - int_start;
    let zero = bytes.get(int_start) == Some(&b'0');
    if int_len == 0 || int_len > DIGITS || (zero && int_len > 1) {
        return None;
    }
    match bytes.get(int_end) {
        Some(b'.') => {}
        Some(b'e' | b'E') => return None,
        // -0 is 0.
        _ if negative && zero => return None,
        _ => {
            copy(bytes, start, int_end, out);
            return Some(int_end);
        }
    }
    let frac_start = int_end + 1;
    let frac_end = digits_end(bytes, frac_start);
    if frac_end == frac_start || matches!(bytes.get(frac_end), Some(b'e' | b'E')) {
        return None;
    }
    // The fraction without its last zeros, and its first zeros.
    let mut kept = frac_end;
    while kept > frac_start && bytes.get(kept - 1) == Some(&b'0') {
        kept -= 1;
    }
    let frac = bytes.get(frac_start..kept).unwrap_or_default();
    let leading = frac.iter().take_while(|&&d| d == b'0').count();
    match (zero, frac.len()) {
        // ±0.0…
        (true, 0) => out.push(b'0'),
        (false, 0) => copy(bytes, start, int_end, out),
        (false, len) if int_len + len <= DIGITS => copy(bytes, start, kept, out),
        (true, len) if len - leading <= DIGITS && leading <= 5 => copy(bytes, start, kept, out),
        // Too many digits, or 0.000000… (ECMAScript writes an exponent).
        _ => return None,
    }
    Some(frac_end)
}

/// Raw text that is not the valid JSON it must be (never, once validated).
fn invalid(error: impl std::fmt::Display) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("not valid JSON: {error}"),
    )
}

/// RFC 8785 §3.2.3: keys sort by their UTF-16 code units, which differs from UTF-8 byte
/// order for characters above U+FFFF against U+E000..U+FFFF. While both keys are ASCII the
/// two orders agree, and bytes compare faster.
fn utf16_order(a: &str, b: &str) -> std::cmp::Ordering {
    if a.is_ascii() && b.is_ascii() {
        a.as_bytes().cmp(b.as_bytes())
    } else {
        a.encode_utf16().cmp(b.encode_utf16())
    }
}

/// `sha256:` + lowercase hex of the sha256 of `bytes`.
pub fn bytes_sha256(bytes: &[u8]) -> String {
    prefixed_hex(&Sha256::digest(bytes))
}

/// `sha256:` + lowercase hex of the sha256 of everything `reader` yields, read in chunks.
pub fn reader_sha256<R: Read>(mut reader: R) -> io::Result<String> {
    let mut hasher = HashWriter::new();
    io::copy(&mut reader, &mut hasher)?;
    Ok(hasher.finish())
}

/// Whether everything `reader` yields is exactly `expected`: `None` when it is (then it
/// hashes as `expected` does), else the `sha256:` hash of what it yields. Read in chunks
/// and compared as it goes, which is several times faster than hashing; hashed only once
/// the two part.
pub fn reader_differs<R: Read>(mut reader: R, expected: &[u8]) -> io::Result<Option<String>> {
    let mut buf = vec![0u8; 1 << 20];
    let mut at = 0;
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let chunk = &buf[..n];
        if expected.get(at..at + n) != Some(chunk) {
            // What was read so far is `expected[..at]`.
            let mut hasher = HashWriter::new();
            hasher.0.update(&expected[..at]);
            hasher.0.update(chunk);
            io::copy(&mut reader, &mut hasher)?;
            return Ok(Some(hasher.finish()));
        }
        at += n;
    }
    Ok((at != expected.len()).then(|| bytes_sha256(&expected[..at])))
}

/// The 64 hex digits of a `sha256:<hex>` hash, if `hash` is exactly that shape.
///
/// Used before a hash becomes a file name, so a hand-made proof cannot name a path.
pub fn hash_hex(hash: &str) -> Option<&str> {
    let hex = hash.strip_prefix("sha256:")?;
    (hex.len() == 64
        && hex
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
    .then_some(hex)
}

/// A [`Write`] that feeds sha256.
struct HashWriter(Sha256);

impl HashWriter {
    fn new() -> Self {
        HashWriter(Sha256::new())
    }

    fn finish(self) -> String {
        prefixed_hex(&self.0.finalize())
    }
}

impl Write for HashWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn prefixed_hex(digest: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(7 + digest.len() * 2);
    s.push_str("sha256:");
    for b in digest {
        s.push(HEX[usize::from(b >> 4)] as char);
        s.push(HEX[usize::from(b & 0xf)] as char);
    }
    s
}

fn write_object<W: Write + ?Sized>(map: &Map<String, Value>, out: &mut W) -> io::Result<()> {
    write_sorted(
        map.iter().map(|(k, v)| (k.as_str(), v)).collect(),
        out,
        |v, out| write_canonical(v, out),
    )
}

/// Writes an object's entries sorted as RFC 8785 sorts them, each value by `write`.
fn write_sorted<V, W: Write + ?Sized>(
    mut entries: Vec<(&str, &V)>,
    out: &mut W,
    write: impl Fn(&V, &mut W) -> io::Result<()>,
) -> io::Result<()> {
    entries.sort_by(|(a, _), (b, _)| utf16_order(a, b));
    out.write_all(b"{")?;
    for (i, (key, value)) in entries.into_iter().enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        write_string(key, out)?;
        out.write_all(b":")?;
        write(value, out)?;
    }
    out.write_all(b"}")
}

/// Escapes as `JSON.stringify` does: `"` and `\`, the short escapes for \b \t \n \f \r,
/// `\u00xx` (lowercase hex) for the other control characters, everything else as UTF-8.
fn write_string<W: Write + ?Sized>(s: &str, out: &mut W) -> io::Result<()> {
    let bytes = s.as_bytes();
    // Most strings need no escape: one scan, one write, instead of a write per segment.
    if !bytes.iter().any(|&b| b < 0x20 || b == b'"' || b == b'\\') {
        out.write_all(b"\"")?;
        out.write_all(bytes)?;
        return out.write_all(b"\"");
    }
    out.write_all(b"\"")?;
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            0x08 => b"\\b",
            b'\t' => b"\\t",
            b'\n' => b"\\n",
            0x0c => b"\\f",
            b'\r' => b"\\r",
            0x00..=0x1f => {
                out.write_all(&bytes[start..i])?;
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.write_all(&[
                    b'\\',
                    b'u',
                    b'0',
                    b'0',
                    HEX[usize::from(b >> 4)],
                    HEX[usize::from(b & 0xf)],
                ])?;
                start = i + 1;
                continue;
            }
            _ => continue,
        };
        out.write_all(&bytes[start..i])?;
        out.write_all(escape)?;
        start = i + 1;
    }
    out.write_all(&bytes[start..])?;
    out.write_all(b"\"")
}

fn write_number<W: Write + ?Sized>(n: &Number, out: &mut W) -> io::Result<()> {
    const EXACT: u64 = 1 << 53;
    if let Some(u) = n.as_u64() {
        if u <= EXACT {
            return write!(out, "{u}");
        }
    } else if let Some(i) = n.as_i64() {
        if i.unsigned_abs() <= EXACT {
            return write!(out, "{i}");
        }
    }
    // Past 2^53 (or a float): the number is the double it denotes.
    let f = n.as_f64().unwrap_or(0.0);
    out.write_all(format_es6(f).as_bytes())
}

/// Formats a finite double as ECMAScript's `Number.prototype.toString` does (ECMA-262
/// §6.1.6.1.20), which RFC 8785 §3.2.2.3 adopts.
pub fn format_es6(f: f64) -> String {
    if f == 0.0 || !f.is_finite() {
        // -0 prints as 0; JSON has no non-finite numbers, so they cannot reach here from a
        // parsed document.
        return "0".to_owned();
    }
    let (digits, n) = shortest_digits(f.abs());
    let k = digits.len() as i32;
    let mut s = String::with_capacity(k.unsigned_abs() as usize + 8);
    if f < 0.0 {
        s.push('-');
    }
    if k <= n && n <= 21 {
        s.push_str(&digits);
        s.extend(std::iter::repeat_n('0', (n - k) as usize));
    } else if 0 < n && n <= 21 {
        s.push_str(&digits[..n as usize]);
        s.push('.');
        s.push_str(&digits[n as usize..]);
    } else if -6 < n && n <= 0 {
        s.push_str("0.");
        s.extend(std::iter::repeat_n('0', (-n) as usize));
        s.push_str(&digits);
    } else {
        s.push_str(&digits[..1]);
        if k > 1 {
            s.push('.');
            s.push_str(&digits[1..]);
        }
        s.push('e');
        s.push(if n > 0 { '+' } else { '-' });
        s.push_str(&(n - 1).abs().to_string());
    }
    s
}

/// The shortest digits that round-trip `f` (positive, finite), choosing the closest to `f`
/// among equally short candidates as ECMAScript requires, and ECMAScript's `n`: the value
/// is `0.d1d2…dk × 10^n`.
///
/// The digits come from serde_json's float printer, which picks the closest candidate;
/// std's `{:e}` picks another one for some inputs (0x43143ff3c1cb0959 prints as
/// …206.3, not …206.2), so it is not used. Its output (`1.5`, `1e-7`, `1.2e+23`) is parsed
/// back into digits and exponent here.
fn shortest_digits(f: f64) -> (String, i32) {
    let text = serde_json::Number::from_f64(f)
        .map(|n| n.to_string())
        .unwrap_or_else(|| "0".to_owned());
    let (mantissa, exp) = match text.split_once(['e', 'E']) {
        Some((m, e)) => (m, e.trim_start_matches('+').parse::<i32>().unwrap_or(0)),
        None => (text.as_str(), 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all: String = int.chars().chain(frac.chars()).collect();
    let leading = all.len() - all.trim_start_matches('0').len();
    let digits = all.trim_start_matches('0').trim_end_matches('0').to_owned();
    // The decimal point sits after `int`; dropping leading zeros moves it left.
    let n = int.len() as i32 - leading as i32 + exp;
    (digits, n)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_reader_differs_from_bytes_unless_it_yields_them_all() {
        /// Yields its bytes a few at a time, as a file may.
        struct Trickle<'a>(&'a [u8]);
        impl Read for Trickle<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                let n = buf.len().min(self.0.len()).min(3);
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let expected = b"{\"schemaVersion\": 2, \"tasks\": []}";
        assert_eq!(reader_differs(&expected[..], expected).unwrap(), None);
        assert_eq!(reader_differs(Trickle(expected), expected).unwrap(), None);
        let mut changed = expected.to_vec();
        changed[20] = b'3';
        for other in [
            &changed[..],
            &expected[..10],
            b"{} and more than before, a lot more",
        ] {
            let hash = Some(bytes_sha256(other));
            assert_eq!(reader_differs(other, expected).unwrap(), hash);
            assert_eq!(reader_differs(Trickle(other), expected).unwrap(), hash);
        }
        let longer = [&expected[..], b" "].concat();
        assert_eq!(
            reader_differs(&longer[..], expected).unwrap(),
            Some(bytes_sha256(&longer))
        );
    }

    use super::*;
    use proptest::prelude::*;

    /// Any JSON value: keys and strings with escapes, non-ASCII and astral characters,
    /// numbers of every kind.
    fn json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(Value::from),
            "[a-z\"\\\\/\u{1}\n\u{e9}\u{ffff}\u{1F600}]{0,6}".prop_map(Value::from),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::vec(("[a-z\u{e000}\u{1F600}\"]{0,3}", inner), 0..6)
                    .prop_map(|entries| Value::Object(entries.into_iter().collect())),
            ]
        })
    }

    fn canonical_of(node: &Node<'_>) -> String {
        let mut out = Vec::new();
        write_canonical_node(node, &mut out, false).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn a_large_array_written_on_two_threads_gives_the_same_text() {
        let items: Vec<Value> = (0..10_001)
            .map(|i| serde_json::json!({"z": i, "a": [i, {"y\u{e9}": "s\"t", "b": 1.5}]}))
            .collect();
        let value = Value::Array(items);
        let text = serde_json::to_string_pretty(&value).unwrap();
        let expected = to_canonical_string(&value);
        // Opened one level (as a large array of large elements comes), elements raw.
        let node = Node::Raw(&text).into_open();
        assert!(matches!(&node, Node::Array(items) if items.len() == 10_001));
        for parallel in [false, true] {
            let mut out = Vec::new();
            write_canonical_node(&node, &mut out, parallel).unwrap();
            assert_eq!(
                String::from_utf8(out).unwrap(),
                expected,
                "parallel: {parallel}"
            );
        }
        assert_eq!(
            canonical_sha256_node(&node, true).unwrap(),
            canonical_sha256(&value)
        );
    }

    proptest! {
        /// Raw text, compact or pretty, and a read tree all give the value's canonical form.
        #[test]
        fn raw_text_and_trees_give_the_values_canonical_form(value in json()) {
            let expected = to_canonical_string(&value);
            let compact = serde_json::to_string(&value).unwrap();
            let pretty = serde_json::to_string_pretty(&value).unwrap();
            prop_assert_eq!(&canonical_of(&Node::Raw(&compact)), &expected);
            prop_assert_eq!(&canonical_of(&Node::Raw(&pretty)), &expected);
            prop_assert_eq!(&canonical_of(&Node::from_value(value.clone())), &expected);
            // Partly read: the first level read, the rest raw.
            prop_assert_eq!(&canonical_of(&Node::Raw(&pretty).into_open()), &expected);
        }
    }

    /// The canonical form of raw `text`, or the error.
    fn raw_canonical(text: &str) -> io::Result<String> {
        let mut out = Vec::new();
        write_canonical_node(&Node::Raw(text), &mut out, false)?;
        Ok(String::from_utf8(out).unwrap())
    }

    /// The canonical form of raw `text`, checked against the value it stands for.
    fn checked(text: &str) -> String {
        let value: Value = serde_json::from_str(text).unwrap();
        let canonical = raw_canonical(text).unwrap();
        assert_eq!(canonical, to_canonical_string(&value), "{text}");
        canonical
    }

    /// A number token written by the fast path, if it takes it.
    fn fast_number(token: &str) -> Option<String> {
        let mut out = Vec::new();
        let end = short_number(token.as_bytes(), 0, &mut out)?;
        assert_eq!(end, token.len(), "{token}");
        Some(String::from_utf8(out).unwrap())
    }

    /// A number token written by the slow path: serde_json's number, written as a double.
    fn slow_number(token: &str) -> String {
        let mut out = Vec::new();
        write_number(&serde_json::from_str(token).unwrap(), &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn short_numbers_are_written_as_the_slow_path_writes_them() {
        let fast = [
            "0",
            "7",
            "-7",
            "10",
            "123456789012345",
            "-999999999999999",
            "0.5",
            "-0.5",
            "0.0",
            "-0.0",
            "0.000",
            "1.0",
            "-100.000",
            "12.375",
            "0.001",
            "0.000001",
            "-0.00000123456789012345",
            "12345678901234.5",
            "1.23456789012345",
            "123456789012345.000",
        ];
        for token in fast {
            assert_eq!(fast_number(token), Some(slow_number(token)), "{token}");
        }
        // -0 is 0; longer integers may not be exact doubles; exponents, 16 significant
        // digits and over 30 digits take the slow path.
        let slow = [
            "-0",
            "1234567890123456",
            "9007199254740993",
            "-9007199254740993",
            "123456789012345678901234567890",
            "1e5",
            "1E+2",
            "-2.5e-3",
            "0.1e1",
            "1234567890123456.0",
            "1.234567890123456",
            "0.0000001",
            "0.00000012345",
            "0.000000000000000000000000001",
            "100000000000000000000.0",
            "1000000000000000000000.0",
            "999999999999999000000000.0",
        ];
        for token in slow {
            assert_eq!(fast_number(token), None, "{token}");
            assert_eq!(checked(token), slow_number(token));
        }
        assert_eq!(checked("-0"), "0");
        assert_eq!(checked("[-0.0, 0, -0]"), "[0,0,0]");
        // Not numbers: nothing written, and the slow path refuses them.
        for token in ["-", "01", "-01", "1.", ".5", "+1", "1.e5"] {
            let mut out = Vec::new();
            let end = short_number(token.as_bytes(), 0, &mut out);
            assert!(end.is_none_or(|end| end < token.len()), "{token}");
            assert!(raw_canonical(token).is_err() || end.is_some(), "{token}");
        }
    }

    proptest! {
        /// Any integer or decimal: the fast path, where it applies, writes what the slow
        /// one does; and raw text with it is canonical.
        #[test]
        fn the_number_fast_path_agrees_with_the_slow_one(
            token in "-?(0|[1-9][0-9]{0,17})(\\.[0-9]{1,18})?",
        ) {
            if let Some(fast) = fast_number(&token) {
                prop_assert_eq!(fast, slow_number(&token));
            }
            checked(&token);
        }

        /// Decimals with runs of zeros around few digits (the layouts of ECMAScript).
        #[test]
        fn zeros_around_digits_are_laid_out_as_ecmascript_does(
            sign in "-?", int_zeros in 0usize..24, digits in "[1-9][0-9]{0,4}",
            frac_zeros in 0usize..24, int in any::<bool>(),
        ) {
            let token = if int {
                format!("{sign}{digits}{}.{}", "0".repeat(int_zeros), "0".repeat(frac_zeros + 1))
            } else {
                format!("{sign}0.{}{digits}{}", "0".repeat(frac_zeros), "0".repeat(int_zeros))
            };
            if let Some(fast) = fast_number(&token) {
                prop_assert_eq!(fast, slow_number(&token));
            }
            checked(&token);
        }
    }

    #[test]
    fn keys_sort_by_utf16_however_they_are_written() {
        // Escaped or not, BMP above the surrogates (U+E000, U+FFFF) sorts after astral
        // characters (surrogate pairs) in UTF-16, before them in UTF-8.
        let text = r#"{"\ud83d\ude00": 1, "\uffff": 2, "\u00e9": 3, "é0": 4, "\ue000": 5,
            "a\"b": 6, "a": 7, "\n": 8, "\u0061b": 9, "": 10, "😀x": 11, "\\": 12, "/": 13,
            "\/x": 14}"#;
        let canonical = checked(text);
        let expected = concat!(
            r#"{"":10,"\n":8,"/":13,"/x":14,"\\":12,"a":7,"a\"b":6,"ab":9,"é":3,"é0":4,"#,
            "\"\u{1F600}\":1,\"\u{1F600}x\":11,\"\u{e000}\":5,\"\u{ffff}\":2}",
        );
        assert_eq!(canonical, expected);
        // Again, now that the first object's shape is known, and spaced otherwise.
        checked(&format!("[{text}, {text},{}]", text.replace(' ', "")));
    }

    #[test]
    fn objects_of_known_and_unknown_shapes_are_sorted() {
        let objects = [
            r#"{"b": 1, "a": 2, "c": 3}"#,
            // The same keys and spacing: the shape known.
            r#"{"b": 4, "a": 5, "c": 6}"#,
            // The same keys in another order.
            r#"{"a": 7, "c": 8, "b": 9}"#,
            r#"{"c": 1, "b": 2, "a": 3}"#,
            // As many keys, others; more; fewer; a key more at the end.
            r#"{"b": 1, "a": 2, "d": 3}"#,
            r#"{"x": 1, "a": 2, "c": 3}"#,
            r#"{"b": 1, "a": 2, "c": 3, "0": 4}"#,
            r#"{"b": 1, "a": 2}"#,
            r#"{"b": 1}"#,
            r#"{}"#,
            // Spaced otherwise, in every way.
            r#"{"b":1,"a":2,"c":3}"#,
            "{\n  \"b\" : 1 ,\n\t\"a\":2,\r\n\"c\"  :  3  }",
            // A key that starts as one known (the glue would match a prefix).
            r#"{"bb": 1, "a": 2, "c": 3}"#,
            r#"{"b": 1, "a": 2, "cc": 3}"#,
            // The same key written with an escape, and a key with escapes.
            r#"{"\u0062": 1, "a": 2, "c": 3}"#,
            r#"{"b": 1, "a\u00e9\n": 2, "c": 3}"#,
            r#"{"b": 1, "a\u00e9\n": 2, "c": 3}"#,
            // The first object again, after all that.
            r#"{"b": 1, "a": 2, "c": 3}"#,
        ];
        for (n, object) in objects.iter().enumerate() {
            // Alone, after all those before it (shapes learnt), and nested in each other.
            checked(object);
            checked(&format!("[{}]", objects[..=n].join(", ")));
            let nested = objects[..=n].iter().fold("0".to_owned(), |inner, object| {
                object.replacen(": 1", &format!(": [{inner}, {inner}]"), 1)
            });
            checked(&nested);
        }
        // More shapes than are remembered, repeated; and many keys, long keys.
        let many: Vec<String> = (0..3 * SHAPES)
            .map(|k| format!(r#"{{"k{}": 1, "a": 2, "z": {k}}}"#, k % (SHAPES + 2)))
            .collect();
        checked(&format!("[{}]", many.join(",")));
        let wide = |keys: usize, long: usize| {
            let members: Vec<String> = (0..keys)
                .rev()
                .map(|k| format!(r#""{}{k}": {k}"#, "k".repeat(long)))
                .collect();
            format!("{{{}}}", members.join(", "))
        };
        for (keys, long) in [(Shape::MAX_KEYS + 1, 1), (3, Shape::MAX_BYTES), (40, 60)] {
            let object = wide(keys, long);
            checked(&format!("[{object}, {object}, {object}]"));
        }
        // Deep indentation: glue too long to remember.
        let deep = (0..40).fold(
            Value::from(1),
            |inner, k| serde_json::json!({"b": inner, "a": k}),
        );
        let pretty = serde_json::to_string_pretty(&Value::Array(vec![deep.clone(), deep])).unwrap();
        checked(&pretty);
    }

    proptest! {
        /// Arrays of objects whose keys come from a few, in any order and number, spaced in
        /// any way: shapes are met again, changed, and spaced otherwise.
        #[test]
        fn repeated_shapes_give_the_values_canonical_form(
            objects in prop::collection::vec(
                prop::collection::vec(("[abc]{1,2}|\u{e9}|\\\\", 0u8..3), 0..5), 1..12),
            spaces in prop::collection::vec(prop_oneof![Just(""), Just(" "), Just("\n  ")], 1..8),
        ) {
            let mut spaces = spaces.iter().cycle();
            let mut text = String::from("[");
            for (n, object) in objects.iter().enumerate() {
                let mut seen = std::collections::HashSet::new();
                let members: Vec<String> = object
                    .iter()
                    .filter(|(key, _)| seen.insert(key.clone()))
                    .map(|(key, value)| {
                        let value = match value { 0 => "1", 1 => "\"s\"", _ => "{\"a\": [1, 2]}" };
                        let key = serde_json::to_string(key).unwrap();
                        format!("{}{key}{}:{}{value}", spaces.next().unwrap(), spaces.next().unwrap(), spaces.next().unwrap())
                    })
                    .collect();
                if n > 0 {
                    text.push(',');
                }
                text.push_str(&format!("{{{}{}}}", members.join(","), spaces.next().unwrap()));
            }
            text.push(']');
            checked(&text);
        }
    }

    #[test]
    fn invalid_text_is_an_error_not_a_panic() {
        let invalid = [
            "",
            " ",
            "{",
            "[",
            "}",
            "]",
            "\"",
            "\"abc",
            "\"ab\\",
            "\"ab\\\"",
            "nul",
            "tru",
            "fals",
            "-",
            "1.",
            "1e",
            "01",
            "{\"a\"",
            "{\"a\":",
            "{\"a\":1",
            "{\"a\":1,",
            "{\"a\":1,}",
            "{\"a\" 1}",
            "{1:2}",
            "{\"a\":1 \"b\":2}",
            "[1,]",
            "[1 2]",
            "[,1]",
            "{,}",
            "[1,2",
            "{\"a\":[}",
            "{\"a\":{\"b\":1}",
            "\"\\u12\"",
            "\"\\x\"",
        ];
        for text in invalid {
            assert!(raw_canonical(text).is_err(), "{text:?}");
        }
        // After shapes are learnt, texts that break off or go wrong where one matched.
        let known = r#"{"id": "x", "n": 1, "tags": ["a", "b"], "o": {"k": 1}}"#;
        let mut texts = Vec::new();
        for cut in 1..known.len() {
            texts.push(format!("[{known}, {}", &known[..cut]));
            texts.push(format!("[{known}, {}]", &known[..cut]));
            texts.push(format!("[{known}, {}x{}]", &known[..cut], &known[cut..]));
        }
        for text in &texts {
            // Errors (or, for a mangled but valid text, its canonical form): no panic.
            match serde_json::from_str::<Value>(text) {
                Ok(_) => {
                    checked(text);
                }
                Err(_) => assert!(raw_canonical(text).is_err(), "{text}"),
            }
        }
    }

    proptest! {
        /// Any text: an error or the canonical form, never a panic or a loop.
        #[test]
        fn any_text_is_written_or_refused(
            value in json(), at in any::<prop::sample::Index>(), byte in 0u8..128,
            cut in any::<bool>(),
        ) {
            let mut text = serde_json::to_string(&value).unwrap().into_bytes();
            let at = at.index(text.len() + 1);
            if cut {
                text.truncate(at);
            } else {
                text.insert(at, byte);
            }
            // Bytes below 128 keep it UTF-8 except where cut inside a character.
            if let Ok(text) = std::str::from_utf8(&text) {
                let doubled = format!("[{text},{text}]");
                for text in [text, doubled.as_str()] {
                    // The writer checks the structure it reads, not all JSON's rules (a
                    // control character in a string…): what it accepts as the value
                    // serde_json reads, it writes in that value's canonical form.
                    let written = raw_canonical(text);
                    if let (Ok(written), Ok(value)) = (written, serde_json::from_str::<Value>(text)) {
                        prop_assert_eq!(written, to_canonical_string(&value));
                    }
                }
            }
        }
    }

    #[test]
    fn large_raw_and_parallel_arrays_hash_as_their_values() {
        let value = Value::Array(
            (0..20_000)
                .map(|i| serde_json::json!({"b": i, "a": [i, "s\u{e9}", 1.5]}))
                .collect(),
        );
        let text = serde_json::to_string(&value).unwrap();
        let expected = canonical_sha256(&value);
        // Raw (the writer's top-level text fed to the hasher as it goes), or opened.
        for node in [Node::Raw(&text), Node::Raw(&text).into_open()] {
            for parallel in [false, true] {
                assert_eq!(canonical_sha256_node(&node, parallel).unwrap(), expected);
            }
        }
    }

    #[test]
    fn an_invalid_element_of_a_parallel_array_is_an_error() {
        let good = r#"{"b": 1, "a": "x"}"#;
        for bad in [0, 1, 700, 5000, 9999] {
            let items: Vec<Node<'_>> = (0..10_000)
                .map(|i| Node::Raw(if i == bad { r#"{"b": 1, "a": "# } else { good }))
                .collect();
            let node = Node::Array(items);
            assert!(canonical_sha256_node(&node, true).is_err(), "{bad}");
            assert!(canonical_sha256_node(&node, false).is_err(), "{bad}");
        }
    }
}
