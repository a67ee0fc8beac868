//! Parses `#[contract(...)]`, `#[versioned(...)]`, `#[migration(...)]` and the serde
//! attributes that decide wire keys, into the model of `ast.rs`.
//!
//! Errors go to the `Ctxt` and parsing goes on, so that every mistake of an attribute is
//! reported in one build.

use proc_macro2::{Span, TokenTree};
use syn::ext::IdentExt;
use syn::meta::ParseNestedMeta;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Attribute, DeriveInput, Ident, Lit, LitStr, Path, Token, Type};

use crate::ast::{Contract, Edge, Field, Sp, Version};
use crate::case::RenameRule;
use crate::ctxt::Ctxt;

const CONTRACT_KEYS: &str = "name, versions, version_key, unversioned, file";
const VERSIONED_KEYS: &str = "contract, version, validate";
const MIGRATION_KEYS: &str = "from, to, adds_defaulted, adds, removes, renames, converts, with, reversible, reverse_with, description";

pub fn contract<'a>(cx: &mut Ctxt, input: &'a DeriveInput) -> Contract<'a> {
    let mut out = Contract {
        ident: &input.ident,
        name: None,
        versions: Vec::new(),
        versions_span: None,
        version_key: None,
        unversioned: None,
        file: None,
    };
    let mut seen = false;
    let mut versions_seen = false;
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("contract")) {
        seen = true;
        let result = attr.parse_nested_meta(|meta| {
            let key = key_of(&meta);
            match key.as_str() {
                "name" => {
                    let lit = string(cx, &meta, "name", "name = \"run-state\"")?;
                    set(cx, &meta, &mut out.name, lit, "name");
                }
                "version_key" => {
                    let lit = string(cx, &meta, "version_key", "version_key = \"schemaVersion\"")?;
                    set(cx, &meta, &mut out.version_key, lit, "version_key");
                }
                "file" => {
                    let lit = string(cx, &meta, "file", "file = \"state.json\"")?;
                    set(cx, &meta, &mut out.file, lit, "file");
                }
                "unversioned" => {
                    let n = number(cx, &meta, "unversioned", "unversioned = 0")?;
                    set(cx, &meta, &mut out.unversioned, n, "unversioned");
                }
                "versions" => {
                    if !meta.input.peek(syn::token::Paren) {
                        cx.error(
                            meta.path.span(),
                            "`versions` lists the version types: versions(RunStateV1, RunStateV2)",
                        );
                        return skip_value(&meta);
                    }
                    let content;
                    syn::parenthesized!(content in meta.input);
                    let list = Punctuated::<Path, Token![,]>::parse_terminated(&content)?;
                    if versions_seen {
                        cx.error(
                            meta.path.span(),
                            "duplicate key `versions` in #[contract(...)]",
                        );
                    }
                    versions_seen = true;
                    out.versions_span = Some(meta.path.span());
                    out.versions.extend(list);
                }
                _ => {
                    unknown(cx, &meta, "contract", CONTRACT_KEYS);
                    skip_value(&meta)?;
                }
            }
            Ok(())
        });
        if let Err(e) = result {
            cx.syn_error(e);
        }
    }
    if !seen {
        cx.error(
            input.ident.span(),
            "#[derive(Contract)] needs #[contract(name = \"…\", versions(…))]",
        );
    } else {
        if out.name.is_none() {
            cx.error(
                input.ident.span(),
                "#[contract(...)] needs `name = \"…\"`: the contract's name, as the CLI shows it",
            );
        }
        if !versions_seen {
            cx.error(
                input.ident.span(),
                "#[contract(...)] needs `versions(…)`: every version type, oldest first",
            );
        }
    }
    out
}

