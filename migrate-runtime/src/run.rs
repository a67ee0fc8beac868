//! The chain runner: a document goes through each edge of its resolved chain, then is read
//! as the current version. Failures are reason codes; nothing is ever written.

use std::borrow::Cow;
use std::io;

use serde_json::Value;

use crate::canonical::{bytes_sha256, canonical_sha256_node};
use crate::contract::{ContractInfo, Edge, Reading, RoundTripError, TransformError, VersionInfo};
use crate::detect::{detect, detect_node, invalid_json, kind, not_an_object};
use crate::node::{validate, Entries, Node};
use crate::overlay::{restore, restores_to_itself};
use crate::reason::{ReasonCode, Unsupported};
use crate::resolve::resolve;

/// A document taken to the current version.
#[derive(Debug, Clone)]
pub struct Migrated {
    /// The version detected in the source.
    pub detected: u32,
    /// The versions the document went through, from detected to current (one entry when
    /// the document is already current).
    pub chain: Vec<u32>,
    /// The edges of the chain, in order.
    pub edges: Vec<&'static Edge>,
    /// The result: the current version's document, with the version key set to the current
    /// version (in the source's position of that key, or first when the source had none).
    pub result: Value,
}

/// [`Migrated`] on the engine's tree: the result keeps the source's raw text wherever the
/// chain left it as it was.
#[derive(Debug)]
pub(crate) struct Run<'a> {
    /// The version detected in the source.
    pub detected: u32,
    /// The edges of the chain, in order.
    pub edges: Vec<&'static Edge>,
    /// The result's entries, version key included.
    pub result: Entries<'a>,
    /// The current version's reading of the result's body gave it back as it was: the
    /// result validates at the current version, and migrating it again changes nothing.
    pub settled: bool,
    /// The result's canonical hash, when it was asked for and the chain settled (see
    /// [`run_chain`]); `None` otherwise.
    pub result_hash: Option<io::Result<String>>,
}

impl Run<'_> {
    /// The versions the document went through, from detected to current.
    pub fn chain(&self) -> Vec<u32> {
        chain_of(self.detected, &self.edges)
    }
}

fn chain_of(detected: u32, edges: &[&Edge]) -> Vec<u32> {
    std::iter::once(detected)
        .chain(edges.iter().map(|e| e.to))
        .collect()
}

/// Takes a parsed document to the current version: detect, resolve, then run each edge.
///
/// The document is copied once (the transforms consume what they read); use
/// [`migrate_owned`] when the source is no longer needed.
pub fn migrate(info: &'static ContractInfo, doc: &Value) -> Result<Migrated, Unsupported> {
    // Detect and resolve first, so that a document refused on its version is never copied.
    let detected = detect(info, doc)?;
    resolve(info, detected)?;
    migrate_owned(info, doc.clone())
}

/// [`migrate`], consuming the document: no copy of it is made.
pub fn migrate_owned(info: &'static ContractInfo, doc: Value) -> Result<Migrated, Unsupported> {
    let run = migrate_node(info, Node::from_value(doc), Beside::NOTHING)?;
    Ok(Migrated {
        detected: run.detected,
        chain: run.chain(),
        result: Node::Object(run.result).into_value(),
        edges: run.edges,
    })
}

/// What a run does on a second thread, beside its own work (see [`run_chain`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Beside {
    /// The result's canonical hash, beside the chain's last step (the prover's).
    pub(crate) hash_result: bool,
    /// The source's reading at its version, beside a declarative first edge (a large
    /// document).
    pub(crate) source_reading: bool,
}

impl Beside {
    /// Everything on the calling thread.
    pub(crate) const NOTHING: Beside = Beside {
        hash_result: false,
        source_reading: false,
    };
}

