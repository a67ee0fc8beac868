//! A quick check that bytes are certainly one JSON document the engine accepts.
//!
//! The engine accepts exactly what serde_json's `Value` parse accepts, less documents that
//! write a key twice in one object ([`crate::node::validate`]). Reading a large document
//! that way costs serde_json a parse of every string and number; this check walks the
//! bytes once with a hand-written grammar instead, about three times faster, and answers
//! only "certainly accepted" or "not sure". Everything it is not sure of (an error, but
//! also what is valid yet rare enough not to be worth deciding here: an escaped key, a
//! `\u` escape of a surrogate, a number near the edge of `f64`'s range, very deep nesting,
//! bytes that are not UTF-8) goes to serde_json, which gives the verdict and, for a
//! refusal, its message. So a wrong "not sure" costs time, never a verdict; a wrong
//! "certainly" would be a bug, and every rule below errs on the side of "not sure".
//!
//! What serde_json refuses and this check therefore never calls certain: anything outside
//! the JSON grammar (RFC 8259), trailing text after the value, a control character in a
//! string, an unknown escape, a lone surrogate, a number whose value overflows `f64`, more
//! than 127 levels of nesting; and the engine's own rule, a key written twice in one
//! object.

use std::collections::HashSet;

/// Nesting this deep is left to serde_json (which refuses 128 levels).
const MAX_DEPTH: usize = 100;

/// Keys of one object compared one by one up to this many; past it, hashed.
const SCAN_KEYS: usize = 16;

/// True when `bytes` is certainly a JSON document serde_json parses, with no key written
/// twice in one object; false when that is not certain (see the module's docs).
pub(crate) fn certainly_valid(bytes: &[u8]) -> bool {
    if std::str::from_utf8(bytes).is_err() {
        return false;
    }
    let mut check = Quick {
        bytes,
        at: 0,
        keys: Vec::new(),
    };
    check.space();
    if check.value(0).is_none() {
        return false;
    }
    check.space();
    check.at == bytes.len()
}

/// What is not certain: the check stops there.
type Sure = Option<()>;

struct Quick<'b> {
    bytes: &'b [u8],
    at: usize,
    /// The keys of the objects open on the way down, innermost last.
    keys: Vec<&'b [u8]>,
}

