//! Workspace-level tests of migrate: the test targets are listed in `Cargo.toml`.
