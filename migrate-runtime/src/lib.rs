//! Schema migration of on-disk JSON state as a declared, compiler-checked and provable part
//! of a program.
//!
//! Each version of a document is a struct with `#[derive(Versioned)]`; each upgrade is a
//! `#[migration(...)]` edge whose claims the derive checks against the two structs; a
//! `#[derive(Contract)]` ties the versions together. See `docs/declaring-versions.md`; the
//! runtime's semantics (detection, resolution, statuses, reason codes) are in
//! `docs/runtime.md`.

mod changes;
mod check;
mod checks;
mod contract;
mod describe;
mod detect;
mod load;
mod overlay;
mod reason;
mod registry;
mod resolve;
mod run;

pub use changes::{changes, escape_token, Change, ChangeKind};
pub use check::{check_bytes, check_document, check_value, CheckReport, Status};
pub use contract::{
    Claims, Contract, ContractInfo, Edge, RoundTrip, RoundTripError, Transform, TransformError,
    VersionInfo, Versioned,
};
pub use describe::claims_json;
pub use detect::{detect, parse};
pub use load::{load, load_bytes, load_value, LoadError};
pub use migrate_derive::{Contract, Versioned};
pub use reason::{ReasonCode, Unsupported};
pub use registry::Registry;
pub use resolve::resolve;
pub use run::{migrate, migrate_owned, revert, Migrated};

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;
