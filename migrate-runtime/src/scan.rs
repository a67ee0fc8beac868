//! Where a raw JSON array or object ends: the scan behind every opening of raw text.
//!
//! A large document is kept as raw text and opened where a step looks inside it, so the
//! same bytes are scanned for their container's end several times in one proof (by each
//! typed reading, the merge and the checks): that scan was a fifth of a 100 MB prove. On
//! x86_64 it goes 64 bytes at a time ([`blocks`]): SSE2 (part of every x86_64 CPU)
//! compares a block with the bytes that matter, and the quotes' bits give the strings at
//! once (a running XOR), so a block inside the container costs a few dozen instructions
//! instead of a step per byte (the SIMD instructions through `safe_arch`, safe wrappers
//! of the intrinsics: the workspace forbids `unsafe`). A block holding a backslash, the end
//! of the text, and other targets go byte by byte ([`bytes_from`]), which is the
//! reference the block scan is tested against.

use crate::node::{string_end, OPEN_ARRAYS_FROM, OPEN_ELEMENTS_FROM};

/// Where the array or object starting at `start` ends; with `commas` holding a list, the
/// positions of the commas between its own elements are recorded while there are few
/// enough of them to be worth it (see [`OPEN_ELEMENTS_FROM`]; `commas` becomes `None`
/// when there are not).
///
/// The text is valid JSON (validated before it is opened): should the scan meet something
/// else, it stops where it is rather than panic or loop.
pub(crate) fn container_end(bytes: &[u8], start: usize, commas: &mut Option<Vec<usize>>) -> usize {
    let at = Scan {
        pos: start,
        depth: 0,
        in_string: false,
    };
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    let at = match blocks::scan(bytes, start, at, commas) {
        Ok(end) => return end,
        Err(at) => at,
    };
    bytes_from(bytes, start, at, commas)
}

/// Where a scan is: the next byte to look at, how many containers are open, and whether
/// that byte is inside a string (after its opening quote, never after a backslash).
#[derive(Clone, Copy)]
struct Scan {
    pos: usize,
    depth: usize,
    in_string: bool,
}

/// What a byte is to the scan: nothing, a quote, an opening or a closing bracket, a comma.
const CLASS: [u8; 256] = {
    let mut class = [0u8; 256];
    class[b'"' as usize] = 1;
    class[b'{' as usize] = 2;
    class[b'[' as usize] = 2;
    class[b'}' as usize] = 3;
    class[b']' as usize] = 3;
    class[b',' as usize] = 4;
    class
};

/// The byte-by-byte scan, from `at`.
fn bytes_from(bytes: &[u8], start: usize, at: Scan, commas: &mut Option<Vec<usize>>) -> usize {
    let Scan {
        pos: mut i,
        mut depth,
        in_string,
    } = at;
    if in_string {
        // `string_end` starts after an opening quote: the byte before `i` stands for it.
        i = string_end(bytes, i.saturating_sub(1)).max(i);
    }
    while i < bytes.len() {
        match CLASS[usize::from(bytes[i])] {
            0 => {}
            1 => {
                i = string_end(bytes, i);
                continue;
            }
            2 => depth += 1,
            3 => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {
                if depth == 1 {
                    record_comma(commas, i, start);
                }
            }
        }
        i += 1;
    }
    bytes.len()
}

/// Records the comma at `i` between two elements of the container starting at `start`, or
/// gives the list up when its elements are too small to be worth a node each.
fn record_comma(commas: &mut Option<Vec<usize>>, i: usize, start: usize) {
    if let Some(list) = commas.as_mut() {
        list.push(i);
        if list.len() * OPEN_ELEMENTS_FROM > i - start + OPEN_ARRAYS_FROM {
            *commas = None;
        }
    }
}

#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
mod blocks {
    use safe_arch::{
        cmp_eq_mask_i8_m128i, load_unaligned_m128i, m128i, move_mask_i8_m128i, set_splat_i8_m128i,
    };

    use super::{record_comma, Scan};

    /// 64 bytes of text, as four SSE2 registers.
    struct Block([m128i; 4]);

    impl Block {
        fn load(chunk: &[u8; 64]) -> Self {
            let part = |k: usize| {
                let bytes: &[u8; 16] = chunk[16 * k..16 * (k + 1)].try_into().unwrap_or(&[0; 16]);
                load_unaligned_m128i(bytes)
            };
            Block([part(0), part(1), part(2), part(3)])
        }

        /// Bit `i` set when byte `i` of the block is `x`.
        fn eq(&self, x: u8) -> u64 {
            let x = set_splat_i8_m128i(i8::from_ne_bytes([x]));
            let mut bits = 0u64;
            for (k, part) in self.0.iter().enumerate() {
                let mask = move_mask_i8_m128i(cmp_eq_mask_i8_m128i(*part, x));
                bits |= u64::from(mask as u16) << (16 * k);
            }
            bits
        }
    }

    /// Bit `i` set when an odd number of bits at or below `i` are set in `x`: with `x` the
    /// quotes of a block, the bytes from an opening quote up to (not including) its
    /// closing one.
    fn prefix_xor(mut x: u64) -> u64 {
        x ^= x << 1;
        x ^= x << 2;
        x ^= x << 4;
        x ^= x << 8;
        x ^= x << 16;
        x ^= x << 32;
        x
    }

