//! Integration tests of the runtime on hand-written contracts (see `support.rs`).

#[macro_use]
mod support;

mod reasons;