pub fn versioned<'a>(cx: &mut Ctxt, input: &'a DeriveInput) -> Version<'a> {
    let mut out = Version {
        ident: &input.ident,
        contract: None,
        version: None,
        validate: None,
        doc: doc_first_line(&input.attrs),
        fields: Vec::new(),
        edges: Vec::new(),
        fields_ok: false,
    };
    let mut seen = false;
    for attr in &input.attrs {
        if attr.path().is_ident("versioned") {
            seen = true;
            let result = attr.parse_nested_meta(|meta| {
                match key_of(&meta).as_str() {
                    "contract" => {
                        let path = path(cx, &meta, "contract", "contract = RunState")?;
                        set(cx, &meta, &mut out.contract, path, "contract");
                    }
                    "version" => {
                        let n = number(cx, &meta, "version", "version = 2")?;
                        set(cx, &meta, &mut out.version, n, "version");
                    }
                    "validate" => {
                        let path = path(cx, &meta, "validate", "validate = check_state")?;
                        set(cx, &meta, &mut out.validate, path, "validate");
                    }
                    _ => {
                        unknown(cx, &meta, "versioned", VERSIONED_KEYS);
                        skip_value(&meta)?;
                    }
                }
                Ok(())
            });
            if let Err(e) = result {
                cx.syn_error(e);
            }
        } else if attr.path().is_ident("migration") {
            out.edges.push(migration(cx, attr));
        }
    }
    if !seen {
        cx.error(
            input.ident.span(),
            "#[derive(Versioned)] needs #[versioned(contract = …, version = …)]",
        );
    } else {
        if out.contract.is_none() {
            cx.error(
                input.ident.span(),
                "#[versioned(...)] needs `contract = …`: the type with #[derive(Contract)] this version belongs to",
            );
        }
        if out.version.is_none() {
            cx.error(
                input.ident.span(),
                "#[versioned(...)] needs `version = …`: this version's number",
            );
        }
    }
    out
}

fn migration(cx: &mut Ctxt, attr: &Attribute) -> Edge {
    let mut edge = Edge {
        span: attr.path().span(),
        from: None,
        to: None,
        adds_defaulted: Vec::new(),
        adds: Vec::new(),
        removes: Vec::new(),
        renames: Vec::new(),
        converts: Vec::new(),
        with: None,
        reversible: None,
        reverse_with: None,
        description: None,
    };
    let mut lists_seen: Vec<String> = Vec::new();
    let mut from_seen = false;
    let result = attr.parse_nested_meta(|meta| {
        let key = key_of(&meta);
        match key.as_str() {
            "from" => {
                from_seen = true;
                let n = number(cx, &meta, "from", "from = 1")?;
                set(cx, &meta, &mut edge.from, n, "from");
            }
            "to" => {
                let n = number(cx, &meta, "to", "to = 2")?;
                set(cx, &meta, &mut edge.to, n, "to");
            }
            "with" => {
                let p = path(cx, &meta, "with", "with = upgrade_v2")?;
                set(cx, &meta, &mut edge.with, p, "with");
            }
            "reverse_with" => {
                let p = path(cx, &meta, "reverse_with", "reverse_with = downgrade_v2")?;
                set(cx, &meta, &mut edge.reverse_with, p, "reverse_with");
            }
            "description" => {
                let lit = string(cx, &meta, "description", "description = \"…\"")?;
                set(cx, &meta, &mut edge.description, lit, "description");
            }
            "reversible" => {
                if !meta.input.is_empty() && !meta.input.peek(Token![,]) {
                    cx.error(
                        meta.path.span(),
                        "`reversible` is a flag and takes no value: write `reversible`",
                    );
                    return skip_value(&meta);
                }
                let span = meta.path.span();
                set(cx, &meta, &mut edge.reversible, Some(span), "reversible");
            }
            "adds_defaulted" | "adds" | "removes" | "converts" | "renames" => {
                if !meta.input.peek(syn::token::Paren) {
                    let example = if key == "renames" {
                        "renames(owner -> assignee)".to_owned()
                    } else {
                        format!("{key}(field, …)")
                    };
                    cx.error(
                        meta.path.span(),
                        format!("`{key}` takes a list of Rust field names: {example}"),
                    );
                    return skip_value(&meta);
                }
                if lists_seen.contains(&key) {
                    cx.error(
                        meta.path.span(),
                        format!("duplicate key `{key}` in #[migration(...)]: list every field in one {key}(…)"),
                    );
                }
                lists_seen.push(key.clone());
                let content;
                syn::parenthesized!(content in meta.input);
                if key == "renames" {
                    let pairs = Punctuated::<RenamePair, Token![,]>::parse_terminated(&content)?;
                    edge.renames.extend(pairs.into_iter().map(|p| (p.old, p.new)));
                } else {
                    let names = Punctuated::<Ident, Token![,]>::parse_terminated(&content)?;
                    let list = match key.as_str() {
                        "adds_defaulted" => &mut edge.adds_defaulted,
                        "adds" => &mut edge.adds,
                        "removes" => &mut edge.removes,
                        _ => &mut edge.converts,
                    };
                    list.extend(names);
                }
            }
            _ => {
                unknown(cx, &meta, "migration", MIGRATION_KEYS);
                skip_value(&meta)?;
            }
        }
        Ok(())
    });
    if let Err(e) = result {
        cx.syn_error(e);
    }
    if !from_seen {
        cx.error(
            edge.span,
            "#[migration(...)] needs `from = N`: the version this edge starts from",
        );
    }
    edge
}

