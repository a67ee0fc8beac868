//! The model of a derive's input: a contract, or a version with its fields and edges, as
//! the attributes declare them. Built by `attr.rs`, checked by `valid.rs`, read by
//! `expand.rs` and `fallback.rs`.

use proc_macro2::Span;
use syn::{Data, DeriveInput, Fields, Ident, LitStr, Path, Type};

use crate::attr;
use crate::ctxt::Ctxt;

/// A value with the span of the tokens it came from (clap_derive's `Sp`).
#[derive(Clone, Debug)]
pub struct Sp<T> {
    pub value: T,
    pub span: Span,
}

impl<T> Sp<T> {
    pub fn new(value: T, span: Span) -> Self {
        Sp { value, span }
    }
}

/// `#[derive(Contract)]` input.
pub struct Contract<'a> {
    pub ident: &'a Ident,
    pub name: Option<LitStr>,
    pub versions: Vec<Path>,
    /// Where `versions(…)` is written, if it is.
    pub versions_span: Option<Span>,
    pub version_key: Option<LitStr>,
    pub unversioned: Option<Sp<u32>>,
    pub file: Option<LitStr>,
}

/// `#[derive(Versioned)]` input.
pub struct Version<'a> {
    pub ident: &'a Ident,
    pub contract: Option<Path>,
    pub version: Option<Sp<u32>>,
    pub validate: Option<Path>,
    /// The first line of the struct's doc comment.
    pub doc: Option<String>,
    /// Every named field, skipped ones included (they are left out of the tables).
    pub fields: Vec<Field<'a>>,
    pub edges: Vec<Edge>,
    /// Whether the fields could be read (a struct with named fields).
    pub fields_ok: bool,
}

/// A field of a version struct, with what serde makes of it.
pub struct Field<'a> {
    pub ident: &'a Ident,
    /// The Rust name, without `r#`.
    pub name: String,
    /// The wire key after `rename` / `rename_all` (the Rust name for a flattened field).
    pub key: String,
    pub ty: &'a Type,
    pub skip: bool,
    pub flatten: bool,
    /// A default serde can see: field or container `default`, or an `Option`.
    pub has_default: bool,
}

impl Field<'_> {
    /// Whether the field is in the version's tables (not `#[serde(skip)]`).
    pub fn on_wire(&self) -> bool {
        !self.skip
    }
}

/// One `#[migration(...)]`.
pub struct Edge {
    /// The `migration` word of the attribute: where edge-wide errors point.
    pub span: Span,
    pub from: Option<Sp<u32>>,
    pub to: Option<Sp<u32>>,
    pub adds_defaulted: Vec<Ident>,
    pub adds: Vec<Ident>,
    pub removes: Vec<Ident>,
    pub renames: Vec<(Ident, Ident)>,
    pub converts: Vec<Ident>,
    pub with: Option<Path>,
    pub reversible: Option<Span>,
    pub reverse_with: Option<Path>,
    pub description: Option<LitStr>,
}

impl<'a> Contract<'a> {
    pub fn from_input(cx: &mut Ctxt, input: &'a DeriveInput) -> Self {
        if !input.generics.params.is_empty() {
            cx.error(
                input.generics.params[0].span_of(),
                "a contract cannot be generic: declare it as `struct Name;`",
            );
        }
        attr::contract(cx, input)
    }
}

impl<'a> Version<'a> {
    pub fn from_input(cx: &mut Ctxt, input: &'a DeriveInput) -> Self {
        if !input.generics.params.is_empty() {
            cx.error(
                input.generics.params[0].span_of(),
                "a version struct cannot be generic: each version is one concrete type",
            );
        }
        let mut version = attr::versioned(cx, input);
        let container = attr::serde_container(cx, &input.attrs);
        match &input.data {
            Data::Struct(data) => match &data.fields {
                Fields::Named(named) => {
                    version.fields_ok = true;
                    for field in &named.named {
                        if let Some(field) = attr::field(cx, &container, field) {
                            version.fields.push(field);
                        }
                    }
                }
                Fields::Unnamed(_) | Fields::Unit => cx.error(
                    input.ident.span(),
                    "a version must be a struct with named fields: its fields are the keys of a JSON object",
                ),
            },
            Data::Enum(_) | Data::Union(_) => cx.error(
                input.ident.span(),
                "a version must be a struct with named fields: its fields are the keys of a JSON object",
            ),
        }
        version
    }

    pub fn field(&self, name: &str) -> Option<&Field<'a>> {
        self.fields.iter().find(|f| f.name == name)
    }

    pub fn type_name(&self) -> String {
        self.ident.to_string()
    }
}

/// The span of a generic parameter.
trait SpanOf {
    fn span_of(&self) -> Span;
}

impl SpanOf for syn::GenericParam {
    fn span_of(&self) -> Span {
        match self {
            syn::GenericParam::Type(t) => t.ident.span(),
            syn::GenericParam::Lifetime(l) => l.lifetime.ident.span(),
            syn::GenericParam::Const(c) => c.ident.span(),
        }
    }
}