impl<'b> Quick<'b> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn space(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.at += 1;
        }
    }

    fn eat(&mut self, byte: u8) -> Sure {
        (self.peek() == Some(byte)).then(|| self.at += 1)
    }

    fn literal(&mut self, word: &[u8]) -> Sure {
        let end = self.at + word.len();
        (self.bytes.get(self.at..end) == Some(word)).then(|| self.at = end)
    }

    fn value(&mut self, depth: usize) -> Sure {
        match self.peek()? {
            b'{' => self.object(depth + 1),
            b'[' => self.array(depth + 1),
            b'"' => self.string().map(|_| ()),
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            _ => self.number(),
        }
    }

    /// Past a container's opening bracket: true when it closes at once with `close`
    /// (taken); not certain past [`MAX_DEPTH`].
    fn opened_empty(&mut self, depth: usize, close: u8) -> Option<bool> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.at += 1;
        self.space();
        Some(self.eat(close).is_some())
    }

    fn array(&mut self, depth: usize) -> Sure {
        if self.opened_empty(depth, b']')? {
            return Some(());
        }
        loop {
            self.value(depth)?;
            if self.closed_after_value(b']')? {
                return Some(());
            }
        }
    }

    /// After a member: true at the container's `close` (taken), false after a comma
    /// (taken, with the space after it); anything else is not certain.
    fn closed_after_value(&mut self, close: u8) -> Option<bool> {
        self.space();
        let next = self.peek()?;
        self.at += 1;
        if next == close {
            return Some(true);
        }
        (next == b',').then(|| self.space()).map(|()| false)
    }

    fn object(&mut self, depth: usize) -> Sure {
        if self.opened_empty(depth, b'}')? {
            return Some(());
        }
        let base = self.keys.len();
        let mut hashed: Option<HashSet<&'b [u8]>> = None;
        loop {
            // An escaped key is left to serde_json: it would have to be decoded to be
            // compared with the others.
            let (key, escaped) = self.string()?;
            if escaped {
                return None;
            }
            let seen = match &mut hashed {
                Some(set) => !set.insert(key),
                None => self.keys[base..].contains(&key),
            };
            if seen {
                return None;
            }
            self.keys.push(key);
            if hashed.is_none() && self.keys.len() - base > SCAN_KEYS {
                hashed = Some(self.keys[base..].iter().copied().collect());
            }
            self.space();
            self.eat(b':')?;
            self.space();
            self.value(depth)?;
            if self.closed_after_value(b'}')? {
                self.keys.truncate(base);
                return Some(());
            }
        }
    }

    /// A string (the opening quote at `at`): its content, and whether it has escapes.
    fn string(&mut self) -> Option<(&'b [u8], bool)> {
        if self.peek()? != b'"' {
            return None;
        }
        let start = self.at + 1;
        let mut i = start;
        let mut escaped = false;
        loop {
            i = plain_run_end(self.bytes, i);
            let byte = *self.bytes.get(i)?;
            match byte {
                b'"' => break,
                b'\\' => {
                    escaped = true;
                    match *self.bytes.get(i + 1)? {
                        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => i += 2,
                        b'u' => {
                            let hex = self.bytes.get(i + 2..i + 6)?;
                            let text = std::str::from_utf8(hex).ok()?;
                            if !hex.iter().all(u8::is_ascii_hexdigit) {
                                return None;
                            }
                            let unit = u16::from_str_radix(text, 16).ok()?;
                            // Surrogates (paired or not) are left to serde_json.
                            if (0xD800..=0xDFFF).contains(&unit) {
                                return None;
                            }
                            i += 6;
                        }
                        _ => return None,
                    }
                }
                0..=0x1F => return None,
                _ => i += 1,
            }
        }
        self.at = i + 1;
        Some((&self.bytes[start..i], escaped))
    }

    /// A number in JSON's grammar whose value is certainly a finite `f64` (or an integer).
    fn number(&mut self) -> Sure {
        self.eat(b'-');
        let int_start = self.at;
        match self.peek()? {
            b'0' => self.at += 1,
            b'1'..=b'9' => self.digits(),
            _ => return None,
        }
        let int_digits = self.at - int_start;
        if self.eat(b'.').is_some() {
            let frac_start = self.at;
            self.digits();
            if self.at == frac_start {
                return None;
            }
        }
        let mut exponent = 0i64;
        if let Some(b'e' | b'E') = self.peek() {
            self.at += 1;
            let negative = match self.peek()? {
                b'-' => {
                    self.at += 1;
                    true
                }
                b'+' => {
                    self.at += 1;
                    false
                }
                _ => false,
            };
            let exp_start = self.at;
            self.digits();
            let digits = &self.bytes[exp_start..self.at];
            // Long exponents are left to serde_json.
            if digits.is_empty() || digits.len() > 4 {
                return None;
            }
            let value: i64 = std::str::from_utf8(digits).ok()?.parse().ok()?;
            exponent = if negative { -value } else { value };
        }
        // Below 10^300 in magnitude: finite whatever the digits (a tiny value is 0.0 for
        // serde_json, not an error).
        let magnitude = i64::try_from(int_digits).ok()? + exponent;
        (magnitude <= 300).then_some(())
    }

    fn digits(&mut self) {
        while let Some(b'0'..=b'9') = self.peek() {
            self.at += 1;
        }
    }
}

