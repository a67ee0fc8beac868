//! Derive macros of `migrate`: `#[derive(Contract)]` and `#[derive(Versioned)]`.
//!
//! Use them through `migrate_runtime`, which re-exports them.

use proc_macro::TokenStream;

/// Declares a contract: `#[contract(name = "…", versions(V1, V2, …))]`.
#[proc_macro_derive(Contract, attributes(contract))]
pub fn derive_contract(_input: TokenStream) -> TokenStream {
    TokenStream::new()
}

/// Declares a version of a contract: `#[versioned(contract = C, version = N)]` and its
/// `#[migration(...)]` edges.
#[proc_macro_derive(Versioned, attributes(versioned, migration))]
pub fn derive_versioned(_input: TokenStream) -> TokenStream {
    TokenStream::new()
}
