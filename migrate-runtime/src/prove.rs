//! The prover: runs a document's chain and checks five properties of that one run, then
//! records them in a [`Proof`] whose fingerprint names it.
//!
//! The properties (SPEC §5, `docs/proofs.md`): `validatesAtCurrent`, `appendOnly`,
//! `idempotent`, `sourceImmutable` and `roundTrip`. A failing property says which and
//! where in `errors`; an unsupported document gets a proof too, never a passing one.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::canonical::{canonical_sha256, canonical_sha256_node, reader_differs};
use crate::contract::{ContractInfo, Edge};
use crate::node::{objects_eq, Entries, Lookup, Node, LAZY_FROM};
use crate::run::{both, guarded, migrate_node, read_and_run, Beside, PARALLEL_FROM};
use crate::{ReasonCode, Status, Unsupported};

/// The proof format this crate writes (`proofFormat`).
pub const PROOF_FORMAT: u32 = 1;

/// At most this many findings are listed per property; the rest are counted. A document
/// that changed everywhere would otherwise make a proof as large as itself.
const MAX_FINDINGS: usize = 10;

/// The record of one prove run, as stored in `migration/<fingerprint>.json` (SPEC §5).
///
/// Field order is the order of the stored JSON. Nothing here depends on time, host or the
/// directory the file was in, so the same bytes and contract always give one fingerprint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Proof {
    /// The proof format ([`PROOF_FORMAT`]).
    pub proof_format: u32,
    /// The contract's name.
    pub contract: String,
    /// The target's file name (no directory).
    pub target: String,
    /// What `check` says of the document.
    pub status: Status,
    /// The version detected in the source, if detection got that far.
    pub detected_version: Option<u32>,
    /// The contract's current version.
    pub current_version: u32,
    /// The versions the document goes through, detected first (empty if none resolved).
    pub chain: Vec<u32>,
    /// The declared claims of each edge of the chain, in order.
    pub edges: Vec<EdgeClaims>,
    /// The result deserializes as the current version and passes its `validate` hook.
    pub validates_at_current: bool,
    /// Every leaf of the source is in the result with the same value, but for what the
    /// chain declares.
    pub append_only: bool,
    /// Migrating the result changes nothing.
    pub idempotent: bool,
    /// The file's bytes, re-read after the run, hash as before.
    pub source_immutable: bool,
    /// down(up(source)) equals the source; `null` unless every edge of a non-empty chain is
    /// reversible.
    pub round_trip: Option<bool>,
    /// Every property that applies holds, there are no errors, and no losses (unless the
    /// run accepted declared losses).
    pub pass: bool,
    /// Values of the source that declared removals drop.
    pub losses: Vec<Loss>,
    /// What failed, each prefixed with the property or reason (`appendOnly: /a/0 is …`).
    pub errors: Vec<String>,
    /// `sha256:` + hex of the file's bytes.
    pub source_hash: String,
    /// `sha256:` + hex of the result's RFC 8785 canonical form; `null` when unsupported.
    pub result_hash: Option<String>,
    /// `sha256:` + hex of the RFC 8785 canonical form of this proof without `fingerprint`.
    pub fingerprint: String,
}

/// An edge's declared claims, as recorded in a proof (wire keys).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EdgeClaims {
    /// The version the edge starts from.
    pub from: u32,
    /// The version the edge leads to.
    pub to: u32,
    /// New keys filled from their default.
    pub adds_defaulted: Vec<String>,
    /// New keys computed by the `with` function.
    pub adds: Vec<String>,
    /// Keys the edge deliberately drops.
    pub removes: Vec<String>,
    /// Keys that move: `[{"from": "owner", "to": "assignee"}]`.
    pub renames: Vec<Rename>,
    /// Keys whose type changes.
    pub converts: Vec<String>,
    /// True when the edge removes nothing.
    pub drops_nothing: bool,
    /// True when a custom `with` function performs the edge.
    pub custom: bool,
}

/// One declared rename: the value at top-level key `from` moves to `to`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rename {
    /// The old wire key.
    pub from: String,
    /// The new wire key.
    pub to: String,
}

/// A value of the source dropped by a declared removal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Loss {
    /// Where the value is in the source (RFC 6901).
    pub pointer: String,
    /// The removing edge's source version.
    pub from: u32,
    /// The removing edge's target version.
    pub to: u32,
}

/// How to prove.
#[derive(Debug, Clone, Default)]
pub struct ProveOptions {
    /// Let a proof pass although declared removals drop values (`--accept-declared-losses`).
    pub accept_declared_losses: bool,
}