/// Where the run of plain string bytes (none of `"`, `\\` or a control character) from
/// `at` ends: eight bytes at a time while a word holds none of them.
fn plain_run_end(bytes: &[u8], mut at: usize) -> usize {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);
    // Nonzero exactly when a byte of `word` is below `n` (for `n` <= 0x80: the classic
    // "has less" test; which bytes it marks past the first does not matter here).
    let below = |word: u64, n: u8| word.wrapping_sub(ONES * u64::from(n)) & !word & HIGH;
    let equal = |word: u64, b: u8| below(word ^ (ONES * u64::from(b)), 1);
    while let Some(eight) = bytes.get(at..at + 8) {
        let mut word = [0; 8];
        word.copy_from_slice(eight);
        let word = u64::from_le_bytes(word);
        if below(word, 0x20) | equal(word, b'"') | equal(word, b'\\') != 0 {
            break;
        }
        at += 8;
    }
    while let Some(&byte) = bytes.get(at) {
        if byte < 0x20 || byte == b'"' || byte == b'\\' {
            break;
        }
        at += 1;
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::Value;

    /// What the engine accepts: serde_json's `Value` parse, and no key written twice (the
    /// tree parse refuses those).
    fn accepted(bytes: &[u8]) -> bool {
        crate::node::parse_with(bytes, false).is_ok()
    }

    #[test]
    fn certain_only_of_what_is_accepted() {
        let texts: &[&str] = &[
            r#"{"a": [1, -2.5, 3e10, -0, 0.0e-5, true, false, null, "x\n\u00e9\/"]}"#,
            " [ ] ",
            "{}",
            r#"{"a": {"a": 1}, "b": [{"a": 1}, {"a": 1}]}"#,
            "1e299",
            "123456789012345678901234567890",
            "-1E-400",
        ];
        for text in texts {
            assert!(certainly_valid(text.as_bytes()), "{text}");
            assert!(accepted(text.as_bytes()), "{text}");
        }
    }

    #[test]
    fn unsure_of_every_refusal_and_of_the_rare_cases() {
        let refused: &[&[u8]] = &[
            b"",
            b"   ",
            b"[1,]",
            b"{\"a\" 1}",
            b"{\"a\": 1,}",
            b"[1] x",
            b"01",
            b"1.",
            b"-",
            b"1e",
            b"tru",
            b"\"a\x01b\"",
            b"\"\\x\"",
            b"\"\\u12G4\"",
            b"\"\\ud800\"",
            b"{\"a\": 1, \"a\": 2}",
            b"{\"a\": {\"b\": 1, \"b\": 2}}",
            b"1e400",
            b"1e99999",
            b"\"\xff\"",
            b"[\"unterminated",
        ];
        for bytes in refused {
            assert!(
                !certainly_valid(bytes),
                "{}",
                String::from_utf8_lossy(bytes)
            );
            assert!(!accepted(bytes), "{}", String::from_utf8_lossy(bytes));
        }
        // Valid, but left to serde_json.
        let rare: &[&[u8]] = &[b"\"\\ud83d\\ude00\"", b"{\"\\u0061\": 1}", b"1e-99999"];
        for bytes in rare {
            assert!(
                !certainly_valid(bytes),
                "{}",
                String::from_utf8_lossy(bytes)
            );
            assert!(accepted(bytes), "{}", String::from_utf8_lossy(bytes));
        }
        let deep = format!("{}{}", "[".repeat(101), "]".repeat(101));
        assert!(!certainly_valid(deep.as_bytes()));
        let fine = format!("{}{}", "[".repeat(100), "]".repeat(100));
        assert!(certainly_valid(fine.as_bytes()));
    }

    #[test]
    fn plain_runs_stop_at_the_first_byte_to_look_at() {
        for special in [b'"', b'\\', 0x00, 0x1f] {
            for at in 0..20 {
                let mut bytes = vec![b'a'; 20];
                bytes.extend([0x20, 0x7f, 0x80, 0xff]);
                bytes[at] = special;
                assert_eq!(plain_run_end(&bytes, 0), at, "{special:#x} at {at}");
            }
        }
        let plain: Vec<u8> = (0x20..=0xff)
            .filter(|b| *b != b'"' && *b != b'\\')
            .collect();
        assert_eq!(plain_run_end(&plain, 0), plain.len());
    }

    #[test]
    fn a_key_twice_among_many_is_found() {
        let mut text = String::from("{");
        for i in 0..40 {
            text.push_str(&format!("\"k{i}\": {{\"k{i}\": 1}},"));
        }
        let valid = format!("{text}\"end\": 0}}");
        assert!(certainly_valid(valid.as_bytes()));
        let twice = format!("{text}\"k39\": 0}}");
        assert!(!certainly_valid(twice.as_bytes()));
    }

    /// Bytes made of JSON's own pieces, often broken.
    fn pieces() -> impl Strategy<Value = Vec<u8>> {
        let piece = prop_oneof![
            Just(&b"{"[..]),
            Just(&b"}"[..]),
            Just(&b"["[..]),
            Just(&b"]"[..]),
            Just(&b","[..]),
            Just(&b":"[..]),
            Just(&b"\"k\""[..]),
            Just(&b"\"k\\\"\""[..]),
            Just(&b"\"\\u0041\""[..]),
            Just(&b"\"\\ud800\""[..]),
            Just(&b"1"[..]),
            Just(&b"-0.5e3"[..]),
            Just(&b"1e999"[..]),
            Just(&b"null"[..]),
            Just(&b" "[..]),
            Just(&b"\x01"[..]),
            Just(&b"\xff"[..]),
        ];
        proptest::collection::vec(piece, 0..24).prop_map(|p| p.concat())
    }

    /// Documents with plain keys (an escaped key is left to serde_json) and numbers well
    /// inside `f64`'s range; strings of any characters (written with escapes as needed).
    fn plain_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            (-1e12f64..1e12).prop_map(Value::from),
            any::<String>().prop_map(Value::from),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                proptest::collection::btree_map("[a-z]{0,4}", inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2048))]

        /// Never certain of what the engine refuses.
        #[test]
        fn never_certain_of_a_refusal(bytes in pieces()) {
            if certainly_valid(&bytes) {
                prop_assert!(accepted(&bytes), "{}", String::from_utf8_lossy(&bytes));
            }
        }

        /// Certain of ordinary documents, pretty or not.
        #[test]
        fn certain_of_ordinary_documents(value in plain_json(), pretty in any::<bool>()) {
            let text = if pretty {
                serde_json::to_string_pretty(&value).unwrap()
            } else {
                value.to_string()
            };
            prop_assert!(certainly_valid(text.as_bytes()), "{text}");
            let _: Value = serde_json::from_str(&text).unwrap();
        }
    }
}
