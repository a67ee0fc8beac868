//! Collects the errors of one derive so that all are reported together (serde_derive's
//! `Ctxt`): syntax errors as `syn::Error`s, broken rules as messages that the expansion
//! prefixes with the contract's name at compile time.

use proc_macro2::{Span, TokenStream};
use quote::quote;

/// A rule broken within one item, reported on `span`.
pub struct RuleError {
    /// Where the error points.
    pub span: Span,
    /// The edge (`from`, `to`) the rule is about.
    pub edge: (u32, u32),
    /// The message after `"<contract> <from> -> <to> "`.
    pub message: String,
}

/// The errors found so far.
#[derive(Default)]
pub struct Ctxt {
    syntax: Vec<syn::Error>,
    rules: Vec<RuleError>,
}

impl Ctxt {
    pub fn new() -> Self {
        Ctxt::default()
    }

    /// A syntax error: unknown key, wrong literal, duplicate, missing key.
    pub fn error(&mut self, span: Span, message: impl std::fmt::Display) {
        self.syntax.push(syn::Error::new(span, message));
    }

    /// A parse error from syn.
    pub fn syn_error(&mut self, error: syn::Error) {
        self.syntax.push(error);
    }

    /// A broken rule of an edge: reported as `"<contract> <from> -> <to> <message>"`.
    pub fn edge_rule(&mut self, span: Span, from: u32, to: u32, message: impl Into<String>) {
        self.rules.push(RuleError {
            span,
            edge: (from, to),
            message: message.into(),
        });
    }

    pub fn has_errors(&self) -> bool {
        !self.syntax.is_empty() || !self.rules.is_empty()
    }

    /// The errors as tokens. Broken rules become constants that fail with the contract's
    /// name when `contract` is known, and plain errors naming `fallback_name` otherwise.
    pub fn into_tokens(self, contract: Option<&syn::Path>, fallback_name: &str) -> TokenStream {
        let mut out: TokenStream = self
            .syntax
            .into_iter()
            .map(|e| e.to_compile_error())
            .collect();
        let p = quote!(::migrate_runtime::__private);
        for rule in self.rules {
            let span = rule.span;
            let message = &rule.message;
            let (from, to) = rule.edge;
            match contract {
                Some(c) => out.extend(crate::expand::respan(
                    quote! {
                        const _: () = #p::edge_error(<#c as #p::ContractDef>::NAME, #from, #to, #message);
                    },
                    span,
                )),
                None => {
                    let text = format!("{fallback_name} {from} -> {to} {message}");
                    out.extend(syn::Error::new(span, text).to_compile_error());
                }
            }
        }
        out
    }
}
