//! Parsing a large document on two threads, into the very tree one parse would build.
//!
//! Large state files are mostly one big array (a run's `tasks`). A structural scan (strings,
//! brackets, commas; no values built) finds the largest array that is the value of a
//! top-level key, and where its elements start and end. The document without that array's
//! content (a "skeleton", `{…"tasks":[]…}`) and the elements are then parsed with
//! serde_json, the elements in two halves on two threads, and the elements put into the
//! skeleton's empty array.
//!
//! This is only a faster way to the same tree: whenever anything is unusual (the scan finds
//! no large array, the document nests 128 levels or more, the array's key is written twice
//! at the top level, or any part fails to parse), it answers `None` and the caller parses the
//! document the plain way, which also gives the exact error of an invalid one. When every
//! part parses, the document is their concatenation with commas and brackets, so it is valid
//! JSON, and serde_json builds the same values for an element alone as inside the array.

use serde_json::Value;

/// serde_json refuses documents nesting this many arrays or objects.
const DEPTH_LIMIT: usize = 128;

/// The tree of `bytes`, parsed in parts on two threads; `None` to parse it the plain way.
pub(crate) fn parse(bytes: &[u8]) -> Option<Value> {
    let Scan {
        max_depth,
        keys,
        array: scan,
    } = scan(bytes)?;
    // Worth splitting only when the array is a good part of the document.
    if max_depth >= DEPTH_LIMIT || (scan.close - scan.open) < bytes.len() / 4 {
        return None;
    }
    let mut starts = vec![scan.open + 1];
    starts.extend(scan.commas.iter().map(|c| c + 1));
    let mut ends = scan.commas.clone();
    ends.push(scan.close);
    let spans: Vec<(usize, usize)> = starts.into_iter().zip(ends).collect();
    if spans.len() < 2 {
        return None;
    }
    // Two halves of about the same number of bytes.
    let middle = scan.open + (scan.close - scan.open) / 2;
    let half = spans.partition_point(|&(start, _)| start < middle).max(1);
    let (first, second) = spans.split_at(half);

    let parse_all = |spans: &[(usize, usize)]| -> Option<Vec<Value>> {
        spans
            .iter()
            .map(|&(start, end)| serde_json::from_slice(&bytes[start..end]).ok())
            .collect()
    };
    let (skeleton, first, second) = std::thread::scope(|scope| {
        let second = scope.spawn(|| parse_all(second));
        let mut text = Vec::with_capacity(scan.open + 1 + bytes.len() - scan.close);
        text.extend_from_slice(&bytes[..=scan.open]);
        text.extend_from_slice(&bytes[scan.close..]);
        let skeleton = serde_json::from_slice::<Value>(&text).ok();
        drop(text);
        let first = parse_all(first);
        // A panic in serde_json would be a bug there; the plain parse then says what it says.
        (skeleton, first, second.join().ok().flatten())
    });
    let (mut skeleton, mut items, second) = (skeleton?, first?, second?);
    items.extend(second);

    let key: String = serde_json::from_slice(&bytes[scan.key.0..scan.key.1]).ok()?;
    // A key written twice keeps its last value in the first one's place: not this case.
    let twice = keys
        .iter()
        .filter(|&&(start, end)| {
            serde_json::from_slice::<String>(&bytes[start..end]).map_or(true, |k| k == key)
        })
        .count();
    if twice != 1 {
        return None;
    }
    match skeleton.as_object_mut()?.get_mut(&key)? {
        Value::Array(empty) if empty.is_empty() => *empty = items,
        _ => return None,
    }
    Some(skeleton)
}

/// What the structural scan finds.
struct Scan {
    /// The deepest nesting of arrays and objects.
    max_depth: usize,
    /// The spans (quotes included) of the root object's keys.
    keys: Vec<(usize, usize)>,
    /// The largest array that is the value of a top-level key.
    array: Array,
}

/// An array that is the value of a top-level key.
struct Array {
    /// The span of its key, quotes included.
    key: (usize, usize),
    /// Where its `[` is.
    open: usize,
    /// Where its `]` is.
    close: usize,
    /// The commas between its elements.
    commas: Vec<usize>,
}