/// `old -> new` in `renames(...)`.
struct RenamePair {
    old: Ident,
    new: Ident,
}

impl Parse for RenamePair {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let old: Ident = input.parse()?;
        let arrow: syn::Result<Token![->]> = input.parse();
        if arrow.is_err() {
            return Err(syn::Error::new(
                old.span(),
                format!("renames takes pairs `old -> new`, e.g. renames({old} -> new_name)"),
            ));
        }
        let new: Ident = input.parse()?;
        Ok(RenamePair { old, new })
    }
}

/// What serde's container attributes mean for wire keys.
#[derive(Default)]
pub struct SerdeContainer {
    pub rename_all: Option<RenameRule>,
    pub default: bool,
}

pub fn serde_container(cx: &mut Ctxt, attrs: &[Attribute]) -> SerdeContainer {
    let mut out = SerdeContainer::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let result = attr.parse_nested_meta(|meta| {
            match key_of(&meta).as_str() {
                "rename_all" => {
                    if let Some(rule) = one_name(cx, &meta, "rename_all")? {
                        // serde reports an unknown rule itself.
                        out.rename_all = RenameRule::from_name(&rule.value()).or(out.rename_all);
                    }
                }
                "default" => {
                    out.default = true;
                    skip_value(&meta)?;
                }
                _ => skip_value(&meta)?,
            }
            Ok(())
        });
        // serde_derive reports malformed serde attributes itself.
        drop(result);
    }
    out
}

pub fn field<'a>(
    cx: &mut Ctxt,
    container: &SerdeContainer,
    field: &'a syn::Field,
) -> Option<Field<'a>> {
    let ident = field.ident.as_ref()?;
    let name = ident.unraw().to_string();
    let mut rename: Option<String> = None;
    let mut skip = false;
    let (mut skip_ser, mut skip_de) = (false, false);
    let mut flatten = false;
    let mut default = container.default;
    for attr in field.attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let result = attr.parse_nested_meta(|meta| {
            match key_of(&meta).as_str() {
                "rename" => {
                    if let Some(lit) = one_name(cx, &meta, "rename")? {
                        rename = Some(lit.value());
                    }
                }
                "skip" => skip = true,
                "skip_serializing" => skip_ser = true,
                "skip_deserializing" => skip_de = true,
                "flatten" => flatten = true,
                "default" => {
                    default = true;
                    skip_value(&meta)?;
                }
                _ => skip_value(&meta)?,
            }
            Ok(())
        });
        drop(result);
    }
    let key = if flatten {
        name.clone()
    } else if let Some(rename) = rename {
        rename
    } else if let Some(rule) = container.rename_all {
        rule.apply_to_field(&name)
    } else {
        name.clone()
    };
    Some(Field {
        ident,
        name,
        key,
        ty: &field.ty,
        skip: skip || (skip_ser && skip_de),
        flatten,
        has_default: default || is_option(&field.ty),
    })
}

