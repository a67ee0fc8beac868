//! The `migration` command line as a library: [`run`] is a complete `main` for a project's
//! own contracts.
//!
//! ```no_run
//! fn main() -> std::process::ExitCode {
//!     migrate_cli::run(migrate_runtime::Registry::new() /* .with::<MyContract>() */)
//! }
//! ```

mod cli;
mod commands;
mod output;
mod parallel;
pub mod reference;
mod targets;

use std::process::ExitCode;

use clap::Parser;
use migrate_runtime::Registry;

pub use cli::{Cli, ColorChoice, Command};

/// Parses the process's arguments, runs the command on `registry`'s contracts, and returns
/// the exit code: 0 every target fine, 1 a negative verdict, 2 a usage or environment error.
pub fn run(registry: Registry) -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            // clap prints help and version on stdout (exit 0), mistakes on stderr (exit 2).
            let _ = error.print();
            return if error.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    run_cli(&registry, cli)
}

/// Runs an already parsed command line on `registry`'s contracts.
pub fn run_cli(registry: &Registry, cli: Cli) -> ExitCode {
    commands::dispatch(registry, cli)
}