/// [`migrate_owned`] on the engine's tree, with the work [`Beside`] asks for on a second
/// thread.
pub(crate) fn migrate_node<'a>(
    info: &'static ContractInfo,
    doc: Node<'a>,
    beside: Beside,
) -> Result<Run<'a>, Unsupported> {
    let detected = detect_node(info, &doc)?;
    let edges = resolve(info, detected)?;
    let kind = doc.kind();
    let Node::Object(mut body) = doc.into_open() else {
        return Err(not_an_object(kind));
    };
    let position = body.iter().position(|(k, _)| k == info.version_key);
    if let Some(index) = position {
        // One removal from the middle of a list: linear, once per document.
        body.remove(index);
    }
    // The result is the body with the version key put back where the source had it
    // (clamped, should the chain have removed keys before it), or first for an unversioned
    // source.
    let with_version_key = |mut body: Entries<'a>| {
        let index = position.map_or(0, |index| index.min(body.len()));
        body.insert(
            index,
            (
                Cow::Borrowed(info.version_key),
                Node::Number(info.current_version().into()),
            ),
        );
        body
    };
    // The result's hash, from the chain's last body: a copy of its first level (its
    // children, raw or read, are shared spans or cheap to copy) with the version key.
    let hash = |body: &Node<'a>| match body.open().into_owned() {
        Node::Object(entries) => {
            canonical_sha256_node(&Node::Object(with_version_key(entries)), false)
        }
        other => Err(io::Error::other(format!("the result is {}", other.kind()))),
    };
    let chained = run_chain(
        info,
        detected,
        &edges,
        body,
        beside.hash_result.then_some(&hash),
        beside.source_reading,
    )?;
    Ok(Run {
        detected,
        edges,
        result: with_version_key(chained.body),
        settled: chained.settled,
        result_hash: chained.beside,
    })
}

/// From this size on, a document's validation runs beside its chain (and the prover's
/// read-only checks beside the result's hash) on two threads: below it, starting a thread
/// costs more than it saves.
pub(crate) const PARALLEL_FROM: usize = 1 << 20;

/// What reading a document and running its chain found.
pub(crate) struct Started<'a> {
    /// `sha256:` + hex of the bytes, when asked for.
    pub source_hash: Option<String>,
    /// The detected version, if detection got that far.
    pub detected: Option<u32>,
    /// The chain's edges, if resolution got that far.
    pub edges: Option<Vec<&'static Edge>>,
    /// The source (its root read) and the run; or why the document is unsupported.
    pub outcome: Result<(Node<'a>, Run<'a>), Unsupported>,
}

/// Reads a document (`lazy`: validated raw text, opened where needed; else a tree) and runs
/// its chain, hashing its bytes too when `hash` is set.
///
/// A large document stays raw text of `bytes` wherever no step opens it, so the source the
/// caller compares the result with costs nothing to keep; a small one is a tree, copied
/// once for the chain to consume. With `parallel`, a lazy document's validation (serde_json
/// reading every byte, the keys of each object compared) and its hash run on a second
/// thread while the chain runs on the text as if it were valid: the chain never needs more
/// than the scan of raw text, which cannot fail, and should the text turn out invalid, the
/// document is refused (with the plain parse's message) and whatever the chain made of it
/// is thrown away.
pub(crate) fn read_and_run<'a>(
    info: &'static ContractInfo,
    bytes: &'a [u8],
    parallel: bool,
    lazy: bool,
    hash: bool,
) -> Started<'a> {
    // The prover's result hash is started beside the chain's last step on a large document.
    let beside = Beside {
        hash_result: hash && parallel,
        source_reading: parallel,
    };
    let run = |source: &Node<'a>| detect_and_run(info, source, beside);
    let refused = |source_hash, error| Started {
        source_hash,
        detected: None,
        edges: None,
        outcome: Err(invalid_json(error)),
    };
    let unchecked = (parallel && lazy)
        .then(|| std::str::from_utf8(bytes).ok())
        .flatten();
    let Some(text) = unchecked else {
        let source_hash = hash.then(|| bytes_sha256(bytes));
        let source = match crate::node::parse_with(bytes, lazy) {
            Ok(source) => source,
            Err(error) => return refused(source_hash, error),
        };
        let (detected, edges, outcome) = run(&source);
        return Started {
            source_hash,
            detected,
            edges,
            outcome: outcome.map(|run| (source, run)),
        };
    };
    let ((source, (detected, edges, outcome)), (source_hash, valid)) = both(
        true,
        || {
            // The root's first level, read once for every step after (the validation has
            // started meanwhile).
            let source = Node::Raw(text.trim_matches([' ', '\t', '\n', '\r'])).into_open();
            let ran = run(&source);
            (source, ran)
        },
        || (hash.then(|| bytes_sha256(bytes)), validate(bytes)),
    );
    match valid {
        Err(error) => refused(source_hash, error),
        Ok(()) => Started {
            source_hash,
            detected,
            edges,
            outcome: outcome.map(|run| (source, run)),
        },
    }
}