/// A problem of the environment, not of the document: the document's own problems are
/// recorded in the proof.
#[derive(Debug, thiserror::Error)]
pub enum ProveError {
    /// The file cannot be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// The path has no file name (`/`, `..`).
    #[error("{} is not a file path", path.display())]
    NotAFile {
        /// The path.
        path: PathBuf,
    },
}

impl EdgeClaims {
    /// The claims of `edge`, as a proof records them.
    pub fn of(edge: &Edge) -> Self {
        let strings = |keys: &[&str]| keys.iter().map(|k| (*k).to_owned()).collect();
        let c = &edge.claims;
        EdgeClaims {
            from: edge.from,
            to: edge.to,
            adds_defaulted: strings(c.adds_defaulted),
            adds: strings(c.adds),
            removes: strings(c.removes),
            renames: c
                .renames
                .iter()
                .map(|(from, to)| Rename {
                    from: (*from).to_owned(),
                    to: (*to).to_owned(),
                })
                .collect(),
            converts: strings(c.converts),
            drops_nothing: c.drops_nothing(),
            custom: c.custom,
        }
    }
}

impl Proof {
    /// The fingerprint this proof's content gives: `sha256:` + hex of the RFC 8785
    /// canonical form of the proof without its `fingerprint` field.
    pub fn compute_fingerprint(&self) -> String {
        let mut value = serde_json::to_value(self).expect("a proof serializes");
        fingerprint_of_value(&mut value)
    }

    /// True when `fingerprint` matches the content.
    pub fn fingerprint_is_valid(&self) -> bool {
        self.fingerprint == self.compute_fingerprint()
    }

    /// The proof as stored: pretty JSON with a trailing newline.
    pub fn to_pretty_bytes(&self) -> Vec<u8> {
        let mut out = serde_json::to_vec_pretty(self).expect("a proof serializes");
        out.push(b'\n');
        out
    }
}

/// The fingerprint of a proof given as JSON: removes `fingerprint` from `value` and hashes
/// the rest. Verify uses it on the stored text, so a field added by hand is covered too.
pub(crate) fn fingerprint_of_value(value: &mut Value) -> String {
    if let Value::Object(map) = value {
        map.shift_remove("fingerprint");
    }
    canonical_sha256(value)
}

/// Proves the document at `path` against `info`.
///
/// Reads the file once (re-reading it at the end, streamed, only to compare it with the
/// bytes read first). Errors only when the file cannot be read; a document that is not
/// supported gets a failing proof with `status: "unsupported"`.
pub fn prove_file(
    info: &'static ContractInfo,
    path: &Path,
    options: &ProveOptions,
) -> Result<Proof, ProveError> {
    Ok(prove_file_keeping_result(info, path, options, false)?.0)
}

/// [`prove_file`], also returning, with `keep_result` and a supported document, the
/// migrated document as apply writes it: pretty JSON in the engine's key order, with a
/// trailing newline (written from the engine's tree while the source's bytes are still
/// there: no `Value` of a large document is ever built).
pub(crate) fn prove_file_keeping_result(
    info: &'static ContractInfo,
    path: &Path,
    options: &ProveOptions,
    keep_result: bool,
) -> Result<(Proof, Option<Vec<u8>>), ProveError> {
    let target = target_name(path)?;
    let bytes = fs::read(path).map_err(|source| ProveError::Read {
        path: path.to_owned(),
        source,
    })?;
    // The file is read again once the chain has run, beside the checks, and compared with
    // the bytes that were hashed.
    let read_again = || fs::File::open(path).and_then(|file| reader_differs(file, &bytes));
    let (mut proof, result, reread) =
        prove_bytes(info, target, &bytes, None, Some(&read_again), keep_result);
    drop(bytes);
    if let Some(reread) = reread {
        check_source_immutable(reread, &mut proof);
    }
    finish(&mut proof, options);
    Ok((proof, result))
}

/// Proves `bytes` (the content of a file named `target`) read in the form chosen: lazily
/// (`true`: validated raw text, opened where needed) or as a tree. For tests that hold the
/// two forms to one proof; `sourceImmutable` is `false` (no file to re-read).
#[doc(hidden)]
pub fn prove_bytes_as(
    info: &'static ContractInfo,
    target: &str,
    bytes: &[u8],
    lazy: bool,
) -> Proof {
    let (mut proof, ..) = prove_bytes(info, target.to_owned(), bytes, Some(lazy), None, false);
    finish(&mut proof, &ProveOptions::default());
    proof
}

