//! Schema migration of on-disk JSON state as a declared, compiler-checked and provable part
//! of a program.
//!
//! Each version of a document is a struct with `#[derive(Versioned)]`; each upgrade is a
//! `#[migration(...)]` edge whose claims the derive checks against the two structs; a
//! `#[derive(Contract)]` ties the versions together. See `docs/declaring-versions.md`; the
//! runtime's semantics (detection, resolution, statuses, reason codes) are in
//! `docs/runtime.md`.

mod apply;
pub mod canonical;
mod changes;
mod check;
mod checks;
mod contract;
mod detect;
mod load;
#[doc(hidden)]
pub mod node;
mod node_de;
mod node_ser;
mod overlay;
mod prove;
mod quick_check;
mod reason;
mod registry;
mod resolve;
mod run;
mod scan;
mod store;
mod verify;

pub use apply::{apply_file, ApplyAction, ApplyError, ApplyOptions, ApplyOutcome, FAULT_ENV};
pub use changes::{changes, escape_token, Change, ChangeKind};
pub use check::{check_bytes, check_document, check_value, CheckReport, Status};
pub use contract::{
    Claims, Contract, ContractInfo, Edge, Reading, RoundTrip, RoundTripError, Transform,
    TransformError, VersionInfo, Versioned,
};
pub use detect::{detect, parse};
pub use load::{load, load_bytes, load_value, LoadError};
pub use migrate_derive::{Contract, Versioned};
pub use prove::{
    prove_file, EdgeClaims, Loss, Proof, ProveError, ProveOptions, Rename, PROOF_FORMAT,
};
pub use reason::{ReasonCode, Unsupported};
pub use registry::Registry;
pub use resolve::resolve;
pub use run::{migrate, migrate_owned, revert, Migrated};
pub use store::{store_proof, StoreError, StoreOutcome, MIGRATION_DIR};
pub use verify::{verify_proof, VerifyError, VerifyOutcome, VerifyReport};

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;
