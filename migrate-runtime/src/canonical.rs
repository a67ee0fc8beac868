//! RFC 8785 (JSON Canonicalization Scheme) output and the sha256 fingerprints taken over it.
//!
//! Proofs name documents by hash, so the encoding hashed must not depend on key order,
//! whitespace or how a number happened to be spelled. RFC 8785 fixes all three: object keys
//! sorted by their UTF-16 code units, no whitespace, strings escaped as ECMAScript's
//! `JSON.stringify` does, and numbers printed as ECMAScript prints an IEEE 754 double.
//!
//! The writer streams into any [`Write`], so a 100 MB document is hashed without ever
//! holding its canonical text in memory.

use std::borrow::Cow;
use std::io::{self, Read, Write};

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

/// [`write_canonical`] of the value `node` stands for. Raw text is written in one pass
/// over it (see [`RawCanonical`]): no tree of it is built.
/// With `parallel`, a large array's elements are written on two threads.
pub(crate) fn write_canonical_node<'t, W: Write + ?Sized>(
    node: &Node<'t>,
    out: &mut W,
    parallel: bool,
) -> io::Result<()> {
    RawCanonical::new(parallel).node(node, out)
}

/// Elements of a large array are written in chunks of this many, two chunks at a time
/// (one on a second thread) when the writer may use two threads.
const CHUNK: usize = 2048;

/// The canonical form of `items`, one after the other with commas between.
fn chunk_text(items: &[Node<'_>]) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut writer = RawCanonical::new(false);
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        writer.node(item, &mut out)?;
    }
    Ok(out)
}

/// The canonical form of raw JSON text (valid: see `node`), written in one pass over it:
/// arrays stream straight through; an object's members are written to a buffer of their
/// depth, then copied out in key order. Each byte of the text is read once (the members of
/// nested objects are copied once per enclosing object), where opening the text level by
/// level would scan each byte once per level above it.
struct RawCanonical<'t> {
    /// Whether a large array's elements may be written on two threads.
    parallel: bool,
    text: &'t str,
    at: usize,
    /// One buffer of member text per object depth, reused from object to object.
    buffers: Vec<Vec<u8>>,
    /// One list of members (key, whether it is ASCII, start and end in the buffer) per
    /// object depth.
    members: Vec<Vec<Member<'t>>>,
}

/// An object member written to its depth's buffer: key, ASCII or not, where its value is.
type Member<'t> = (Cow<'t, str>, bool, usize, usize);

impl<'t> RawCanonical<'t> {
    fn new(parallel: bool) -> Self {
        RawCanonical {
            parallel,
            text: "",
            at: 0,
            buffers: Vec::new(),
            members: Vec::new(),
        }
    }

    /// Writes a node: read levels as they are, raw text in one pass (the buffers are kept
    /// from one raw part to the next: a large array of raw elements allocates them once).
    fn node<W: Write + ?Sized>(&mut self, node: &Node<'t>, out: &mut W) -> io::Result<()> {
        match node {
            Node::Raw(text) => {
                self.text = text;
                self.at = 0;
                self.value(out, 0)
            }
            Node::Null => out.write_all(b"null"),
            Node::Bool(true) => out.write_all(b"true"),
            Node::Bool(false) => out.write_all(b"false"),
            Node::Number(n) => write_number(n, out),
            Node::String(s) => write_string(s, out),
            Node::Array(items) if self.parallel && items.len() > 2 * CHUNK => {
                // The elements' canonical text is made on two threads, a chunk each, and
                // written (hashed) in order: the output is the same as one thread's.
                out.write_all(b"[")?;
                let chunks: Vec<&[Node<'t>]> = items.chunks(CHUNK).collect();
                for (n, pair) in chunks.chunks(2).enumerate() {
                    let (first, second) = std::thread::scope(|scope| {
                        let second = pair.get(1).map(|c| scope.spawn(|| chunk_text(c)));
                        let first = chunk_text(pair[0]);
                        let second = second.map(|h| match h.join() {
                            Ok(text) => text,
                            Err(panic) => std::panic::resume_unwind(panic),
                        });
                        (first, second)
                    });
                    if n > 0 {
                        out.write_all(b",")?;
                    }
                    out.write_all(&first?)?;
                    if let Some(second) = second {
                        out.write_all(b",")?;
                        out.write_all(&second?)?;
                    }
                }
                out.write_all(b"]")
            }
            Node::Array(items) => {
                out.write_all(b"[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.write_all(b",")?;
                    }
                    self.node(item, out)?;
                }
                out.write_all(b"]")
            }
            Node::Object(entries) => {
                let mut entries: Vec<&(Key<'t>, Node<'t>)> = entries.iter().collect();
                entries.sort_by(|(a, _), (b, _)| utf16_order(a, b));
                out.write_all(b"{")?;
                for (i, (key, value)) in entries.into_iter().enumerate() {
                    if i > 0 {
                        out.write_all(b",")?;
                    }
                    write_string(key, out)?;
                    out.write_all(b":")?;
                    self.node(value, out)?;
                }
                out.write_all(b"}")
            }
        }
    }