    /// Scans whole blocks from `at` while they hold no backslash (an escape is left to the
    /// byte loop, which knows what it escapes): the container's end if it is met, else
    /// where the byte loop takes over.
    pub(super) fn scan(
        bytes: &[u8],
        start: usize,
        at: Scan,
        commas: &mut Option<Vec<usize>>,
    ) -> Result<usize, Scan> {
        let mut i = at.pos;
        let mut depth = at.depth;
        // All ones while a string runs on from the block before.
        let mut carry = 0u64;
        while let Some(chunk) = bytes.get(i..i + 64) {
            let Ok(chunk) = <&[u8; 64]>::try_from(chunk) else {
                break;
            };
            let block = Block::load(chunk);
            if block.eq(b'\\') != 0 {
                break;
            }
            let strings = prefix_xor(block.eq(b'"')) ^ carry;
            let open = (block.eq(b'{') | block.eq(b'[')) & !strings;
            let close = (block.eq(b'}') | block.eq(b']')) & !strings;
            let closes = close.count_ones() as usize;
            if commas.is_none() && closes < depth {
                // The container cannot end in this block: count, do not look.
                depth = depth + open.count_ones() as usize - closes;
            } else {
                let comma = if commas.is_some() {
                    block.eq(b',') & !strings
                } else {
                    0
                };
                let mut marks = open | close | comma;
                while marks != 0 {
                    let bit = marks.trailing_zeros();
                    let pos = i + bit as usize;
                    if open >> bit & 1 == 1 {
                        depth += 1;
                    } else if close >> bit & 1 == 1 {
                        depth = depth.saturating_sub(1);
                        if depth == 0 {
                            return Ok(pos + 1);
                        }
                    } else if depth == 1 {
                        record_comma(commas, pos, start);
                    }
                    marks &= marks - 1;
                }
            }
            carry = if strings >> 63 == 1 { u64::MAX } else { 0 };
            i += 64;
        }
        Err(Scan {
            pos: i,
            depth,
            in_string: carry != 0,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Every container's end, by the byte loop alone.
    fn by_bytes(bytes: &[u8], start: usize, commas: &mut Option<Vec<usize>>) -> usize {
        let at = Scan {
            pos: start,
            depth: 0,
            in_string: false,
        };
        bytes_from(bytes, start, at, commas)
    }

    /// The start of every array and object of `text` (outside strings).
    fn container_starts(text: &[u8]) -> Vec<usize> {
        let mut starts = Vec::new();
        let mut i = 0;
        while i < text.len() {
            match text[i] {
                b'"' => {
                    i = string_end(text, i);
                    continue;
                }
                b'{' | b'[' => starts.push(i),
                _ => {}
            }
            i += 1;
        }
        starts
    }

    /// Strings that stress the block scan: brackets, commas, quotes and backslashes in
    /// them, and lengths around a block's 64 bytes.
    fn tricky_string() -> impl Strategy<Value = String> {
        prop::collection::vec(
            prop_oneof![
                Just("{".to_owned()),
                Just("}".to_owned()),
                Just("[".to_owned()),
                Just("]".to_owned()),
                Just(",".to_owned()),
                Just("\"".to_owned()),
                Just("\\".to_owned()),
                "[a-z ]{1,70}",
            ],
            0..6,
        )
        .prop_map(|parts| parts.concat())
    }

    fn json() -> impl Strategy<Value = serde_json::Value> {
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<i64>().prop_map(serde_json::Value::from),
            tricky_string().prop_map(serde_json::Value::from),
        ];
        leaf.prop_recursive(5, 200, 12, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..12).prop_map(serde_json::Value::Array),
                prop::collection::btree_map(tricky_string(), inner, 0..12)
                    .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        /// The block scan finds every container's end, and the same commas, as the byte
        /// loop, compact or pretty-printed.
        #[test]
        fn blocks_agree_with_the_byte_loop(value in json(), pretty in any::<bool>()) {
            let text = if pretty {
                serde_json::to_vec_pretty(&value).unwrap()
            } else {
                serde_json::to_vec(&value).unwrap()
            };
            for start in container_starts(&text) {
                let (mut a, mut b) = (Some(Vec::new()), Some(Vec::new()));
                let end = container_end(&text, start, &mut a);
                prop_assert_eq!(end, by_bytes(&text, start, &mut b));
                prop_assert_eq!(a, b);
                prop_assert_eq!(container_end(&text, start, &mut None), end);
            }
        }
    }

    #[test]
    fn a_long_array_of_large_elements_keeps_its_commas() {
        // Elements of 100 bytes, 1,000 of them: past OPEN_ARRAYS_FROM, dense enough.
        let element = format!("{{\"k\":\"{}\"}}", "x".repeat(92));
        let text = format!("[{}]", vec![element; 1000].join(","));
        let mut commas = Some(Vec::new());
        assert_eq!(container_end(text.as_bytes(), 0, &mut commas), text.len());
        let commas = commas.unwrap();
        assert_eq!(commas.len(), 999);
        assert!(commas.iter().all(|&c| text.as_bytes()[c] == b','));
    }

    #[test]
    fn a_string_running_across_blocks_hides_its_brackets() {
        let text = format!("[\"{}]\", 1]", "a".repeat(130));
        assert_eq!(container_end(text.as_bytes(), 0, &mut None), text.len());
        let text = format!("[\"{}\\\"]\", 1]", "a".repeat(61));
        assert_eq!(container_end(text.as_bytes(), 0, &mut None), text.len());
    }
}
