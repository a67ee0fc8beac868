//! One file per subcommand; each turns its arguments into records for the printer.

mod apply;
mod check;
mod list;
mod prove;
mod verify;

use std::process::ExitCode;

use migrate_runtime::Registry;

use crate::cli::{Cli, Command, TargetArgs};
use crate::output::{usage_error, Printer};
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
        Command::Verify { proofs, json } => {
            verify::run(registry, &Printer::new(json, cli.color), &proofs)
        }
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