    fn bytes(&self) -> &'t [u8] {
        self.text.as_bytes()
    }

    fn skip_space(&mut self) {
        let bytes = self.bytes();
        while bytes
            .get(self.at)
            .is_some_and(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
        {
            self.at += 1;
        }
    }

    /// Steps over `byte` (after any whitespace); false if something else is there.
    fn eat(&mut self, byte: u8) -> bool {
        self.skip_space();
        if self.bytes().get(self.at) == Some(&byte) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    /// The string at the cursor (the cursor just past it after), and whether it is written
    /// as it stands in canonical form: no escape in it (valid JSON text has no control
    /// character, quote or backslash unescaped, so nothing in it needs one).
    fn string(&mut self) -> io::Result<(Cow<'t, str>, bool)> {
        let bytes = self.bytes();
        let start = self.at;
        if bytes.get(start) != Some(&b'"') {
            return Err(invalid("expected a string"));
        }
        let mut i = start + 1;
        let mut escaped = false;
        loop {
            match bytes.get(i) {
                Some(b'"') => break,
                Some(b'\\') => {
                    escaped = true;
                    i += 2;
                }
                Some(_) => i += 1,
                None => return Err(invalid("unterminated string")),
            }
        }
        self.at = i + 1;
        if escaped {
            let quoted = self.text.get(start..self.at).unwrap_or_default();
            let s: String = serde_json::from_str(quoted).map_err(invalid)?;
            Ok((Cow::Owned(s), false))
        } else {
            let inner = self
                .text
                .get(start + 1..i)
                .ok_or_else(|| invalid("not UTF-8"))?;
            Ok((Cow::Borrowed(inner), true))
        }
    }

    /// Writes a string read by [`Self::string`].
    fn write_str<W: Write + ?Sized>(s: &str, as_is: bool, out: &mut W) -> io::Result<()> {
        if as_is {
            out.write_all(b"\"")?;
            out.write_all(s.as_bytes())?;
            out.write_all(b"\"")
        } else {
            write_string(s, out)
        }
    }

    fn value<W: Write + ?Sized>(&mut self, out: &mut W, depth: usize) -> io::Result<()> {
        self.skip_space();
        match self.bytes().get(self.at) {
            Some(b'{') => self.object(out, depth),
            Some(b'[') => {
                self.at += 1;
                out.write_all(b"[")?;
                if !self.eat(b']') {
                    loop {
                        self.value(out, depth + 1)?;
                        if self.eat(b']') {
                            break;
                        }
                        if !self.eat(b',') {
                            return Err(invalid("expected `,` or `]`"));
                        }
                        out.write_all(b",")?;
                    }
                }
                out.write_all(b"]")
            }
            Some(b'"') => {
                let (s, as_is) = self.string()?;
                Self::write_str(&s, as_is, out)
            }
            Some(_) => {
                let bytes = self.bytes();
                let start = self.at;
                while bytes.get(self.at).is_some_and(|b| {
                    !matches!(b, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r')
                }) {
                    self.at += 1;
                }
                match &bytes[start..self.at] {
                    b"null" => out.write_all(b"null"),
                    b"true" => out.write_all(b"true"),
                    b"false" => out.write_all(b"false"),
                    token => {
                        let n: Number = serde_json::from_slice(token).map_err(invalid)?;
                        write_number(&n, out)
                    }
                }
            }
            None => Err(invalid("unexpected end")),
        }
    }

    fn object<W: Write + ?Sized>(&mut self, out: &mut W, depth: usize) -> io::Result<()> {
        self.at += 1;
        if self.buffers.len() <= depth {
            self.buffers.resize_with(depth + 1, Vec::new);
            self.members.resize_with(depth + 1, Vec::new);
        }
        let mut buffer = std::mem::take(&mut self.buffers[depth]);
        let mut members = std::mem::take(&mut self.members[depth]);
        buffer.clear();
        members.clear();
        if !self.eat(b'}') {
            loop {
                self.skip_space();
                let (key, as_is) = self.string()?;
                if !self.eat(b':') {
                    return Err(invalid("expected `:`"));
                }
                let start = buffer.len();
                self.value(&mut buffer, depth + 1)?;
                let ascii = key.is_ascii();
                members.push((key, as_is && ascii, start, buffer.len()));
                if self.eat(b'}') {
                    break;
                }
                if !self.eat(b',') {
                    return Err(invalid("expected `,` or `}`"));
                }
            }
        }
        // Keys that are ASCII (the second field, with no escape) compare as bytes.
        members.sort_by(|(a, a_plain, ..), (b, b_plain, ..)| {
            if *a_plain && *b_plain {
                a.as_bytes().cmp(b.as_bytes())
            } else {
                utf16_order(a, b)
            }
        });
        out.write_all(b"{")?;
        for (i, (key, plain, start, end)) in members.iter().enumerate() {
            if i > 0 {
                out.write_all(b",")?;
            }
            Self::write_str(key, *plain, out)?;
            out.write_all(b":")?;
            out.write_all(&buffer[*start..*end])?;
        }
        out.write_all(b"}")?;
        self.buffers[depth] = buffer;
        members.clear();
        self.members[depth] = members;
        Ok(())
    }
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

/// [`canonical_sha256`] of the value `node` stands for; with `parallel`, a large array's
/// elements are written on two threads. Fails only on raw text that is not JSON, which
/// validation rules out before any raw node exists.
pub(crate) fn canonical_sha256_node(node: &Node<'_>, parallel: bool) -> io::Result<String> {
    let mut hasher = HashWriter::new();
    {
        let mut buffered = io::BufWriter::with_capacity(64 * 1024, &mut hasher);
        write_canonical_node(node, &mut buffered, parallel)?;
        buffered.flush()?;
    }
    Ok(hasher.finish())
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
}
