//! A project's own `migration` binary: its contract, and the three-line `main` of SPEC §7.

mod note;

fn main() -> std::process::ExitCode {
    migrate_cli::run(migrate_runtime::Registry::new().with::<note::Note>())
}