/// The value of `rename = "…"` or `rename(serialize = "…", deserialize = "…")`; an error
/// when the two names differ (a field needs one wire key to be compared across versions).
fn one_name(cx: &mut Ctxt, meta: &ParseNestedMeta<'_>, key: &str) -> syn::Result<Option<LitStr>> {
    if meta.input.peek(Token![=]) {
        let lit: LitStr = meta.value()?.parse()?;
        return Ok(Some(lit));
    }
    let mut ser: Option<LitStr> = None;
    let mut de: Option<LitStr> = None;
    meta.parse_nested_meta(|inner| {
        let lit: LitStr = inner.value()?.parse()?;
        if inner.path.is_ident("serialize") {
            ser = Some(lit);
        } else if inner.path.is_ident("deserialize") {
            de = Some(lit);
        }
        Ok(())
    })?;
    match (ser, de) {
        (Some(s), Some(d)) if s.value() == d.value() => Ok(Some(s)),
        (s, d) => {
            let span = s
                .as_ref()
                .or(d.as_ref())
                .map_or(meta.path.span(), LitStr::span);
            cx.error(
                span,
                format!("migrate compares one wire key per field across versions: use {key} = \"…\" rather than different names for serialize and deserialize"),
            );
            Ok(None)
        }
    }
}

/// Whether `ty` is `Option<…>` (serde reads a missing `Option` field as `None`).
fn is_option(ty: &Type) -> bool {
    match ty {
        Type::Path(p) if p.qself.is_none() => {
            let segments = &p.path.segments;
            let Some(last) = segments.last() else {
                return false;
            };
            let std_path = match segments.len() {
                1 => true,
                3 => {
                    let first = segments[0].ident.to_string();
                    (first == "std" || first == "core") && segments[1].ident == "option"
                }
                _ => false,
            };
            std_path
                && last.ident == "Option"
                && matches!(last.arguments, syn::PathArguments::AngleBracketed(_))
        }
        Type::Group(g) => is_option(&g.elem),
        Type::Paren(p) => is_option(&p.elem),
        _ => false,
    }
}

/// The first non-empty line of the doc comment.
fn doc_first_line(attrs: &[Attribute]) -> Option<String> {
    for attr in attrs.iter().filter(|a| a.path().is_ident("doc")) {
        if let syn::Meta::NameValue(nv) = &attr.meta {
            if let syn::Expr::Lit(syn::ExprLit {
                lit: Lit::Str(s), ..
            }) = &nv.value
            {
                let value = s.value();
                if let Some(line) = value.lines().map(str::trim).find(|l| !l.is_empty()) {
                    return Some(line.to_owned());
                }
            }
        }
    }
    None
}

