//! Integration tests of the runtime on hand-written contracts (see `support.rs`).

#[macro_use]
mod support;

mod big;
mod check_report;
mod load;
mod properties;
mod reasons;
mod resolution;
mod transforms;
mod unknown_keys;
