//! The `migration` binary with the reference contracts (`run-state`, `workflow-app`).

/// Documents are trees of many small allocations; mimalloc allocates and frees them several
/// times faster than the system allocator (docs/performance.md has the figures).
#[global_allocator]
static ALLOCATOR: migrate_alloc::MiMalloc = migrate_alloc::MiMalloc;

fn main() -> std::process::ExitCode {
    migrate_alloc::give_back_at_once();
    migrate_cli::run(migrate_cli::reference::registry())
}
