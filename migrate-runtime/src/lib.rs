//! Schema migration of on-disk JSON state as a declared, compiler-checked and provable part
//! of a program.
//!
//! Each version of a document is a struct with `#[derive(Versioned)]`; each upgrade is a
//! `#[migration(...)]` edge whose claims the derive checks against the two structs; a
//! `#[derive(Contract)]` ties the versions together. See `docs/declaring-versions.md`.

mod apply;
pub mod canonical;
mod contract;
mod engine;
mod prove;
mod registry;
mod store;
mod verify;

pub use apply::{apply_file, ApplyAction, ApplyError, ApplyOptions, ApplyOutcome, FAULT_ENV};
pub use contract::{
    Claims, Contract, ContractInfo, Edge, RoundTrip, RoundTripError, Transform, TransformError,
    VersionInfo, Versioned,
};
pub use engine::{detect, migrate, parse, resolve, Migrated, ReasonCode, Unsupported};
pub use migrate_derive::{Contract, Versioned};
pub use prove::{
    prove_file, EdgeClaims, Loss, Proof, ProofStatus, ProveError, ProveOptions, Rename,
    PROOF_FORMAT,
};
pub use registry::Registry;
pub use store::{store_proof, StoreError, StoreOutcome, MIGRATION_DIR};
pub use verify::{verify_proof, VerifyError, VerifyOutcome, VerifyReport};

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;
