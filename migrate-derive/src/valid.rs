//! The rules one item can check by itself: an edge's versions, the names in its lists
//! against this struct's fields, defaults, and the combinations of keys (SPEC §3, rules 3,
//! 5, 6 and 7 as far as they concern this struct). Rules across structs are checked by the
//! compiler through the constants that `expand.rs` writes.

use std::collections::BTreeMap;

use proc_macro2::Span;
use syn::ext::IdentExt;
use syn::Ident;

use crate::ast::{Contract, Edge, Version};
use crate::ctxt::Ctxt;

pub fn contract(cx: &mut Ctxt, contract: &Contract<'_>) {
    if contract.versions.is_empty() && contract.versions_span.is_some() {
        cx.error(
            contract.versions_span.unwrap_or_else(Span::call_site),
            "versions(…) lists no version: list every version type, oldest first",
        );
    }
    if let Some(key) = &contract.version_key {
        if key.value().is_empty() {
            cx.error(
                key.span(),
                "`version_key` cannot be empty: e.g. version_key = \"schemaVersion\"",
            );
        }
    }
    if let Some(name) = &contract.name {
        if name.value().trim().is_empty() {
            cx.error(
                name.span(),
                "`name` cannot be empty: e.g. name = \"run-state\"",
            );
        }
    }
    let mut seen: Vec<String> = Vec::new();
    for path in &contract.versions {
        let text = quote::quote!(#path).to_string();
        if seen.contains(&text) {
            cx.error(
                path.segments
                    .last()
                    .map_or_else(Span::call_site, |s| s.ident.span()),
                format!("`{text}` is listed twice in versions(…): list each version once"),
            );
        }
        seen.push(text);
    }
}

pub fn version(cx: &mut Ctxt, v: &Version<'_>) {
    let Some(version) = &v.version else {
        return;
    };
    let this = v.type_name();
    let mut sources: BTreeMap<u32, Span> = BTreeMap::new();
    for edge in &v.edges {
        let Some(from) = &edge.from else {
            continue;
        };
        let to = match &edge.to {
            Some(to) if to.value != version.value => {
                cx.edge_rule(
                    to.span,
                    from.value,
                    to.value,
                    format!(
                        "is declared on {this}, which is version {}: an edge leads into the struct that declares it; write to = {} or leave `to` out",
                        version.value, version.value
                    ),
                );
                continue;
            }
            _ => version.value,
        };
        if from.value == to {
            cx.edge_rule(
                from.span,
                from.value,
                to,
                format!("leads from a version to itself: `from` names the older version that {this} is migrated from"),
            );
            continue;
        }
        if from.value > to {
            cx.edge_rule(
                from.span,
                from.value,
                to,
                format!(
                    "leads backward: an edge leads from an older version to a newer one; declare it on version {}'s struct, and add `reversible` for the way back",
                    from.value
                ),
            );
            continue;
        }
        if sources.insert(from.value, from.span).is_some() {
            cx.edge_rule(
                from.span,
                from.value,
                to,
                format!(
                    "is declared twice on {this}: keep one #[migration(from = {}, …)]",
                    from.value
                ),
            );
            continue;
        }
        edge_lists(cx, v, edge, from.value, to);
    }
}

/// The lists of one edge against this struct's fields, and the key combinations.
fn edge_lists(cx: &mut Ctxt, v: &Version<'_>, edge: &Edge, from: u32, to: u32) {
    let this = v.type_name();
    let fields = field_names(v);
    // Each field of this struct is declared at most once.
    let mut declared: BTreeMap<String, &'static str> = BTreeMap::new();
    let this_side = [
        ("adds_defaulted", &edge.adds_defaulted),
        ("adds", &edge.adds),
        ("converts", &edge.converts),
    ];
    for (list, names) in this_side {
        for name in names {
            let text = unraw(name);
            match v.field(&text) {
                None if v.fields_ok => cx.edge_rule(
                    name.span(),
                    from,
                    to,
                    format!("declares {list}({text}), but {this} has no field `{text}`: its fields are {fields}"),
                ),
                Some(f) if f.skip => cx.edge_rule(
                    name.span(),
                    from,
                    to,
                    format!("declares {list}({text}), but `{text}` is #[serde(skip)]: it is not on disk; remove it from {list}(…)"),
                ),
                _ => {}
            }
            if let Some(f) = v.field(&text) {
                if list == "adds_defaulted" && !f.has_default {
                    cx.edge_rule(
                        name.span(),
                        from,
                        to,
                        format!("adds_defaulted({text}), but `{text}` has no default the derive can see: add #[serde(default)] to the field (or default = \"path\"), make it an Option, or declare adds({text}) with a `with` function"),
                    );
                }
            }
            if list != "converts" || !is_rename_target(edge, &text) {
                if let Some(other) = declared.insert(text.clone(), list) {
                    cx.edge_rule(
                        name.span(),
                        from,
                        to,
                        format!("declares `{text}` in both {other}(…) and {list}(…): keep one"),
                    );
                }
            }
            if list != "adds_defaulted" && edge.with.is_none() {
                let verb = if list == "adds" {
                    "computes"
                } else {
                    "converts"
                };
                cx.edge_rule(
                    name.span(),
                    from,
                    to,
                    format!("{list}({text}) needs a `with` function that {verb} it: add with = path::to::fn, a function from version {from}'s type to {this} (or to Result<{this}, E>)"),
                );
            }
        }
    }
    let mut olds: BTreeMap<String, Span> = BTreeMap::new();
    for (old, new) in &edge.renames {
        let new_text = unraw(new);
        let old_text = unraw(old);
        if v.field(&new_text).is_none() && v.fields_ok {
            cx.edge_rule(
                new.span(),
                from,
                to,
                format!("renames({old_text} -> {new_text}), but {this} has no field `{new_text}`: the target of a rename is a field of {this}; its fields are {fields}"),
            );
        }
        if let Some(other) = declared.insert(new_text.clone(), "renames") {
            cx.edge_rule(
                new.span(),
                from,
                to,
                format!("declares `{new_text}` in both {other}(…) and renames(…): keep one"),
            );
        }
        if olds.insert(old_text.clone(), old.span()).is_some() {
            cx.edge_rule(
                old.span(),
                from,
                to,
                format!("renames `{old_text}` twice: a field moves to one place"),
            );
        }
    }
    let mut removed: Vec<String> = Vec::new();
    for name in &edge.removes {
        let text = unraw(name);
        if removed.contains(&text) {
            cx.edge_rule(
                name.span(),
                from,
                to,
                format!("removes `{text}` twice: list it once"),
            );
        } else if olds.contains_key(&text) {
            cx.edge_rule(
                name.span(),
                from,
                to,
                format!("both removes and renames `{text}`: a renamed field is kept; remove it from removes(…)"),
            );
        }
        removed.push(text);
    }
    if let Some(span) = edge.reversible {
        if let Some(first) = edge.removes.first() {
            cx.edge_rule(
                span,
                from,
                to,
                format!(
                    "cannot be reversible: it removes `{}`, which a down edge cannot bring back; drop `reversible`, or keep the field",
                    unraw(first)
                ),
            );
        } else if edge.with.is_some() && edge.reverse_with.is_none() {
            cx.edge_rule(
                span,
                from,
                to,
                format!("is reversible and has a `with` function: add reverse_with = path::to::fn, a function from {this} back to version {from}'s type that undoes it"),
            );
        }
    }
    if let Some(rw) = &edge.reverse_with {
        let span = rw.segments.first().map_or(edge.span, |s| s.ident.span());
        if edge.reversible.is_none() {
            cx.edge_rule(
                span,
                from,
                to,
                "has reverse_with but is not reversible: add `reversible`",
            );
        } else if edge.with.is_none() {
            cx.edge_rule(
                span,
                from,
                to,
                "has reverse_with but no `with`: a declarative edge is reversed by the derive; remove reverse_with, or add with = …",
            );
        }
    }
}

fn is_rename_target(edge: &Edge, name: &str) -> bool {
    edge.renames.iter().any(|(_, new)| unraw(new) == name)
}

fn field_names(v: &Version<'_>) -> String {
    let names: Vec<String> = v
        .fields
        .iter()
        .filter(|f| f.on_wire())
        .map(|f| format!("`{}`", f.name))
        .collect();
    if names.is_empty() {
        "none".to_owned()
    } else {
        names.join(", ")
    }
}

pub fn unraw(ident: &Ident) -> String {
    ident.unraw().to_string()
}
