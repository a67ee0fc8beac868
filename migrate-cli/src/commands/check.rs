//! `migration check`: each target's version, status and the changes a migration would make.

use std::process::ExitCode;

use migrate_runtime::{check_bytes, CheckReport, Status};

use super::{finish, read_target, reason_diagnostic};
use crate::output::{Printer, Record, Tone, Verdict};
use crate::parallel;
use crate::targets::Target;

/// Checks every target in parallel and prints the reports in order.
pub fn run(printer: &Printer, targets: &[Target]) -> ExitCode {
    let records = parallel::map(targets, check_one);
    finish(printer.print_all("checked", &records))
}

fn check_one(target: &Target) -> Record {
    let shown = target.path.display().to_string();
    let bytes = match read_target(target) {
        Ok(bytes) => bytes,
        Err(record) => return *record,
    };
    let report = check_bytes(target.contract, &shown, &bytes);
    record(shown, &report)
}

fn record(shown: String, report: &CheckReport) -> Record {
    let (tone, verdict) = match report.status {
        Status::Current => (Tone::Good, Verdict::Fine),
        Status::Normalized | Status::Migrated => (Tone::Notice, Verdict::Fine),
        Status::Unsupported => (Tone::Bad, Verdict::Negative),
    };
    let detail = match (&report.reason, report.detected_version) {
        (Some(reason), _) => reason.message.clone(),
        (None, Some(detected)) => {
            let chain: Vec<String> = report.chain.iter().map(u32::to_string).collect();
            let changes = match report.changes {
                1 => "1 change".to_owned(),
                n => format!("{n} changes"),
            };
            if detected == report.current_version {
                format!("{} {detected}, {changes}", report.contract)
            } else {
                format!("{} {}, {changes}", report.contract, chain.join(" -> "))
            }
        }
        (None, None) => String::new(),
    };
    Record {
        verdict,
        target: shown,
        label: report.status.as_str().to_owned(),
        tone,
        detail,
        json: Some(serde_json::to_string(report).unwrap_or_else(|_| "null".to_owned())),
        diagnostic: report.reason.as_ref().map(reason_diagnostic),
    }
}
