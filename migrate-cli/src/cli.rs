//! The command line's grammar: subcommands and flags, with clap's derive API.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// List, check, prove, apply and verify schema migrations of JSON state files.
#[derive(Debug, Parser)]
#[command(
    name = "migration",
    version,
    about,
    propagate_version = true,
    after_help = "Examples:\n  migration list\n  migration check runs/\n  migration prove runs/legacy/state.json\n  migration apply --dry-run runs/\n  migration verify runs/\n\nExit codes: 0 every target fine, 1 a negative verdict, 2 a usage or environment error."
)]
pub struct Cli {
    /// When to colour human output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    pub color: ColorChoice,

    /// The subcommand to run.
    #[command(subcommand)]
    pub command: Command,
}

/// When to colour human output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour when standard output is a terminal.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the known contracts, their versions and edges.
    #[command(after_help = "Examples:\n  migration list\n  migration list --json")]
    List {
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
    },

    /// Report each target's version, status and the changes a migration would make.
    ///
    /// Writes nothing.
    #[command(
        after_help = "Examples:\n  migration check state.json\n  migration check --json runs/"
    )]
    Check {
        /// The files to work on.
        #[command(flatten)]
        targets: TargetArgs,
    },

    /// Migrate each target in memory, prove the result, and store passing proofs.
    ///
    /// A passing proof is stored as `<target dir>/migration/<fingerprint>.json`; the
    /// target itself is never written.
    #[command(
        after_help = "Examples:\n  migration prove state.json\n  migration prove --no-store --json runs/\n  migration prove --accept-declared-losses state.json"
    )]
    Prove {
        /// The files to work on.
        #[command(flatten)]
        targets: TargetArgs,
        /// Print the proof without storing it.
        #[arg(long)]
        no_store: bool,
        /// Let a proof pass when the chain drops data it declares it drops (`removes`).
        #[arg(long)]
        accept_declared_losses: bool,
    },

    /// Prove, then replace each target atomically with its migrated version.
    ///
    /// The proof and the exact source bytes are stored under `migration/` first.
    #[command(
        after_help = "Examples:\n  migration apply --dry-run runs/\n  migration apply state.json"
    )]
    Apply {
        /// The files to work on.
        #[command(flatten)]
        targets: TargetArgs,
        /// Prove and report, but write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Let a migration proceed when the chain drops data it declares it drops.
        #[arg(long)]
        accept_declared_losses: bool,
    },

    /// Check stored proofs: untampered, and the target unchanged or applied.
    ///
    /// A directory is walked for the proofs in its `migration/` folders.
    #[command(
        after_help = "Examples:\n  migration verify runs/a/migration/3ad2f74d….json\n  migration verify runs/"
    )]
    Verify {
        /// Proof files (`migration/<fingerprint>.json`), or directories holding them.
        #[arg(required = true, value_name = "PROOF")]
        proofs: Vec<PathBuf>,
        /// Print one compact JSON object per proof, one per line.
        #[arg(long)]
        json: bool,
    },
}

/// The targets of `check`, `prove` and `apply`.
#[derive(Debug, Args)]
pub struct TargetArgs {
    /// Files, or directories walked for the contracts' file names.
    #[arg(required = true, value_name = "TARGET")]
    pub targets: Vec<PathBuf>,
    /// The contract to read the targets with (default: by file name).
    #[arg(long, value_name = "NAME")]
    pub contract: Option<String>,
    /// Print one compact JSON object per target, one per line.
    #[arg(long)]
    pub json: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn grammar_is_consistent() {
        Cli::command().debug_assert();
    }
}