/// The file name of `path`, as a proof's `target`.
pub(crate) fn target_name(path: &Path) -> Result<String, ProveError> {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| ProveError::NotAFile {
            path: path.to_owned(),
        })
}

/// The file read again after the run: the same bytes as were hashed for `sourceHash`
/// (`None`), or the hash of the bytes it has now.
fn check_source_immutable(reread: io::Result<Option<String>>, proof: &mut Proof) {
    match reread {
        Ok(None) => proof.source_immutable = true,
        Ok(Some(hash)) => {
            proof.source_immutable = false;
            proof.errors.push(format!(
                "sourceImmutable: the file changed during the run (read as {}, now {hash})",
                proof.source_hash
            ));
        }
        Err(e) => {
            proof.source_immutable = false;
            proof
                .errors
                .push(format!("sourceImmutable: cannot re-read the file: {e}"));
        }
    }
}

/// Computes `pass` and the fingerprint once every property is in.
fn finish(proof: &mut Proof, options: &ProveOptions) {
    if !proof.losses.is_empty() && !options.accept_declared_losses {
        let pointers: Vec<&str> = proof.losses.iter().map(|l| l.pointer.as_str()).collect();
        proof.errors.push(format!(
            "losses: declared removals drop {} value(s) of the source ({}); accept them with \
             --accept-declared-losses",
            pointers.len(),
            pointers.join(", ")
        ));
    }
    proof.pass = proof.status != Status::Unsupported
        && proof.validates_at_current
        && proof.append_only
        && proof.idempotent
        && proof.source_immutable
        && proof.round_trip != Some(false)
        && proof.errors.is_empty();
    proof.fingerprint = proof.compute_fingerprint();
}

/// The outcome of [`prove_bytes`]: the proof so far, the migrated document if asked for,
/// and the file read again after the run, if there was a file to read (see
/// [`check_source_immutable`]).
type Proved = (Proof, Option<Vec<u8>>, Option<io::Result<Option<String>>>);

/// Runs the chain on `bytes` and checks every property but `sourceImmutable` (left
/// `false`), which the caller decides from `read_again`: the file read again and compared, run
/// once the chain has run, beside the other checks, for a supported document only. `pass`
/// and the fingerprint are left for [`finish`]. `lazy` chooses how the document is read
/// (by its size when `None`). With `keep_result`, the migrated document of a supported
/// source comes back too, as the pretty JSON apply writes.
fn prove_bytes(
    info: &'static ContractInfo,
    target: String,
    bytes: &[u8],
    lazy: Option<bool>,
    read_again: Option<&(dyn Fn() -> io::Result<Option<String>> + Sync)>,
    keep_result: bool,
) -> Proved {
    let mut proof = Proof {
        proof_format: PROOF_FORMAT,
        contract: info.name.to_owned(),
        target,
        status: Status::Unsupported,
        detected_version: None,
        current_version: info.current_version(),
        chain: Vec::new(),
        edges: Vec::new(),
        validates_at_current: false,
        append_only: false,
        idempotent: false,
        source_immutable: false,
        round_trip: None,
        pass: false,
        losses: Vec::new(),
        errors: Vec::new(),
        source_hash: String::new(),
        result_hash: None,
        fingerprint: String::new(),
    };
    let parallel = bytes.len() >= PARALLEL_FROM;
    let lazy = lazy.unwrap_or(bytes.len() >= LAZY_FROM);
    let started = read_and_run(info, bytes, parallel, lazy, true);
    proof.source_hash = started.source_hash.unwrap_or_default();
    // What detection and resolution found is recorded even when a later step fails, so an
    // unsupported proof still says where the document stood.
    proof.detected_version = started.detected;
    if let (Some(detected), Some(edges)) = (started.detected, &started.edges) {
        record_chain(&mut proof, detected, edges);
    }
    let (source, run) = match started.outcome {
        Ok(both) => both,
        Err(unsupported) => {
            proof.errors.push(unsupported_error(&unsupported));
            return (proof, None, None);
        }
    };
    record_chain(&mut proof, run.detected, &run.edges);
    proof.detected_version = Some(run.detected);
    let mut result = run.result;

    proof.status = Status::of_run(&run.edges, || match &*source.open() {
        Node::Object(source) => objects_eq(&result, source),
        _ => false,
    });

    let mut validates = blank(&proof);
    let mut idempotent = blank(&proof);
    if run.settled {
        // The chain's last step read its body as the current version (validate hook
        // included) and gave that body back as it was: the result's body is that body. Read
        // again it gives the same reading, which passes, and putting back what the reading
        // does not model gives the body itself: migrating the result again (detect the
        // current version, no edge, that reading) changes nothing.
        validates.validates_at_current = true;
        idempotent.idempotent = true;
    } else {
        // The current version's typed reading of the result, done once: it decides
        // `validatesAtCurrent`, and it is the step that migrating the result again repeats.
        let reading = check_validates_at_current(info, &mut result, &mut validates);
        check_idempotent(info, &mut result, reading.as_ref(), &mut idempotent);
    }

    // The remaining checks only read the source and the result: two branches, on two
    // cores for a large document.
    let mut append_only = blank(&proof);
    let mut round_trip = blank(&proof);
    let mut reread = None;
    let result = Node::Object(result);
    let (edges, detected, result_ref) = (&run.edges, run.detected, &result);
    // A settled chain hashed its result beside its last step already (`Run::result_hash`).
    let hashed = run.result_hash;
    // The file is read again after the last user code has run: with down transforms, after
    // the round trip; without, beside the checks.
    let down_transforms = round_trip_applies(edges);
    let ((), (result_hash, reread_beside)) = both(
        parallel,
        || {
            check_append_only(info, &source, result_ref, edges, &mut append_only);
            if down_transforms {
                check_round_trip(info, &source, result_ref, detected, edges, &mut round_trip);
                reread = read_again.map(|read| read());
            }
        },
        || {
            let hash = hashed.unwrap_or_else(|| canonical_sha256_node(result_ref, parallel));
            let reread = if down_transforms {
                None
            } else {
                read_again.map(|read| read())
            };
            (hash, reread)
        },
    );
    let reread = reread.or(reread_beside);

    // Findings in the order of the properties, as if the checks had run one by one.
    proof.validates_at_current = validates.validates_at_current;
    proof.errors.append(&mut validates.errors);
    proof.append_only = append_only.append_only;
    proof.losses.append(&mut append_only.losses);
    proof.errors.append(&mut append_only.errors);
    proof.idempotent = idempotent.idempotent;
    proof.errors.append(&mut idempotent.errors);
    proof.round_trip = round_trip.round_trip;
    proof.errors.append(&mut round_trip.errors);
    match result_hash {
        Ok(hash) => proof.result_hash = Some(hash),
        Err(e) => proof.errors.push(format!("resultHash: {e}")),
    }
    let result = if keep_result {
        match serde_json::to_vec_pretty(&result) {
            Ok(mut text) => {
                text.push(b'\n');
                Some(text)
            }
            // Never (a node always serializes); were it to happen, nothing is written.
            Err(e) => {
                proof
                    .errors
                    .push(format!("the result cannot be written as JSON: {e}"));
                None
            }
        }
    } else {
        None
    };
    (proof, result, reread)
}

