//! The check verdict of one document: its status, versions, chain and changes, as the
//! `check --json` object of SPEC §7. Nothing is written.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::changes::{changes_node, Change};
use crate::contract::{ContractInfo, Edge};
use crate::node::{Node, LAZY_FROM};
use crate::reason::Unsupported;
use crate::run::{detect_and_run, read_and_run, Beside, Migrated, Run, PARALLEL_FROM};

/// A document's status, serialized in lower case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// At the current version, and a typed round trip changes nothing.
    Current,
    /// At the current version, but the typed round trip fills defaults (or adds the version
    /// key to a document of an `unversioned` current version).
    Normalized,
    /// At an older version, and the chain to the current version runs.
    Migrated,
    /// Not supported: see the report's `reason`.
    Unsupported,
}

impl Status {
    /// The status of a supported document after its run: `migrated` when the chain had
    /// edges (it was older than current), else `current` when `unchanged()` (the typed
    /// round trip left it as it was), else `normalized`. Check and prove both decide here.
    pub(crate) fn of_run(chain: &[&Edge], unchanged: impl FnOnce() -> bool) -> Status {
        if !chain.is_empty() {
            Status::Migrated
        } else if unchanged() {
            Status::Current
        } else {
            Status::Normalized
        }
    }

    /// The status as it appears in JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Current => "current",
            Status::Normalized => "normalized",
            Status::Migrated => "migrated",
            Status::Unsupported => "unsupported",
        }
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The `check --json` object (SPEC §7); its JSON field names are public API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckReport {
    /// The contract's name.
    pub contract: String,
    /// The target as the caller names it (the CLI passes the file name it shows).
    pub target: String,
    /// The verdict.
    pub status: Status,
    /// The detected version; `null` when it could not be detected.
    pub detected_version: Option<u32>,
    /// The contract's current version.
    pub current_version: u32,
    /// Whether a chain of edges leads from the detected version to the current one.
    pub reachable: bool,
    /// The versions of that chain, detected first (`[1]` for a current document); empty when
    /// there is none.
    pub chain: Vec<u32>,
    /// The number of changes (`changeList.len()`).
    pub changes: usize,
    /// The changes the migration makes to the document (empty when unsupported).
    pub change_list: Vec<Change>,
    /// Why the document is unsupported, or `null`.
    pub reason: Option<Unsupported>,
    /// Every problem found, as `"code: message"`: empty unless the status is `unsupported`.
    pub errors: Vec<String>,
}

/// Checks a document's bytes against a contract: parse, detect, resolve, run, compare.
///
/// A large document is validated beside its chain, on a second thread (as `prove` does).
pub fn check_bytes(info: &'static ContractInfo, target: &str, bytes: &[u8]) -> CheckReport {
    let started = read_and_run(
        info,
        bytes,
        bytes.len() >= PARALLEL_FROM,
        bytes.len() >= LAZY_FROM,
        false,
    );
    let mut verdict = Verdict::new(info, target);
    verdict.record(started.detected, started.edges.as_deref());
    match started.outcome {
        Ok((source, run)) => report(info, target, &source, run, verdict.chain).0,
        Err(reason) => verdict.unsupported(reason),
    }
}

/// Checks a parsed document against a contract.
pub fn check_value(info: &'static ContractInfo, target: &str, doc: &Value) -> CheckReport {
    check_node(info, target, &Node::from_value(doc.clone())).0
}

/// Checks a parsed document, and also returns the migrated document when it is supported,
/// so that callers run the chain only once.
pub fn check_document(
    info: &'static ContractInfo,
    target: &str,
    doc: &Value,
) -> (CheckReport, Option<Migrated>) {
    let (report, run) = check_node(info, target, &Node::from_value(doc.clone()));
    let migrated = run.map(|run| Migrated {
        detected: run.detected,
        chain: run.chain(),
        result: Node::Object(run.result).into_value(),
        edges: run.edges,
    });
    (report, migrated)
}

/// [`check_document`] on the engine's tree.
fn check_node<'a>(
    info: &'static ContractInfo,
    target: &str,
    doc: &Node<'a>,
) -> (CheckReport, Option<Run<'a>>) {
    let (detected, edges, outcome) = detect_and_run(info, doc, Beside::NOTHING);
    let mut verdict = Verdict::new(info, target);
    verdict.record(detected, edges.as_deref());
    let run = match outcome {
        Ok(run) => run,
        Err(reason) => return (verdict.unsupported(reason), None),
    };
    let (report, run) = report(info, target, doc, run, verdict.chain);
    (report, Some(run))
}

/// The report of a supported document: its status and changes, from the source and the
/// run; the run comes back for callers that want the result.
fn report<'a>(
    info: &'static ContractInfo,
    target: &str,
    doc: &Node<'a>,
    run: Run<'a>,
    chain: Vec<u32>,
) -> (CheckReport, Run<'a>) {
    let detected = run.detected;
    let result = Node::Object(run.result);
    let change_list = changes_node(doc, &result, &run.edges);
    let run = Run {
        result: match result {
            Node::Object(entries) => entries,
            _ => Vec::new(),
        },
        ..run
    };
    let status = Status::of_run(&run.edges, || change_list.is_empty());
    let report = CheckReport {
        contract: info.name.to_owned(),
        target: target.to_owned(),
        status,
        detected_version: Some(detected),
        current_version: info.current_version(),
        reachable: true,
        chain,
        changes: change_list.len(),
        change_list,
        reason: None,
        errors: Vec::new(),
    };
    (report, run)
}

/// What is known so far about a document, for an early `unsupported` report.
struct Verdict<'a> {
    info: &'static ContractInfo,
    target: &'a str,
    detected: Option<u32>,
    chain: Vec<u32>,
}

impl<'a> Verdict<'a> {
    fn new(info: &'static ContractInfo, target: &'a str) -> Self {
        Verdict {
            info,
            target,
            detected: None,
            chain: Vec::new(),
        }
    }

    /// Records what detection and resolution found.
    fn record(&mut self, detected: Option<u32>, edges: Option<&[&'static Edge]>) {
        self.detected = detected;
        if let (Some(detected), Some(edges)) = (detected, edges) {
            self.chain.push(detected);
            self.chain.extend(edges.iter().map(|e| e.to));
        }
    }

    fn unsupported(self, reason: Unsupported) -> CheckReport {
        CheckReport {
            contract: self.info.name.to_owned(),
            target: self.target.to_owned(),
            status: Status::Unsupported,
            detected_version: self.detected,
            current_version: self.info.current_version(),
            reachable: !self.chain.is_empty(),
            chain: self.chain,
            changes: 0,
            change_list: Vec::new(),
            errors: vec![reason.to_string()],
            reason: Some(reason),
        }
    }
}
