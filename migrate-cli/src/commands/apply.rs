//! `migration apply`: prove, keep the source bytes, then replace each target atomically.

use std::process::ExitCode;

use migrate_runtime::{apply_file, ApplyAction, ApplyError, ApplyOptions, StoreError};
use serde_json::{json, Value};

use super::{environment_error, finish, proof_diagnostic, proof_summary, CONFLICT_HINT};
use crate::output::{Diagnostic, Printer, Record, Tone, Verdict};
use crate::parallel;
use crate::targets::Target;

/// Applies every target in parallel (each under its own lock).
pub fn run(printer: &Printer, targets: &[Target], dry_run: bool, accept_losses: bool) -> ExitCode {
    let options = ApplyOptions {
        dry_run,
        accept_declared_losses: accept_losses,
    };
    let records = parallel::map(targets, |target| apply_one(target, &options));
    finish(printer.print_all("applied", &records))
}

fn apply_one(target: &Target, options: &ApplyOptions) -> Record {
    let shown = target.path.display().to_string();
    match apply_file(target.contract, &target.path, options) {
        Ok(outcome) => {
            let label = match outcome.action {
                ApplyAction::Applied => "applied",
                ApplyAction::UpToDate => "up-to-date",
                ApplyAction::WouldApply => "would-apply",
            };
            let tone = match outcome.action {
                ApplyAction::UpToDate => Tone::Good,
                ApplyAction::Applied | ApplyAction::WouldApply => Tone::Notice,
            };
            let path_text =
                |p: &Option<std::path::PathBuf>| p.as_ref().map(|p| p.display().to_string());
            let detail = match &outcome.proof_path {
                Some(path) => format!(
                    "{}, proof {}",
                    proof_summary(&outcome.proof),
                    path.display()
                ),
                None => proof_summary(&outcome.proof),
            };
            Record {
                verdict: Verdict::Fine,
                json: Some(
                    json!({
                        "target": shown,
                        "action": label,
                        "proofPath": path_text(&outcome.proof_path),
                        "sourceCopy": path_text(&outcome.source_copy),
                        "proof": outcome.proof,
                    })
                    .to_string(),
                ),
                target: shown,
                label: label.to_owned(),
                tone,
                detail,
                diagnostic: None,
            }
        }
        Err(ApplyError::Prove(error)) => environment_error(shown, error.to_string(), None),
        Err(ApplyError::NotProven { proof, .. }) => {
            let label = if proof.status == migrate_runtime::Status::Unsupported {
                "unsupported"
            } else {
                "refused"
            };
            Record {
                verdict: Verdict::Negative,
                json: Some(
                    json!({
                        "target": shown,
                        "action": label,
                        "proofPath": Value::Null,
                        "sourceCopy": Value::Null,
                        "proof": proof,
                    })
                    .to_string(),
                ),
                target: shown,
                label: label.to_owned(),
                tone: Tone::Bad,
                detail: format!("not applied: {}", proof_summary(&proof)),
                diagnostic: Some(proof_diagnostic(&proof)),
            }
        }
        Err(error) => {
            let (verdict, label, hint) = match &error {
                ApplyError::Locked { .. } => (
                    Verdict::Negative,
                    "locked",
                    "another apply holds the lock; wait for it and apply again",
                ),
                ApplyError::SourceChanged { .. } => (
                    Verdict::Negative,
                    "changed",
                    "the file changed while being applied; apply again",
                ),
                ApplyError::Store(StoreError::Conflict { .. }) => {
                    (Verdict::Negative, "conflict", CONFLICT_HINT)
                }
                _ => (Verdict::Error, "error", "nothing was written to the target"),
            };
            Record {
                verdict,
                json: Some(
                    json!({
                        "target": shown,
                        "action": label,
                        "error": error.to_string(),
                    })
                    .to_string(),
                ),
                target: shown,
                label: label.to_owned(),
                tone: Tone::Bad,
                detail: error.to_string(),
                diagnostic: Some(Diagnostic {
                    message: error.to_string(),
                    hint: Some(hint.to_owned()),
                }),
            }
        }
    }
}
