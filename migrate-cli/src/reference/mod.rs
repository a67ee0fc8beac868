//! The reference contracts the `migration` binary ships, modeled on cool-workflow's on-disk
//! formats: `run-state` (`state.json`) and `workflow-app` (`app.json`).
//!
//! The structs model the fields the runtime must understand; everything else in a file
//! (a user's extension data, fields of newer producers) passes through untouched.

pub mod run_state;
pub mod workflow_app;

use migrate_runtime::Registry;

pub use run_state::RunState;
pub use workflow_app::WorkflowApp;

/// A registry with every reference contract.
pub fn registry() -> Registry {
    Registry::new().with::<RunState>().with::<WorkflowApp>()
}