/// The version `source` has and the chain's edges, as far as detection and resolution
/// get, and the run (`source` is copied for the chain: raw parts cost nothing to copy);
/// `beside` as for [`migrate_node`].
pub(crate) fn detect_and_run<'a>(
    info: &'static ContractInfo,
    source: &Node<'a>,
    beside: Beside,
) -> (
    Option<u32>,
    Option<Vec<&'static Edge>>,
    Result<Run<'a>, Unsupported>,
) {
    let detected = detect_node(info, source).ok();
    let edges = detected.and_then(|d| resolve(info, d).ok());
    (detected, edges, migrate_node(info, source.clone(), beside))
}

/// Runs `a` and `b`, `b` on a thread of its own when `parallel`; a panic in either goes on
/// in the caller. Scoped threads rather than a pool: the runtime has no thread pool of its
/// own, and callers that run many files at once (the CLI, with rayon) keep every core busy
/// with small files, which never take the parallel branch.
pub(crate) fn both<A: Send, B: Send>(
    parallel: bool,
    a: impl FnOnce() -> A + Send,
    b: impl FnOnce() -> B + Send,
) -> (A, B) {
    if !parallel {
        return (a(), b());
    }
    std::thread::scope(|scope| {
        let b = scope.spawn(b);
        let a = a();
        match b.join() {
            Ok(b) => (a, b),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}

/// What [`run_chain`] gives.
pub(crate) struct Chained<'a, B> {
    /// The current version's body: typed, defaults filled, unknown keys kept.
    pub body: Entries<'a>,
    /// Whether the last step, the current version's reading, gave the body back as it was
    /// (then reading the result again gives that reading again: see [`Run::settled`]).
    pub settled: bool,
    /// What the job run beside the last step gave, when the body was settled.
    pub beside: Option<B>,
}

/// Runs a body (the document without its version key) from `detected` along `edges` to
/// the current version's body.
///
/// `beside`, a job on the last edge's output (the prover's hash of the result), runs on a
/// second thread while the current version reads that output: when the reading settles it
/// (gives it back as it was), that output *is* the final body and the job's work is kept;
/// otherwise it is thrown away and the body is merged as usual. The reading decides
/// "settled" by reading alone there ([`restores_to_itself`]), so the output stays intact
/// for the job.
///
/// With `source_reading`, when the first edge is declarative (it does not take the source's
/// typed reading), the source's reading at its detected version runs on one thread while
/// the edges run on another; both end before the last step, so that at most two typed
/// readings are alive at once, as when they run in turn.
pub(crate) fn run_chain<'a, B: Send>(
    info: &'static ContractInfo,
    detected: u32,
    edges: &[&'static Edge],
    body: Entries<'a>,
    beside: Option<&(dyn Fn(&Node<'a>) -> B + Sync)>,
    source_reading: bool,
) -> Result<Chained<'a, B>, Unsupported> {
    let current = info.current_version();
    let Some(start) = info.version(detected) else {
        // resolve() refuses versions the contract does not list; kept as an error, not a
        // panic, so that a caller passing its own `detected` cannot crash the runtime.
        return Err(Unsupported::new(
            ReasonCode::NoPath,
            format!("{} has no version {detected}", info.name),
        ));
    };
    let mut body = Node::Object(body);

    // The source must be a valid document of its detected version before anything runs.
    let invalid_at_start = |e: RoundTripError| {
        Unsupported::new(
            ReasonCode::InvalidAtVersion,
            format!(
                "does not deserialize as {} version {detected} ({}): {e}",
                info.name, start.type_name
            ),
        )
    };
    if edges.is_empty() {
        // Already current: the typed reading fills defaults (a `normalized` document), and
        // is the last step.
        return read_last(start, body, beside, invalid_at_start, info, current);
    }
    body = if source_reading && !edges[0].claims.custom {
        // A declarative first edge does not take the source's reading: the source is
        // checked at its version on this thread while the chain runs on a second one (on
        // a copy of the body's first level; the levels below are shared text). The
        // source's failure still comes first.
        let source = &body;
        let (checked, ran) = both(
            true,
            || read(start, source).map(drop),
            || run_edges(info, detected, edges, source.clone(), None),
        );
        checked.map_err(invalid_at_start)?;
        ran?
    } else {
        // The first edge starts from the detected version: it may take this reading
        // instead of reading the body again.
        let reading = read(start, &body).map_err(invalid_at_start)?;
        run_edges(info, detected, edges, body, Some(reading))?
    };

    // The last edge's output read as the current version: defaults filled, validate run.
    let Some(last) = info.versions.last() else {
        return Err(Unsupported::new(
            ReasonCode::NoPath,
            format!("{} declares no versions", info.name),
        ));
    };
    let invalid_at_current = |e: RoundTripError| {
        Unsupported::new(
            ReasonCode::InvalidAtCurrent,
            format!(
                "the result does not deserialize as {} version {current} ({}): {e}",
                info.name, last.type_name
            ),
        )
    };
    read_last(last, body, beside, invalid_at_current, info, current)
}

/// Runs `body` along `edges` (all of them: the chain minus the last reading), the first
/// edge taking the source's `reading` when there is one.
fn run_edges<'a>(
    info: &ContractInfo,
    detected: u32,
    edges: &[&'static Edge],
    mut body: Node<'a>,
    mut reading: Option<Reading>,
) -> Result<Node<'a>, Unsupported> {
    let current = info.current_version();
    for edge in edges {
        let kind = body.kind();
        let Node::Object(map) = body.into_open() else {
            return Err(produced_non_object(info, edge, kind, current));
        };
        let reading = reading.take();
        body = guarded(|| (edge.__up)(edge, map, reading))
            .map_err(|panic| {
                Unsupported::new(
                    ReasonCode::TransformFailed,
                    format!(
                        "{} {} -> {} failed: the transform panicked: {panic}",
                        info.name, edge.from, edge.to
                    ),
                )
            })?
            .map_err(|e| edge_failure(info, edge, detected, current, e))?;
        if !body.is_object() {
            return Err(produced_non_object(info, edge, body.kind(), current));
        }
    }
    Ok(body)
}

/// `version`'s typed reading of `body` (a panic in the user's code is a failure of it).
fn read(version: &VersionInfo, body: &Node<'_>) -> Result<Reading, RoundTripError> {
    guarded(|| (version.__roundtrip)(body))
        .unwrap_or_else(|panic| Err(RoundTripError::Validate(format!("panicked: {panic}"))))
}

/// The chain's last step: the current version (`version`) reads `body`, and what it does
/// not model is put back; `beside` runs meanwhile (see [`run_chain`]).
fn read_last<'a, B: Send>(
    version: &VersionInfo,
    body: Node<'a>,
    beside: Option<&(dyn Fn(&Node<'a>) -> B + Sync)>,
    invalid: impl Fn(RoundTripError) -> Unsupported + Send,
    info: &ContractInfo,
    current: u32,
) -> Result<Chained<'a, B>, Unsupported> {
    let reading = || {
        let value = read(version, &body).map_err(invalid)?.into_value();
        // Beside a job, whether the reading settles the body is decided by reading alone:
        // the body must stay whole until the job is done.
        let settled = beside.is_some() && restores_to_itself(&value, &body);
        Ok::<_, Unsupported>((value, settled))
    };
    let (read, job) = both(beside.is_some(), reading, || beside.map(|job| job(&body)));
    let (value, settled) = read?;
    if settled {
        // `restore(value, body)` would give the body's value back: the body is the result.
        drop(value);
        return into_entries((body, true), info, current, job);
    }
    into_entries(restore(value, body), info, current, None)
}

fn into_entries<'a, B>(
    (node, settled): (Node<'a>, bool),
    info: &ContractInfo,
    current: u32,
    beside: Option<B>,
) -> Result<Chained<'a, B>, Unsupported> {
    let kind = node.kind();
    match node.into_open() {
        Node::Object(body) => Ok(Chained {
            body,
            settled,
            beside,
        }),
        _ => Err(Unsupported::new(
            ReasonCode::InvalidAtCurrent,
            format!(
                "{} version {current} serializes as {kind}, not an object",
                info.name
            ),
        )),
    }
}

/// Classifies a failed edge (see `docs/runtime.md`, "Reason codes").
fn edge_failure(
    info: &ContractInfo,
    edge: &Edge,
    detected: u32,
    current: u32,
    error: TransformError,
) -> Unsupported {
    let name = info.name;
    let (from, to) = (edge.from, edge.to);
    match error {
        TransformError::Custom(message) => Unsupported::new(
            ReasonCode::TransformFailed,
            format!("{name} {from} -> {to} failed: {message}"),
        ),
        TransformError::Source { version, error } if version == detected => Unsupported::new(
            ReasonCode::InvalidAtVersion,
            format!("does not deserialize as {name} version {version}: {error}"),
        ),
        TransformError::Source { version, error } => Unsupported::new(
            ReasonCode::TransformFailed,
            format!(
                "{name} {from} -> {to} failed: the document produced by the chain does not deserialize as version {version}: {error}"
            ),
        ),
        TransformError::Target { version, error } if version == current => Unsupported::new(
            ReasonCode::InvalidAtCurrent,
            format!(
                "{name} {from} -> {to}: the result does not deserialize as {name} version {version}: {error}"
            ),
        ),
        TransformError::Target { version, error } => Unsupported::new(
            ReasonCode::TransformFailed,
            format!(
                "{name} {from} -> {to} failed: the result does not deserialize as version {version}: {error}"
            ),
        ),
    }
}

fn produced_non_object(info: &ContractInfo, edge: &Edge, kind: &str, current: u32) -> Unsupported {
    let code = if edge.to == current {
        ReasonCode::InvalidAtCurrent
    } else {
        ReasonCode::TransformFailed
    };
    Unsupported::new(
        code,
        format!(
            "{} {} -> {} produced {kind}, not an object",
            info.name, edge.from, edge.to
        ),
    )
}

/// Runs the chain of `migrated` backwards through each edge's down transform: the
/// `roundTrip` check of the prover, down(up(source)), to compare with `source`.
///
/// `None` when an edge of the chain has no down transform (is not `reversible`). The version
/// key is put back as `source` had it: at its position, or left out for an unversioned
/// source. A failing down transform is `transform-failed`. The result is copied once;
/// `migrated` is left as it is.
pub fn revert(
    info: &'static ContractInfo,
    migrated: &Migrated,
    source: &Value,
) -> Option<Result<Value, Unsupported>> {
    let position = source
        .as_object()
        .and_then(|map| map.keys().position(|k| k == info.version_key));
    let Value::Object(result) = migrated.result.clone() else {
        return Some(Err(not_an_object(kind(&migrated.result))));
    };
    let reverted = revert_node(
        info,
        migrated.detected,
        &migrated.edges,
        crate::node::entries_of(result),
        position,
    )?;
    Some(reverted.map(|entries| Node::Object(entries).into_value()))
}

/// [`revert`] on the engine's tree: `result` is the migrated document's entries, and
/// `position` where the source had its version key.
pub(crate) fn revert_node<'a>(
    info: &'static ContractInfo,
    detected: u32,
    edges: &[&'static Edge],
    result: Entries<'a>,
    position: Option<usize>,
) -> Option<Result<Entries<'a>, Unsupported>> {
    let downs: Vec<_> = edges
        .iter()
        .map(|edge| edge.__down.map(|down| (*edge, down)))
        .collect::<Option<_>>()?;
    Some(revert_along(info, detected, result, position, &downs))
}

