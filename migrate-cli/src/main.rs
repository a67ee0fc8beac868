//! The `migration` binary with the reference contracts (`run-state`, `workflow-app`).

fn main() -> std::process::ExitCode {
    migrate_cli::run(migrate_cli::reference::registry())
}
