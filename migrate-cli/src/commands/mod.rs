//! One file per subcommand; each turns its arguments into records for the printer.

mod apply;
mod check;
mod list;
mod prove;
mod verify;

use std::process::ExitCode;

use migrate_runtime::Registry;

use crate::cli::{Cli, Command, TargetArgs};
use migrate_runtime::{Proof, ReasonCode, Status, Unsupported};

use crate::output::{usage_error, Diagnostic, Printer, Record, Tone, Verdict};
use crate::targets::{self, Target};

/// Runs the parsed command on `registry`'s contracts.
pub fn dispatch(registry: &Registry, cli: Cli) -> ExitCode {
    match cli.command {
        Command::List { json } => list::run(registry, &Printer::new(json, cli.color)),
        Command::Check { targets } => with_targets(registry, &targets, cli.color, check::run),
        Command::Prove {
            targets,
            no_store,
            accept_declared_losses,
        } => with_targets(registry, &targets, cli.color, |printer, targets| {
            prove::run(printer, targets, !no_store, accept_declared_losses)
        }),
        Command::Apply {
            targets,
            dry_run,
            accept_declared_losses,
        } => with_targets(registry, &targets, cli.color, |printer, targets| {
            apply::run(printer, targets, dry_run, accept_declared_losses)
        }),
        Command::Verify { proofs, json } => match targets::resolve_proofs(&proofs) {
            Ok(proofs) => verify::run(registry, &Printer::new(json, cli.color), &proofs),
            Err(error) => usage_error(&error.message, error.hint.as_deref()),
        },
    }
}

/// Resolves the targets (a usage error ends the run before anything is read), then runs.
fn with_targets(
    registry: &Registry,
    args: &TargetArgs,
    color: crate::cli::ColorChoice,
    run: impl FnOnce(&Printer, &[Target]) -> ExitCode,
) -> ExitCode {
    match targets::resolve(registry, &args.targets, args.contract.as_deref()) {
        Ok(targets) => run(&Printer::new(args.json, color), &targets),
        Err(error) => usage_error(&error.message, error.hint.as_deref()),
    }
}

/// The exit code for printed records, quietly 0 when stdout was closed under us.
fn finish(result: Result<crate::output::Verdict, crate::output::Closed>) -> ExitCode {
    match result {
        Ok(verdict) => verdict.exit_code(),
        Err(crate::output::Closed) => ExitCode::SUCCESS,
    }
}

/// The hint for a proof store holding something else under a proof's name.
const CONFLICT_HINT: &str =
    "a stored file is never overwritten: inspect it, and move it away if it is not a proof";

/// Reads a target's bytes; an unreadable file is an environment error.
fn read_target(target: &Target) -> Result<Vec<u8>, Box<Record>> {
    std::fs::read(&target.path).map_err(|e| {
        Box::new(environment_error(
            target.path.display().to_string(),
            format!(
                "cannot read {}: {}",
                target.path.display(),
                targets::io_reason(&e)
            ),
            None,
        ))
    })
}

/// A record for a target that could not be processed for reasons of the environment.
fn environment_error(shown: String, message: String, hint: Option<String>) -> Record {
    Record {
        verdict: Verdict::Error,
        label: "error".to_owned(),
        tone: Tone::Bad,
        detail: message.clone(),
        json: None,
        diagnostic: Some(Diagnostic { message, hint }),
        target: shown,
    }
}

/// The diagnostic of an unsupported document: its reason, and what to do about it.
fn reason_diagnostic(reason: &Unsupported) -> Diagnostic {
    Diagnostic {
        message: format!("{}: {}", reason.code, reason.message),
        hint: Some(reason_hint(reason.code).to_owned()),
    }
}

fn reason_hint(code: ReasonCode) -> &'static str {
    match code {
        ReasonCode::BelowMinimum => "the file predates the contract's oldest version; migrate it with an older release first",
        ReasonCode::AboveCurrent => "the file was written by a newer program; upgrade this one",
        ReasonCode::NoPath => "the contract declares no chain of edges from this version; add a #[migration] edge",
        ReasonCode::MissingVersion => "add the version key to the file, or declare `unversioned = N` on the contract",
        ReasonCode::InvalidVersion => "the version key must hold a plain integer, such as 1",
        ReasonCode::InvalidJson => "fix the JSON syntax at the position named",
        ReasonCode::NotAnObject => "a versioned document is a JSON object at its root",
        ReasonCode::InvalidAtVersion => "the file does not match its version's types: fix the value at the path named",
        ReasonCode::TransformFailed => "the edge's `with` function rejected the document: see its message",
        ReasonCode::InvalidAtCurrent => "the chain produced a document the current version rejects: a bug in an edge",
    }
}

/// "run-state 0 -> 1" plus the failing properties, for a human line.
fn proof_summary(proof: &Proof) -> String {
    let chain: Vec<String> = proof.chain.iter().map(u32::to_string).collect();
    let head = if chain.is_empty() {
        proof.contract.clone()
    } else {
        format!("{} {}", proof.contract, chain.join(" -> "))
    };
    match proof.errors.first() {
        Some(first) if proof.errors.len() > 1 => {
            format!("{head}: {first} (and {} more)", proof.errors.len() - 1)
        }
        Some(first) => format!("{head}: {first}"),
        None if !proof.losses.is_empty() && !proof.pass => {
            format!("{head}: declares {} loss(es)", proof.losses.len())
        }
        None => head,
    }
}

/// The diagnostic of a failing proof.
fn proof_diagnostic(proof: &Proof) -> Diagnostic {
    let hint = if proof.status == Status::Unsupported {
        "the document is not supported: `migration check` says why"
    } else if proof.errors.is_empty() && !proof.losses.is_empty() {
        "the chain removes data it declares it removes: pass --accept-declared-losses to accept that"
    } else {
        "a property of the migration does not hold: see the proof's errors (--json)"
    };
    Diagnostic {
        message: match proof.errors.first() {
            Some(e) => e.clone(),
            None => proof_summary(proof),
        },
        hint: Some(hint.to_owned()),
    }
}