fn revert_along<'a>(
    info: &'static ContractInfo,
    detected: u32,
    result: Entries<'a>,
    position: Option<usize>,
    downs: &[(&'static Edge, crate::contract::Transform)],
) -> Result<Entries<'a>, Unsupported> {
    let mut body: Entries<'a> = result
        .into_iter()
        .filter(|(k, _)| k != info.version_key)
        .collect();
    for (edge, down) in downs.iter().rev() {
        let out = guarded(|| down(edge, body, None))
            .unwrap_or_else(|panic| Err(TransformError::Custom(format!("panicked: {panic}"))))
            .map_err(|e| {
                Unsupported::new(
                    ReasonCode::TransformFailed,
                    format!(
                        "{} {} -> {} (down) failed: {e}",
                        info.name, edge.to, edge.from
                    ),
                )
            })?;
        let kind = out.kind();
        body = match out.into_open() {
            Node::Object(entries) => entries,
            _ => {
                return Err(Unsupported::new(
                    ReasonCode::TransformFailed,
                    format!(
                        "{} {} -> {} (down) produced {kind}, not an object",
                        info.name, edge.to, edge.from
                    ),
                ))
            }
        };
    }
    if let Some(index) = position {
        let index = index.min(body.len());
        body.insert(
            index,
            (
                Cow::Borrowed(info.version_key),
                Node::Number(detected.into()),
            ),
        );
    }
    Ok(body)
}