fn key_of(meta: &ParseNestedMeta<'_>) -> String {
    meta.path
        .get_ident()
        .map(|i| i.unraw().to_string())
        .unwrap_or_else(|| {
            let path = &meta.path;
            quote::quote!(#path).to_string()
        })
}

fn unknown(cx: &mut Ctxt, meta: &ParseNestedMeta<'_>, attr: &str, expected: &str) {
    let path = &meta.path;
    let key = quote::quote!(#path).to_string().replace(' ', "");
    cx.error(
        path.span(),
        format!("unknown key `{key}` in #[{attr}(...)]: expected one of {expected}"),
    );
}

fn set<T>(
    cx: &mut Ctxt,
    meta: &ParseNestedMeta<'_>,
    slot: &mut Option<T>,
    value: Option<T>,
    key: &str,
) {
    if slot.is_some() {
        cx.error(
            meta.path.span(),
            format!("duplicate key `{key}`: give it once"),
        );
    } else if value.is_some() {
        *slot = value;
    }
}

/// `key = "…"`: the literal, or `None` after reporting a wrong kind.
fn string(
    cx: &mut Ctxt,
    meta: &ParseNestedMeta<'_>,
    key: &str,
    example: &str,
) -> syn::Result<Option<LitStr>> {
    match literal(cx, meta, key, example)? {
        Some(Lit::Str(s)) => Ok(Some(s)),
        Some(other) => {
            cx.error(other.span(), format!("`{key}` takes a string: {example}"));
            Ok(None)
        }
        None => Ok(None),
    }
}

/// `key = N` with `N` a `u32`.
fn number(
    cx: &mut Ctxt,
    meta: &ParseNestedMeta<'_>,
    key: &str,
    example: &str,
) -> syn::Result<Option<Sp<u32>>> {
    match literal(cx, meta, key, example)? {
        Some(Lit::Int(i)) => match i.base10_parse::<u32>() {
            Ok(n) => Ok(Some(Sp::new(n, i.span()))),
            Err(_) => {
                cx.error(
                    i.span(),
                    format!("`{key}` takes a version number from 0 to 4294967295: {example}"),
                );
                Ok(None)
            }
        },
        Some(other) => {
            cx.error(
                other.span(),
                format!("`{key}` takes a version number: {example}"),
            );
            Ok(None)
        }
        None => Ok(None),
    }
}

/// The input after `key =`; without the `=`, an error naming the key and an example.
fn value_of<'a>(
    cx: &mut Ctxt,
    meta: &ParseNestedMeta<'a>,
    key: &str,
    example: &str,
) -> syn::Result<Option<ParseStream<'a>>> {
    if !meta.input.peek(Token![=]) {
        cx.error(
            meta.path.span(),
            format!("`{key}` takes a value: {example}"),
        );
        skip_value(meta)?;
        return Ok(None);
    }
    meta.value().map(Some)
}

fn literal(
    cx: &mut Ctxt,
    meta: &ParseNestedMeta<'_>,
    key: &str,
    example: &str,
) -> syn::Result<Option<Lit>> {
    let Some(input) = value_of(cx, meta, key, example)? else {
        return Ok(None);
    };
    if input.peek(Lit) {
        return Ok(Some(input.parse()?));
    }
    let span = input.span();
    skip_rest(input)?;
    cx.error(span, format!("`{key}` takes a literal: {example}"));
    Ok(None)
}

/// `key = path`.
fn path(
    cx: &mut Ctxt,
    meta: &ParseNestedMeta<'_>,
    key: &str,
    example: &str,
) -> syn::Result<Option<Path>> {
    let Some(input) = value_of(cx, meta, key, example)? else {
        return Ok(None);
    };
    if input.peek(Lit) {
        let lit: Lit = input.parse()?;
        cx.error(
            lit.span(),
            format!("`{key}` takes a path, not a literal: {example}"),
        );
        return Ok(None);
    }
    let fork = input.fork();
    match fork.call(Path::parse_mod_style) {
        Ok(_) => Ok(Some(input.parse()?)),
        Err(_) => {
            let span = input.span();
            skip_rest(input)?;
            cx.error(span, format!("`{key}` takes a path: {example}"));
            Ok(None)
        }
    }
}

/// Consumes the value of a key this parser does not model: `= tokens` or `(…)`.
fn skip_value(meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        let input = meta.value()?;
        skip_rest(input)
    } else if meta.input.peek(syn::token::Paren) {
        let _: TokenTree = meta.input.parse()?;
        Ok(())
    } else {
        Ok(())
    }
}

fn skip_rest(input: ParseStream<'_>) -> syn::Result<()> {
    while !input.is_empty() && !input.peek(Token![,]) {
        let _: TokenTree = input.parse()?;
    }
    Ok(())
}

/// The span of a path, for errors.
trait PathSpan {
    fn span(&self) -> Span;
}

impl PathSpan for Path {
    fn span(&self) -> Span {
        match (self.segments.first(), self.leading_colon) {
            (_, Some(colon)) => colon.spans[0],
            (Some(first), None) => first.ident.span(),
            (None, None) => Span::call_site(),
        }
    }
}
