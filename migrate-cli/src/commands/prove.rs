//! `migration prove`: migrate each target in memory, prove the result, store passing proofs.

use std::process::ExitCode;

use migrate_runtime::{prove_file, store_proof, Proof, ProveOptions, Status, StoreError};

use super::{environment_error, finish, proof_diagnostic, proof_summary, CONFLICT_HINT};
use crate::output::{Diagnostic, Printer, Record, Tone, Verdict};
use crate::parallel;
use crate::targets::Target;

/// Proves every target in parallel, stores the passing proofs unless `store` is off.
pub fn run(printer: &Printer, targets: &[Target], store: bool, accept_losses: bool) -> ExitCode {
    let options = ProveOptions {
        accept_declared_losses: accept_losses,
    };
    let records = parallel::map(targets, |target| prove_one(target, &options, store));
    finish(printer.print_all("proved", &records))
}

fn prove_one(target: &Target, options: &ProveOptions, store: bool) -> Record {
    let shown = target.path.display().to_string();
    let proof = match prove_file(target.contract, &target.path, options) {
        Ok(proof) => proof,
        Err(error) => return environment_error(shown, error.to_string(), None),
    };
    let json = serde_json::to_string(&proof).unwrap_or_else(|_| "null".to_owned());
    if !proof.pass {
        let label = if proof.status == Status::Unsupported {
            "unsupported"
        } else {
            "fail"
        };
        return Record {
            verdict: Verdict::Negative,
            target: shown,
            label: label.to_owned(),
            tone: Tone::Bad,
            detail: proof_summary(&proof),
            json: Some(json),
            diagnostic: Some(proof_diagnostic(&proof)),
        };
    }
    let stored = if store {
        match store_proof(&target.path, &proof) {
            Ok(outcome) => Some(outcome.path().display().to_string()),
            Err(error) => return store_failure(shown, &proof, json, error),
        }
    } else {
        None
    };
    let detail = match stored {
        Some(path) => format!("{}, stored {path}", proof_summary(&proof)),
        None => proof_summary(&proof),
    };
    Record {
        verdict: Verdict::Fine,
        target: shown,
        label: "pass".to_owned(),
        tone: Tone::Good,
        detail,
        json: Some(json),
        diagnostic: None,
    }
}

/// A passing proof that could not be stored: a conflict is a negative verdict (the store
/// holds something else under the proof's name); anything else is the environment's fault.
fn store_failure(shown: String, proof: &Proof, json: String, error: StoreError) -> Record {
    let (verdict, label, hint) = match &error {
        StoreError::Conflict { .. } => (Verdict::Negative, "conflict", CONFLICT_HINT),
        StoreError::Symlink { .. } | StoreError::NotADirectory { .. } => (
            Verdict::Error,
            "error",
            "proofs are stored in a real `migration/` directory beside the target",
        ),
        _ => (
            Verdict::Error,
            "error",
            "check the directory's permissions and free space",
        ),
    };
    Record {
        verdict,
        target: shown,
        label: label.to_owned(),
        tone: Tone::Bad,
        detail: format!("{}, not stored: {error}", proof_summary(proof)),
        json: Some(json),
        diagnostic: Some(Diagnostic {
            message: error.to_string(),
            hint: Some(hint.to_owned()),
        }),
    }
}
