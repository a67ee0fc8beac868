//! `migration list`: the known contracts, their versions and edges.

use std::fmt::Write as _;
use std::process::ExitCode;

use migrate_runtime::{ContractInfo, Edge, EdgeClaims, Registry};
use serde_json::{json, Value};

use crate::output::Printer;

/// Prints the registry, as one JSON object or as text.
pub fn run(registry: &Registry, printer: &Printer) -> ExitCode {
    let text = if printer.is_json() {
        let contracts: Vec<Value> = registry
            .contracts()
            .iter()
            .map(|c| contract_json(c))
            .collect();
        json!({ "contracts": contracts }).to_string()
    } else {
        registry
            .contracts()
            .iter()
            .map(|c| contract_text(c))
            .collect::<Vec<_>>()
            .join("\n")
    };
    match printer.print_raw(text.trim_end()) {
        Ok(()) | Err(crate::output::Closed) => ExitCode::SUCCESS,
    }
}

fn contract_json(c: &ContractInfo) -> Value {
    json!({
        "name": c.name,
        "versionKey": c.version_key,
        "unversioned": c.unversioned,
        "file": c.file,
        "minVersion": c.min_version(),
        "currentVersion": c.current_version(),
        "versions": c.versions.iter().map(|v| v.version).collect::<Vec<_>>(),
        "edges": c.edges().map(edge_json).collect::<Vec<_>>(),
    })
}

fn edge_json(e: &Edge) -> Value {
    // The claims as a proof records them (without from/to, which the edge has), plus
    // whether the edge can be reversed.
    let mut proof = serde_json::to_value(EdgeClaims::of(e)).unwrap_or_default();
    if let Value::Object(map) = &mut proof {
        map.shift_remove("from");
        map.shift_remove("to");
        map.insert("reversible".to_owned(), Value::Bool(e.claims.reversible));
    }
    json!({
        "from": e.from,
        "to": e.to,
        "description": e.description,
        "proof": proof,
    })
}

fn contract_text(c: &ContractInfo) -> String {
    let mut out = String::new();
    let versions: Vec<String> = c.versions.iter().map(|v| v.version.to_string()).collect();
    let _ = writeln!(out, "{}", c.name);
    let _ = writeln!(
        out,
        "  file: {}   version key: {}   unversioned: {}",
        c.file.unwrap_or("-"),
        c.version_key,
        c.unversioned.map_or("-".to_owned(), |v| v.to_string())
    );
    let _ = writeln!(
        out,
        "  versions: {} (minimum {}, current {})",
        versions.join(", "),
        c.min_version(),
        c.current_version()
    );
    for e in c.edges() {
        let mut tags = Vec::new();
        if e.claims.custom {
            tags.push("custom");
        }
        if e.claims.reversible {
            tags.push("reversible");
        }
        if !e.claims.drops_nothing() {
            tags.push("drops data");
        }
        let tags = if tags.is_empty() {
            String::new()
        } else {
            format!(" [{}]", tags.join(", "))
        };
        let _ = writeln!(out, "  {} -> {}{tags}  {}", e.from, e.to, e.description);
    }
    out
}
