//! `migration verify`: a stored proof is intact, and its target unchanged or applied.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use migrate_runtime::{verify_proof, Registry, VerifyOutcome};
use serde_json::json;

use super::{environment_error, finish};
use crate::output::{Diagnostic, Printer, Record, Tone, Verdict};
use crate::parallel;

/// Verifies every proof file in parallel.
pub fn run(registry: &Registry, printer: &Printer, proofs: &[PathBuf]) -> ExitCode {
    let records = parallel::map(proofs, |path| verify_one(registry, path));
    finish(printer.print_all("verified", &records))
}

fn verify_one(registry: &Registry, path: &Path) -> Record {
    let shown = path.display().to_string();
    let report = match verify_proof(registry, path) {
        Ok(report) => report,
        Err(error) => return environment_error(shown, error.to_string(), None),
    };
    let label = match report.outcome {
        VerifyOutcome::Fresh => "fresh",
        VerifyOutcome::Applied => "applied",
        VerifyOutcome::Changed => "changed",
        VerifyOutcome::Mismatch => "mismatch",
        VerifyOutcome::Tampered => "tampered",
    };
    let ok = report.outcome.is_ok();
    let hint = match report.outcome {
        VerifyOutcome::Fresh | VerifyOutcome::Applied => None,
        VerifyOutcome::Changed => {
            Some("run `migration prove` on the file to prove what it holds now")
        }
        VerifyOutcome::Mismatch => {
            Some("the contract or the prover changed since the proof was made; prove again")
        }
        VerifyOutcome::Tampered => Some("the proof was edited after it was made; do not trust it"),
    };
    Record {
        verdict: if ok { Verdict::Fine } else { Verdict::Negative },
        json: Some(
            json!({
                "proof": shown,
                "outcome": label,
                "target": report.target.as_ref().map(|t| t.display().to_string()),
                "contract": report.proof.as_ref().map(|p| p.contract.clone()),
                "fingerprint": report.proof.as_ref().map(|p| p.fingerprint.clone()),
                "detail": report.detail,
            })
            .to_string(),
        ),
        diagnostic: hint.map(|hint| Diagnostic {
            message: report.detail.clone(),
            hint: Some(hint.to_owned()),
        }),
        label: label.to_owned(),
        tone: if ok { Tone::Good } else { Tone::Bad },
        detail: report.detail,
        target: shown,
    }
}
