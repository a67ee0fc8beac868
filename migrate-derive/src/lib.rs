//! Derive macros of `migrate`: `#[derive(Contract)]` and `#[derive(Versioned)]`.
//!
//! Use them through `migrate_runtime`, which re-exports them. Each derive runs in three
//! steps, one file each: `attr.rs` parses the attributes into the model of `ast.rs`,
//! `valid.rs` checks what one item can check by itself, and `expand.rs` writes the code
//! (including the constants through which the compiler checks the rules that span two
//! structs); when there are errors, `fallback.rs` writes them with a stand-in
//! implementation so that one mistake does not cascade.

mod ast;
mod attr;
mod case;
mod ctxt;
mod expand;
mod fallback;
mod valid;

use proc_macro::TokenStream;
use syn::{parse_macro_input, DeriveInput};

/// Declares a contract: `#[contract(name = "…", versions(V1, V2, …))]`.
///
/// See `docs/declaring-versions.md` for every key and every compile error.
#[proc_macro_derive(Contract, attributes(contract))]
pub fn derive_contract(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    let mut cx = ctxt::Ctxt::new();
    let contract = ast::Contract::from_input(&mut cx, &input);
    valid::contract(&mut cx, &contract);
    if cx.has_errors() {
        fallback::contract(&contract, cx).into()
    } else {
        expand::contract(&contract).into()
    }
}

/// Declares a version of a contract: `#[versioned(contract = C, version = N)]` and its
/// `#[migration(...)]` edges.
///
/// See `docs/declaring-versions.md` for every key and every compile error.
#[proc_macro_derive(Versioned, attributes(versioned, migration))]
pub fn derive_versioned(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    let mut cx = ctxt::Ctxt::new();
    let version = ast::Version::from_input(&mut cx, &input);
    valid::version(&mut cx, &version);
    if cx.has_errors() {
        fallback::version(&version, cx).into()
    } else {
        expand::version(&version).into()
    }
}
