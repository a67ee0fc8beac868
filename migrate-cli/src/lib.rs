//! The `migration` command line as a library: `migrate_cli::run(registry)` is a complete
//! `main` for a project's own contracts.