/// A copy of `proof` with no findings, for one check to fill in on its own.
fn blank(proof: &Proof) -> Proof {
    Proof {
        losses: Vec::new(),
        errors: Vec::new(),
        ..proof.clone()
    }
}

fn record_chain(proof: &mut Proof, detected: u32, edges: &[&'static Edge]) {
    proof.chain = std::iter::once(detected)
        .chain(edges.iter().map(|e| e.to))
        .collect();
    proof.edges = edges.iter().map(|e| EdgeClaims::of(e)).collect();
}

fn unsupported_error(unsupported: &Unsupported) -> String {
    let prefix = if unsupported.code == ReasonCode::InvalidAtCurrent {
        // The result was produced but the current version rejects it: that is the
        // property failing, and the proof says so by name.
        "validatesAtCurrent: "
    } else {
        ""
    };
    format!("{prefix}{}: {}", unsupported.code, unsupported.message)
}

/// Runs `f` on the body of `doc` (the object without the version key) without copying
/// it: the key is taken out and put back at its place.
fn with_body<'a, R>(doc: &mut Entries<'a>, version_key: &str, f: impl FnOnce(&Node<'a>) -> R) -> R {
    let taken = doc
        .iter()
        .position(|(k, _)| k == version_key)
        .map(|i| (i, doc.remove(i)));
    let body = Node::Object(std::mem::take(doc));
    let out = f(&body);
    if let Node::Object(entries) = body {
        *doc = entries;
    }
    if let Some((i, entry)) = taken {
        doc.insert(i, entry);
    }
    out
}

/// Checks `validatesAtCurrent`, and returns the current version's typed reading of the
/// result's body when there is one.
fn check_validates_at_current(
    info: &ContractInfo,
    result: &mut Entries<'_>,
    proof: &mut Proof,
) -> Option<Node<'static>> {
    let Some(current) = info.versions.last() else {
        proof
            .errors
            .push("validatesAtCurrent: the contract has no versions".to_owned());
        return None;
    };
    let outcome = with_body(result, info.version_key, |body| {
        guarded(|| (current.__roundtrip)(body))
    });
    match outcome {
        Ok(Ok(reading)) => {
            proof.validates_at_current = true;
            return Some(reading.value);
        }
        Err(panic) => proof.errors.push(format!(
            "validatesAtCurrent: the current version's typed reading panicked: {panic}"
        )),
        Ok(Err(e)) => proof.errors.push(format!(
            "validatesAtCurrent: the result does not pass as {} version {}: {e}",
            info.name, current.version
        )),
    }
    None
}