/// Scans `bytes` as JSON text whose root is an object; `None` when it is not that shape or
/// has no array as the value of a top-level key. Invalid text may give any answer: what is
/// found is checked by parsing.
fn scan(bytes: &[u8]) -> Option<Scan> {
    let mut depth = 0usize;
    let mut max_depth = 0;
    let mut keys: Vec<(usize, usize)> = Vec::new();
    let mut expect_key = false;
    let mut current: Option<(usize, (usize, usize))> = None;
    let mut commas = Vec::new();
    let mut best: Option<Array> = None;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                let start = i;
                i += 1;
                loop {
                    match *bytes.get(i)? {
                        b'\\' => i += 2,
                        b'"' => break,
                        _ => i += 1,
                    }
                }
                if depth == 1 && expect_key {
                    keys.push((start, i + 1));
                    expect_key = false;
                }
            }
            open @ (b'{' | b'[') => {
                depth += 1;
                max_depth = max_depth.max(depth);
                if depth == 1 {
                    if open != b'{' || !keys.is_empty() {
                        return None;
                    }
                    expect_key = true;
                } else if depth == 2 && open == b'[' {
                    current = Some((i, *keys.last()?));
                    commas.clear();
                }
            }
            close @ (b'}' | b']') => {
                if depth == 2 && close == b']' {
                    if let Some((open, key)) = current.take() {
                        if best.as_ref().is_none_or(|b| i - open > b.close - b.open) {
                            best = Some(Array {
                                key,
                                open,
                                close: i,
                                commas: std::mem::take(&mut commas),
                            });
                        }
                    }
                }
                depth = depth.checked_sub(1)?;
            }
            b',' if depth == 1 => expect_key = true,
            b',' if depth == 2 && current.is_some() => commas.push(i),
            _ => {}
        }
        i += 1;
    }
    Some(Scan {
        max_depth,
        keys,
        array: best?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(text: &str) -> Option<Value> {
        serde_json::from_str(text).ok()
    }

    #[test]
    fn the_split_tree_is_the_plain_tree() {
        let docs = [
            r#"{"a":1,"tasks":[{"x":"[,]\"{"},[1,[2]],"s\\"],"z":{"k":[3,4]}}"#,
            r#" { "t\u0061sks" : [ 1 , 2.5e3 , "é" , null ] , "b" : [] } "#,
            r#"{"small":[1,2],"big":[{"a":[1,2,3]},{"b":{"c":[4,5]}},{"d":"xxxxxxxxxxxxxxxxxx"}]}"#,
        ];
        for doc in docs {
            assert_eq!(parse(doc.as_bytes()), plain(doc), "{doc}");
            assert!(parse(doc.as_bytes()).is_some(), "{doc}");
        }
    }

    #[test]
    fn anything_unusual_is_left_to_the_plain_parse() {
        let docs = [
            r#"{"tasks":[1,2],"tasks":[3,4,5,6,7,8,9,10]}"#,
            r#"{"tasks":[1,,2,3,4,5,6,7,8]}"#,
            r#"{"tasks":[1,2,3,4,5,6,7,8,]}"#,
            r#"{"tasks":[1 2,3,4,5,6,7,8]}"#,
            r#"{"tasks":[1,2,3,4,5,6,7,8]} x"#,
            r#"[{"tasks":[1,2,3,4,5,6,7,8]}]"#,
            r#"{"tasks":[1,2,3,4,5,6,7,8],}"#,
            r#"{"tasks":[1,2,3,4,5,"\x",7,8]}"#,
        ];
        for doc in docs {
            assert_eq!(parse(doc.as_bytes()), None, "{doc}");
        }
        let deep = format!(r#"{{"t":[{}1{},2,3]}}"#, "[".repeat(130), "]".repeat(130));
        assert_eq!(parse(deep.as_bytes()), None);
        assert!(plain(&deep).is_none());
    }
}