/// Runs user code (a `with` function, a `validate` hook, a hand-written serde impl) so that
/// its panic becomes a refusal of this one document instead of taking the process down (in
/// directory mode, every other file would go with it). The panic hook still reports it.
pub(crate) fn guarded<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|payload| {
        payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic without a message".to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The result's hash beside the last step, as the prover asks for it.
    const HASH: Beside = Beside {
        hash_result: true,
        source_reading: false,
    };

    fn same(value: &Node<'_>) -> Result<Reading, RoundTripError> {
        Ok(Reading::new((), Node::from_value(value.to_value())))
    }

    /// One version, unversioned documents are version 1: every object is current.
    static ONE: ContractInfo = ContractInfo {
        name: "one",
        version_key: "schemaVersion",
        unversioned: Some(1),
        file: None,
        versions: &[VersionInfo {
            version: 1,
            type_name: "One",
            wire_keys: &[],
            edges: &[],
            __roundtrip: same,
        }],
    };

    #[test]
    fn the_form_asked_for_is_the_form_read() {
        let bytes = br#"{"a": {"b": [1, 2]}, "c": "d"}"#;
        for parallel in [false, true] {
            let lazy = read_and_run(&ONE, bytes, parallel, true, true);
            assert_eq!(lazy.source_hash, Some(bytes_sha256(bytes)));
            assert_eq!(
                (lazy.detected, lazy.edges.map(|e| e.len())),
                (Some(1), Some(0))
            );
            let (source, run) = lazy.outcome.unwrap();
            let Node::Object(entries) = &source else {
                panic!("the root is read")
            };
            assert!(matches!(entries[0].1, Node::Raw(r#"{"b": [1, 2]}"#)));
            assert!(run.settled);
        }
        let tree = read_and_run(&ONE, bytes, false, false, false);
        assert_eq!(tree.source_hash, None);
        let (source, _) = tree.outcome.unwrap();
        let Node::Object(entries) = &source else {
            panic!("the root is read")
        };
        assert!(matches!(entries[0].1, Node::Object(_)));
    }

    /// Like [`same`], but the reading fills a default: it never settles a body.
    fn fills(value: &Node<'_>) -> Result<Reading, RoundTripError> {
        let mut value = value.to_value();
        value["filled"] = true.into();
        Ok(Reading::new((), Node::from_value(value)))
    }

    static FILLS: ContractInfo = ContractInfo {
        name: "fills",
        version_key: "schemaVersion",
        unversioned: Some(1),
        file: None,
        versions: &[VersionInfo {
            version: 1,
            type_name: "Fills",
            wire_keys: &[],
            edges: &[],
            __roundtrip: fills,
        }],
    };

    #[test]
    fn the_result_is_hashed_beside_the_last_step_only_when_it_settles() {
        // The version key where the source has it, first when it has none, or clamped.
        for text in [
            r#"{"a": {"b": [1, 2]}, "schemaVersion": 1, "c": "d"}"#,
            r#"{"a": {"b": [1, 2]}, "c": "d"}"#,
            r#"{"c": "d", "a": [], "schemaVersion": 1}"#,
        ] {
            let doc = crate::node::parse_with(text.as_bytes(), true).unwrap();
            let run = migrate_node(&ONE, doc.clone(), HASH).unwrap();
            assert!(run.settled);
            let hash = run.result_hash.expect("hashed beside").unwrap();
            let result = Node::Object(run.result);
            assert_eq!(
                hash,
                canonical_sha256_node(&result, false).unwrap(),
                "{text}"
            );
            if text.contains("schemaVersion") {
                // Nothing changed: the result is the source, key for key.
                assert_eq!(hash, canonical_sha256_node(&doc, false).unwrap(), "{text}");
            }
            // Not asked for: not computed.
            assert!(migrate_node(&ONE, doc.clone(), Beside::NOTHING)
                .unwrap()
                .result_hash
                .is_none());
            // A reading that changes the body: the hash of the body would be wrong, and is
            // thrown away.
            let run = migrate_node(&FILLS, doc, HASH).unwrap();
            assert!(!run.settled);
            assert!(run.result_hash.is_none());
        }
    }

    #[test]
    fn an_invalid_document_is_refused_in_every_form() {
        let bytes = br#"{"a": 1, "a": 2}"#;
        for (parallel, lazy) in [(false, false), (false, true), (true, true)] {
            let started = read_and_run(&ONE, bytes, parallel, lazy, false);
            let reason = started.outcome.expect_err("refused");
            assert_eq!(reason.code, ReasonCode::InvalidJson, "{parallel} {lazy}");
            assert!(
                reason.message.contains("`a` is written twice"),
                "{}",
                reason.message
            );
            assert_eq!(started.detected, None);
        }
    }
}