/// Where a top-level source key ends up after the chain's declared claims.
enum Fate {
    /// Still there, under this key of the result.
    Kept(String),
    /// A declared conversion may change its value.
    Converted,
    /// A declared removal drops it.
    Removed,
}

fn trace_key(key: &str, edges: &[&'static Edge], source_pointer: &str, proof: &mut Proof) -> Fate {
    let mut name = key;
    let mut converted = false;
    // Followed to the end even after a conversion: a later edge may still remove it, and
    // that is a loss.
    for edge in edges {
        let claims = &edge.claims;
        if claims.removes.contains(&name) {
            proof.losses.push(Loss {
                pointer: source_pointer.to_owned(),
                from: edge.from,
                to: edge.to,
            });
            return Fate::Removed;
        }
        converted |= claims.converts.contains(&name);
        if let Some((_, new)) = claims.renames.iter().find(|(old, _)| *old == name) {
            name = new;
        }
    }
    if converted {
        Fate::Converted
    } else {
        Fate::Kept(name.to_owned())
    }
}

fn check_append_only(
    info: &ContractInfo,
    source: &Node<'_>,
    result: &Node<'_>,
    edges: &[&'static Edge],
    proof: &mut Proof,
) {
    let (Node::Object(source), Node::Object(result)) = (&*source.open(), &*result.open()) else {
        proof
            .errors
            .push("appendOnly: the source or the result is not an object".to_owned());
        return;
    };
    let mut findings = Findings::new("appendOnly");
    let mut in_result = Lookup::new(result);
    for (key, value) in source {
        if key == info.version_key {
            continue;
        }
        let mut pointer = String::new();
        push_token(&mut pointer, key);
        match trace_key(key, edges, &pointer, proof) {
            Fate::Removed | Fate::Converted => {}
            Fate::Kept(name) => {
                let renamed = (name != *key).then(|| {
                    let mut p = String::new();
                    push_token(&mut p, &name);
                    p
                });
                let mut at = Location {
                    source: pointer,
                    result: renamed,
                };
                contained(value, in_result.get(&name), &mut at, &mut findings);
            }
        }
    }
    proof.append_only = findings.is_empty();
    findings.report(&mut proof.errors);
}

/// A pointer into the source, and the pointer into the result when a rename moved it.
struct Location {
    source: String,
    result: Option<String>,
}

impl Location {
    fn push(&mut self, token: &str) -> (usize, usize) {
        let lens = (
            self.source.len(),
            self.result.as_ref().map_or(0, String::len),
        );
        push_token(&mut self.source, token);
        if let Some(r) = &mut self.result {
            push_token(r, token);
        }
        lens
    }

    fn pop(&mut self, (s, r): (usize, usize)) {
        self.source.truncate(s);
        if let Some(p) = &mut self.result {
            p.truncate(r);
        }
    }

    fn describe(&self) -> String {
        match &self.result {
            Some(r) => format!("{} (renamed to {})", display_pointer(&self.source), r),
            None => display_pointer(&self.source).to_owned(),
        }
    }
}

/// Checks that every leaf of `source` is in `result` with the same value. Where the result
/// holds the source's own text, there is nothing to look at.
fn contained(source: &Node<'_>, result: Option<&Node<'_>>, at: &mut Location, out: &mut Findings) {
    let Some(result) = result else {
        out.push(|| format!("{} is missing from the result", at.describe()));
        return;
    };
    if let (Node::Raw(s), Node::Raw(r)) = (source, result) {
        if crate::node::same_text(s, r) {
            return;
        }
    }
    match (&*source.open(), &*result.open()) {
        (Node::Object(s), Node::Object(r)) => {
            let mut r = Lookup::new(r);
            for (key, value) in s {
                let mark = at.push(key);
                contained(value, r.get(key), at, out);
                at.pop(mark);
            }
        }
        (Node::Array(s), Node::Array(r)) => {
            for (i, value) in s.iter().enumerate() {
                let mark = at.push(&i.to_string());
                contained(value, r.get(i), at, out);
                at.pop(mark);
            }
        }
        (Node::Object(_), other) | (Node::Array(_), other) => out.push(|| {
            format!(
                "{} is {} in the source but {} in the result",
                at.describe(),
                source.kind(),
                other.kind()
            )
        }),
        (s, r) if scalar_eq(s, r) => {}
        (s, r) => out.push(|| {
            format!(
                "{} changed from {} to {}",
                at.describe(),
                excerpt(s),
                excerpt(r)
            )
        }),
    }
}

/// Scalars compare by value: `1` and `1.0` are one number (a typed round trip through an
/// `f64` field may print either), integers compare exactly.
fn scalar_eq(a: &Node<'_>, b: &Node<'_>) -> bool {
    match (a, b) {
        (Node::Number(x), Node::Number(y)) => {
            if let (Some(x), Some(y)) = (x.as_i64(), y.as_i64()) {
                x == y
            } else if let (Some(x), Some(y)) = (x.as_u64(), y.as_u64()) {
                x == y
            } else if x.is_f64() || y.is_f64() {
                x.as_f64() == y.as_f64()
            } else {
                false
            }
        }
        _ => a == b,
    }
}

/// Checks `idempotent`: the result, migrated again, must equal itself.
///
/// Migrating the result again is: detect (the current version, which the result carries),
/// resolve (no edge), the current version's typed reading of the body, what the reading did
/// not model put back, the version key put back in its place. `reading` is that typed
/// reading, already done for `validatesAtCurrent`: when putting back what it did not model
/// gives the body itself, the second migration equals the result and nothing differs.
/// Otherwise the migration runs again for real, to list the differences (or the refusal).
fn check_idempotent(
    info: &'static ContractInfo,
    result: &mut Entries<'_>,
    reading: Option<&Node<'_>>,
    proof: &mut Proof,
) {
    if let Some(typed) = reading {
        let unchanged = with_body(result, info.version_key, |body| {
            crate::overlay::restores_to_itself(typed, body)
        });
        let version = crate::node::get(result, info.version_key);
        if unchanged && version.is_some_and(|v| *v == Value::from(info.current_version())) {
            proof.idempotent = true;
            return;
        }
    }
    let before = Node::Object(result.clone());
    match migrate_node(info, before.clone(), Beside::NOTHING) {
        Ok(again) => {
            let mut findings = Findings::new("idempotent");
            let mut pointer = String::new();
            diff(
                &before,
                &Node::Object(again.result),
                &mut pointer,
                &mut findings,
                "when migrated again",
            );
            proof.idempotent = findings.is_empty();
            findings.report(&mut proof.errors);
        }
        Err(unsupported) => proof.errors.push(format!(
            "idempotent: migrating the result again is unsupported: {unsupported}"
        )),
    }
}

/// `roundTrip` is checked only along a non-empty chain of reversible edges.
fn round_trip_applies(edges: &[&'static Edge]) -> bool {
    !edges.is_empty() && edges.iter().all(|e| e.__down.is_some())
}

fn check_round_trip(
    info: &ContractInfo,
    source: &Node<'_>,
    result: &Node<'_>,
    detected: u32,
    edges: &[&'static Edge],
    proof: &mut Proof,
) {
    if !round_trip_applies(edges) {
        return;
    }
    let mut body = without_key(result, info.version_key);
    for edge in edges.iter().rev() {
        let down = edge.__down.expect("checked above");
        match guarded(|| down(edge, body, None)) {
            Ok(Ok(out)) if out.is_object() => {
                if let Node::Object(entries) = out.into_open() {
                    body = entries;
                } else {
                    body = Vec::new();
                }
            }
            Err(panic) => {
                proof.round_trip = Some(false);
                proof.errors.push(format!(
                    "roundTrip: {} {} -> {} down panicked: {panic}",
                    info.name, edge.to, edge.from
                ));
                return;
            }
            Ok(Ok(other)) => {
                proof.round_trip = Some(false);
                proof.errors.push(format!(
                    "roundTrip: {} {} -> {} down produced {}",
                    info.name,
                    edge.to,
                    edge.from,
                    other.kind()
                ));
                return;
            }
            Ok(Err(e)) => {
                proof.round_trip = Some(false);
                proof.errors.push(format!(
                    "roundTrip: {} {} -> {} down failed: {e}",
                    info.name, edge.to, edge.from
                ));
                return;
            }
        }
    }
    let source_body = without_key(source, info.version_key);
    if objects_eq(&body, &source_body) {
        proof.round_trip = Some(true);
        return;
    }
    let (back, source_body) = (Node::Object(body), Node::Object(source_body));
    // The source's own version may fill defaults the file omits; the down transform writes
    // them out. Equal to the source as its version reads it is a faithful round trip.
    if let Some(version) = info.version(detected) {
        if let Ok(Ok(reading)) = guarded(|| (version.__roundtrip)(&source_body)) {
            let typed = reading.value;
            let modeled = typed.clone();
            let normalized = crate::overlay::overlay_unknown(typed, source_body.clone(), &modeled);
            if back == normalized {
                proof.round_trip = Some(true);
                return;
            }
        }
    }
    proof.round_trip = Some(false);
    let mut findings = Findings::new("roundTrip");
    let mut pointer = String::new();
    diff(
        &source_body,
        &back,
        &mut pointer,
        &mut findings,
        "after down(up(source))",
    );
    if findings.is_empty() {
        findings.push(|| "down(up(source)) differs from the source".to_owned());
    }
    findings.report(&mut proof.errors);
}

/// The entries of an object without its version key (a copy: raw parts are not copied).
fn without_key<'a>(node: &Node<'a>, version_key: &str) -> Entries<'a> {
    match node.open().into_owned() {
        Node::Object(entries) => entries
            .into_iter()
            .filter(|(k, _)| k != version_key)
            .collect(),
        _ => Vec::new(),
    }
}

/// Lists where `after` differs from `before`: keys missing or added, values changed.
fn diff(before: &Node<'_>, after: &Node<'_>, pointer: &mut String, out: &mut Findings, when: &str) {
    if let (Node::Raw(b), Node::Raw(a)) = (before, after) {
        if crate::node::same_text(b, a) {
            return;
        }
    }
    match (&*before.open(), &*after.open()) {
        (Node::Object(b), Node::Object(a)) => {
            let mut in_after = Lookup::new(a);
            for (key, value) in b {
                let len = pointer.len();
                push_token(pointer, key);
                match in_after.get(key) {
                    Some(other) => diff(value, other, pointer, out, when),
                    None => out.push(|| format!("{} is missing {when}", display_pointer(pointer))),
                }
                pointer.truncate(len);
            }
            let mut in_before = Lookup::new(b);
            for (key, _) in a {
                if in_before.get(key).is_some() {
                    continue;
                }
                let len = pointer.len();
                push_token(pointer, key);
                out.push(|| format!("{} is added {when}", display_pointer(pointer)));
                pointer.truncate(len);
            }
        }
        (Node::Array(b), Node::Array(a)) if b.len() == a.len() => {
            for (i, (x, y)) in b.iter().zip(a).enumerate() {
                let len = pointer.len();
                push_token(pointer, &i.to_string());
                diff(x, y, pointer, out, when);
                pointer.truncate(len);
            }
        }
        (b, a) if b == a => {}
        (b, a) => out.push(|| {
            format!(
                "{} changed from {} to {} {when}",
                display_pointer(pointer),
                excerpt(b),
                excerpt(a)
            )
        }),
    }
}

/// Findings of one property: the first [`MAX_FINDINGS`] in full, the rest counted.
struct Findings {
    property: &'static str,
    listed: Vec<String>,
    more: usize,
}

impl Findings {
    fn new(property: &'static str) -> Self {
        Findings {
            property,
            listed: Vec::new(),
            more: 0,
        }
    }

    fn push(&mut self, message: impl FnOnce() -> String) {
        if self.listed.len() < MAX_FINDINGS {
            self.listed
                .push(format!("{}: {}", self.property, message()));
        } else {
            self.more += 1;
        }
    }

    fn is_empty(&self) -> bool {
        self.listed.is_empty()
    }

    fn report(self, errors: &mut Vec<String>) {
        errors.extend(self.listed);
        if self.more > 0 {
            errors.push(format!("{}: … and {} more", self.property, self.more));
        }
    }
}

/// Appends `/token` to an RFC 6901 pointer, escaping `~` and `/`.
fn push_token(pointer: &mut String, token: &str) {
    pointer.push('/');
    for c in token.chars() {
        match c {
            '~' => pointer.push_str("~0"),
            '/' => pointer.push_str("~1"),
            c => pointer.push(c),
        }
    }
}

/// The root's pointer is the empty string; messages show it as `/` would mislead, so they
/// say `the document`.
fn display_pointer(pointer: &str) -> &str {
    if pointer.is_empty() {
        "the document"
    } else {
        pointer
    }
}

/// A value for a message, cut short: a message names the value, it does not carry it.
///
/// Serialization stops once the excerpt is full, so naming a changed 100 MB subtree costs
/// no more than naming a number.
fn excerpt(value: &Node<'_>) -> String {
    const MAX: usize = 60;
    struct Capped(Vec<u8>);
    impl io::Write for Capped {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            // Room for MAX characters of up to 4 bytes, plus one more to know it was cut.
            let room = (MAX * 4 + 1).saturating_sub(self.0.len());
            if room == 0 {
                return Err(io::Error::other("excerpt full"));
            }
            let n = buf.len().min(room);
            self.0.extend_from_slice(&buf[..n]);
            Ok(n)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    let mut capped = Capped(Vec::new());
    // Stopping early is the point: the error only says the excerpt is full.
    let _ = serde_json::to_writer(&mut capped, value);
    let text = String::from_utf8_lossy(&capped.0);
    let mut chars = text.chars();
    let cut: String = chars.by_ref().take(MAX).collect();
    if chars.next().is_some() {
        format!("{cut}…")
    } else {
        cut
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::{Claims, TransformError};

    fn unused<'a>(
        _: &Edge,
        _: Entries<'a>,
        _: Option<crate::contract::Reading>,
    ) -> Result<Node<'a>, TransformError> {
        unreachable!("trace_key reads claims only")
    }

    const NONE: Claims = Claims {
        adds_defaulted: &[],
        adds: &[],
        removes: &[],
        renames: &[],
        converts: &[],
        custom: false,
        reversible: false,
    };

    static EDGES: [Edge; 3] = [
        Edge {
            from: 1,
            to: 2,
            description: "",
            claims: Claims {
                renames: &[("a", "b")],
                ..NONE
            },
            __up: unused,
            __down: None,
        },
        Edge {
            from: 2,
            to: 3,
            description: "",
            claims: Claims {
                converts: &["b"],
                custom: true,
                ..NONE
            },
            __up: unused,
            __down: None,
        },
        Edge {
            from: 3,
            to: 4,
            description: "",
            claims: Claims {
                removes: &["b"],
                ..NONE
            },
            __up: unused,
            __down: None,
        },
    ];

    fn empty_proof() -> Proof {
        serde_json::from_value(serde_json::json!({
            "proofFormat": 1, "contract": "c", "target": "t", "status": "migrated",
            "detectedVersion": 1, "currentVersion": 4, "chain": [], "edges": [],
            "validatesAtCurrent": false, "appendOnly": false, "idempotent": false,
            "sourceImmutable": false, "roundTrip": null, "pass": false, "losses": [],
            "errors": [], "sourceHash": "", "resultHash": null, "fingerprint": ""
        }))
        .unwrap()
    }

    #[test]
    fn a_key_is_followed_through_renames_conversions_and_removals() {
        let all: Vec<&'static Edge> = EDGES.iter().collect();
        let mut proof = empty_proof();
        // Renamed, converted, then removed: a loss at the source's pointer.
        assert!(matches!(
            trace_key("a", &all, "/a", &mut proof),
            Fate::Removed
        ));
        assert_eq!(
            proof.losses,
            [Loss {
                pointer: "/a".into(),
                from: 3,
                to: 4
            }]
        );
        // Without the last edge: converted, so its value may change.
        let mut proof = empty_proof();
        assert!(matches!(
            trace_key("a", &all[..2], "/a", &mut proof),
            Fate::Converted
        ));
        // Without the conversion: kept under its new name.
        assert!(matches!(trace_key("a", &all[..1], "/a", &mut proof), Fate::Kept(n) if n == "b"));
        // An undeclared key stays where it is.
        assert!(matches!(trace_key("z", &all, "/z", &mut proof), Fate::Kept(n) if n == "z"));
        assert!(proof.losses.is_empty());
    }

    #[test]
    fn excerpts_are_cut_at_sixty_characters() {
        assert_eq!(excerpt(&Node::String("ok".into())), "\"ok\"");
        let long = Node::String("é".repeat(500).into());
        let cut = excerpt(&long);
        assert_eq!(cut.chars().count(), 61);
        assert!(cut.starts_with("\"éé") && cut.ends_with('…'), "{cut}");
        let exactly = Node::String("x".repeat(58).into());
        assert_eq!(excerpt(&exactly).chars().count(), 60);
    }

    #[test]
    fn pointer_tokens_escape_tilde_then_slash() {
        let mut p = String::new();
        push_token(&mut p, "a/b~c");
        push_token(&mut p, "0");
        assert_eq!(p, "/a~1b~0c/0");
    }
}
