//! The JSON form of an edge's declared claims, shared by `migration list` and the proofs.

use serde_json::{json, Value};

use crate::contract::Claims;

/// The claims as `{addsDefaulted, adds, removes, renames, converts, dropsNothing, custom}`;
/// `renames` is a list of `{"from": old, "to": new}` objects, in declaration order.
pub fn claims_json(claims: &Claims) -> Value {
    let renames: Vec<Value> = claims
        .renames
        .iter()
        .map(|(from, to)| json!({ "from": from, "to": to }))
        .collect();
    json!({
        "addsDefaulted": claims.adds_defaulted,
        "adds": claims.adds,
        "removes": claims.removes,
        "renames": renames,
        "converts": claims.converts,
        "dropsNothing": claims.drops_nothing(),
        "custom": claims.custom,
    })
}
