//! What a migration changes: a list of JSON Pointers (RFC 6901) into the source and the
//! result, each with its kind.
//!
//! A subtree that appears or disappears whole is one change at its root, not one per leaf.
//! Objects are compared by key, arrays by index. A top-level key that the chain renames
//! (composing the renames of every edge) is `moved`, with the source's pointer in `from`;
//! what changed inside the moved value is reported under its new pointer.

use std::borrow::Cow;
use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::contract::Edge;
use crate::node::{get, same_text, Lookup, Node};

/// The kind of a change, serialized in lower case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    /// The result has a value the source did not have (`path` points into the result).
    Added,
    /// Both have a value at `path`, and they differ.
    Changed,
    /// The source had a value the result does not have (`path` points into the source).
    Removed,
    /// A top-level value moved from `from` (in the source) to `path` (in the result).
    Moved,
}

/// One change: `{"kind":"moved","path":"/assignee","from":"/owner"}`; `from` only for moves.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Change {
    /// What happened.
    pub kind: ChangeKind,
    /// Where: a JSON Pointer (RFC 6901, `~0`/`~1` escaped).
    pub path: String,
    /// For a move, where the value was in the source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
}

impl Change {
    fn new(kind: ChangeKind, path: &str) -> Self {
        Change {
            kind,
            path: path.to_owned(),
            from: None,
        }
    }
}

/// The changes from `source` to `result`, in document order: at each level the source's
/// keys in order, then the keys new in the result in its order. `edges` is the chain that
/// produced `result` (its renames make moves); pass `&[]` to compare plain documents.
pub fn changes(source: &Value, result: &Value, edges: &[&Edge]) -> Vec<Change> {
    changes_node(
        &Node::from_value(source.clone()),
        &Node::from_value(result.clone()),
        edges,
    )
}

/// [`changes`] on the engine's trees: a part of the result that is the source's own text
/// is unchanged without being read.
pub(crate) fn changes_node(source: &Node<'_>, result: &Node<'_>, edges: &[&Edge]) -> Vec<Change> {
    let mut out = Vec::new();
    let mut path = String::new();
    match (&*source.open(), &*result.open()) {
        (Node::Object(src), Node::Object(res)) => {
            let mut moved_to: HashSet<&str> = HashSet::new();
            let mut in_res = Lookup::new(res);
            for (key, sv) in src {
                let len = path.len();
                push_token(&mut path, key);
                match in_res.get(key) {
                    Some(rv) => diff(sv, rv, &mut path, &mut out),
                    None => match renamed(key, edges) {
                        Some(new) if get(src, new).is_none() && get(res, new).is_some() => {
                            let from = std::mem::take(&mut path);
                            push_token(&mut path, new);
                            out.push(Change {
                                kind: ChangeKind::Moved,
                                path: path.clone(),
                                from: Some(from),
                            });
                            moved_to.insert(new);
                            if let Some(rv) = get(res, new) {
                                diff(sv, rv, &mut path, &mut out);
                            }
                            path.clear();
                        }
                        _ => out.push(Change::new(ChangeKind::Removed, &path)),
                    },
                }
                path.truncate(len);
            }
            let mut in_src = Lookup::new(src);
            for (key, _) in res {
                if in_src.get(key).is_none() && !moved_to.contains(key.as_ref()) {
                    push_token(&mut path, key);
                    out.push(Change::new(ChangeKind::Added, &path));
                    path.clear();
                }
            }
        }
        _ => diff(source, result, &mut path, &mut out),
    }
    out
}

/// The top-level key that `key` becomes along `edges`, if the chain renames it (and does not
/// remove it on the way).
fn renamed<'a>(key: &str, edges: &[&'a Edge]) -> Option<&'a str> {
    let mut name: Cow<'a, str> = Cow::Owned(key.to_owned());
    let mut moved = false;
    for edge in edges {
        if edge.claims.removes.contains(&name.as_ref()) {
            return None;
        }
        if let Some((_, new)) = edge.claims.renames.iter().find(|(old, _)| *old == name) {
            name = Cow::Borrowed(new);
            moved = true;
        }
    }
    match name {
        Cow::Borrowed(new) if moved => Some(new),
        _ => None,
    }
}

fn diff(source: &Node<'_>, result: &Node<'_>, path: &mut String, out: &mut Vec<Change>) {
    if let (Node::Raw(s), Node::Raw(r)) = (source, result) {
        if same_text(s, r) {
            return;
        }
    }
    match (&*source.open(), &*result.open()) {
        (Node::Object(src), Node::Object(res)) => {
            let mut in_res = Lookup::new(res);
            for (key, sv) in src {
                let len = path.len();
                push_token(path, key);
                match in_res.get(key) {
                    Some(rv) => diff(sv, rv, path, out),
                    None => out.push(Change::new(ChangeKind::Removed, path)),
                }
                path.truncate(len);
            }
            let mut in_src = Lookup::new(src);
            for (key, _) in res {
                if in_src.get(key).is_none() {
                    let len = path.len();
                    push_token(path, key);
                    out.push(Change::new(ChangeKind::Added, path));
                    path.truncate(len);
                }
            }
        }
        (Node::Array(src), Node::Array(res)) => {
            for index in 0..src.len().max(res.len()) {
                let len = path.len();
                push_index(path, index);
                match (src.get(index), res.get(index)) {
                    (Some(sv), Some(rv)) => diff(sv, rv, path, out),
                    (Some(_), None) => out.push(Change::new(ChangeKind::Removed, path)),
                    (None, Some(_)) => out.push(Change::new(ChangeKind::Added, path)),
                    (None, None) => {}
                }
                path.truncate(len);
            }
        }
        (s, r) if s == r => {}
        _ => out.push(Change::new(ChangeKind::Changed, path)),
    }
}

/// Appends `/token` to a JSON Pointer, escaping `~` as `~0` and `/` as `~1` (RFC 6901 §3).
fn push_token(path: &mut String, token: &str) {
    path.push('/');
    path.push_str(&escape_token(token));
}

/// Appends `/index` to a JSON Pointer without an allocation: the pointer is built for
/// every element compared, changed or not.
fn push_index(path: &mut String, index: usize) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut rest = index;
    loop {
        at -= 1;
        digits[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    path.push('/');
    path.extend(digits[at..].iter().map(|&d| char::from(d)));
}

/// A reference token escaped for a JSON Pointer: `~` becomes `~0`, `/` becomes `~1`.
pub fn escape_token(token: &str) -> Cow<'_, str> {
    // A byte scan: both characters are ASCII, and no UTF-8 sequence contains their bytes.
    if token.bytes().any(|b| b == b'~' || b == b'/') {
        Cow::Owned(token.replace('~', "~0").replace('/', "~1"))
    } else {
        Cow::Borrowed(token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn list(changes: &[Change]) -> Vec<String> {
        changes
            .iter()
            .map(|c| match &c.from {
                Some(from) => format!("{:?} {} <- {from}", c.kind, c.path),
                None => format!("{:?} {}", c.kind, c.path),
            })
            .collect()
    }

    #[test]
    fn indices_are_written_in_decimal() {
        for index in [0, 7, 10, 99, 1234567, usize::MAX] {
            let mut path = "/a".to_owned();
            push_index(&mut path, index);
            assert_eq!(path, format!("/a/{index}"));
        }
    }

    #[test]
    fn pointers_escape_tilde_and_slash() {
        assert_eq!(escape_token("a/b~c"), "a~1b~0c");
        assert_eq!(escape_token("~1"), "~01");
        let c = changes(&json!({"a/b": 1, "m~n": 1}), &json!({"a/b": 2}), &[]);
        assert_eq!(list(&c), ["Changed /a~1b", "Removed /m~0n"]);
    }

    #[test]
    fn arrays_by_index_and_whole_subtrees_once() {
        let c = changes(
            &json!({"l": [1, {"x": 1}, 3], "o": {"deep": {"k": 1}}, "s": "x"}),
            &json!({"l": [1, {"x": 2, "y": 0}], "s": {"now": "object"}, "n": [1, 2]}),
            &[],
        );
        assert_eq!(
            list(&c),
            [
                "Changed /l/1/x",
                "Added /l/1/y",
                "Removed /l/2",
                "Removed /o",
                "Changed /s",
                "Added /n"
            ]
        );
    }

    #[test]
    fn equal_documents_have_no_changes() {
        let doc = json!({"a": [1, {"b": null}], "c": "d"});
        assert!(changes(&doc, &doc, &[]).is_empty());
    }
}
