//! Resolution: the chain of edges from a detected version to the current one, found before
//! any transform runs.
//!
//! The chain is the shortest one in edges. Among chains of equal length the one whose
//! sequence of versions is lexicographically smallest wins (it takes the lower version at
//! the first step where two chains differ). The rule depends only on the version numbers,
//! never on the order in which edges are declared.

use std::collections::{BTreeMap, VecDeque};

use crate::contract::{ContractInfo, Edge};
use crate::reason::{ReasonCode, Unsupported};

/// Finds the shortest chain of forward edges from version `from` to the current version
/// (empty when `from` is current). See the module docs for the tie-break rule.
pub fn resolve(info: &'static ContractInfo, from: u32) -> Result<Vec<&'static Edge>, Unsupported> {
    let (min, current) = (info.min_version(), info.current_version());
    if from < min {
        return Err(Unsupported::new(
            ReasonCode::BelowMinimum,
            format!(
                "version {from} is below {}'s minimum version {min}",
                info.name
            ),
        ));
    }
    if from > current {
        return Err(Unsupported::new(
            ReasonCode::AboveCurrent,
            format!(
                "version {from} is newer than {}'s current version {current}",
                info.name
            ),
        ));
    }
    if info.version(from).is_none() {
        let listed: Vec<String> = info
            .versions
            .iter()
            .map(|v| v.version.to_string())
            .collect();
        return Err(Unsupported::new(
            ReasonCode::NoPath,
            format!(
                "{} has no version {from} (its versions are {}), so no chain leads from it to the current version {current}",
                info.name,
                listed.join(", ")
            ),
        ));
    }

    // Only forward edges between listed versions count. With two edges of the same
    // `from`/`to` (the derive forbids it) the first declared wins.
    let mut incoming: BTreeMap<u32, Vec<&'static Edge>> = BTreeMap::new();
    let mut outgoing: BTreeMap<u32, BTreeMap<u32, &'static Edge>> = BTreeMap::new();
    for edge in info.edges() {
        if edge.to > edge.from
            && info.version(edge.from).is_some()
            && info.version(edge.to).is_some()
        {
            incoming.entry(edge.to).or_default().push(edge);
            outgoing
                .entry(edge.from)
                .or_default()
                .entry(edge.to)
                .or_insert(edge);
        }
    }

    // Distance to the current version, by a breadth-first search backwards along the edges.
    let mut distance: BTreeMap<u32, usize> = BTreeMap::from([(current, 0)]);
    let mut queue = VecDeque::from([current]);
    while let Some(v) = queue.pop_front() {
        let d = distance[&v];
        for edge in incoming.get(&v).into_iter().flatten() {
            distance.entry(edge.from).or_insert_with(|| {
                queue.push_back(edge.from);
                d + 1
            });
        }
    }

    let Some(&length) = distance.get(&from) else {
        return Err(Unsupported::new(
            ReasonCode::NoPath,
            format!(
                "no chain of edges leads from version {from} to {}'s current version {current}",
                info.name
            ),
        ));
    };
    // Walk forwards, at each step taking the lowest target that is one step closer: the
    // `BTreeMap` iterates targets in ascending order.
    let mut chain = Vec::with_capacity(length);
    let mut at = from;
    while at != current {
        let remaining = distance[&at];
        let next = outgoing
            .get(&at)
            .into_iter()
            .flat_map(|targets| targets.values())
            .find(|edge| distance.get(&edge.to) == Some(&(remaining - 1)))
            .copied()
            .expect("a version at distance d > 0 has an edge to one at distance d - 1");
        chain.push(next);
        at = next.to;
    }
    Ok(chain)
}

#[cfg(test)]
mod tests {

    use crate::node::{Entries, Node};

    use super::*;
    use crate::contract::{Claims, RoundTripError, TransformError, VersionInfo};

    fn keep<'a>(
        _: &Edge,
        body: Entries<'a>,
        _: Option<crate::contract::Reading>,
    ) -> Result<Node<'a>, TransformError> {
        Ok(Node::Object(body))
    }

    fn same(value: &Node<'_>) -> Result<crate::contract::Reading, RoundTripError> {
        Ok(crate::contract::Reading::new(
            (),
            Node::from_value(value.to_value()),
        ))
    }

    const fn edge(from: u32, to: u32) -> Edge {
        Edge {
            from,
            to,
            description: "",
            claims: Claims {
                adds_defaulted: &[],
                adds: &[],
                removes: &[],
                renames: &[],
                converts: &[],
                custom: false,
                reversible: false,
            },
            __up: keep,
            __down: None,
        }
    }

    const fn version(version: u32, edges: &'static [Edge]) -> VersionInfo {
        VersionInfo {
            version,
            type_name: "T",
            wire_keys: &[],
            edges,
            __roundtrip: same,
        }
    }

    // Version 2 lists a backward edge (3 -> 2) and one from an unlisted version (9 -> 2):
    // neither may be used. The derive rejects such contracts; the runtime must not trip on
    // them either.
    static ODD: ContractInfo = ContractInfo {
        name: "odd",
        version_key: "v",
        unversioned: None,
        file: None,
        versions: &[
            version(1, &[]),
            version(2, &[edge(3, 2), edge(9, 2)]),
            version(3, &[edge(1, 3)]),
        ],
    };

    static EMPTY: ContractInfo = ContractInfo {
        name: "empty",
        version_key: "v",
        unversioned: None,
        file: None,
        versions: &[],
    };

    #[test]
    fn only_forward_edges_between_listed_versions_count() {
        let chain: Vec<_> = resolve(&ODD, 1)
            .unwrap()
            .iter()
            .map(|e| (e.from, e.to))
            .collect();
        assert_eq!(chain, [(1, 3)]);
        assert_eq!(resolve(&ODD, 2).unwrap_err().code, ReasonCode::NoPath);
        assert_eq!(resolve(&ODD, 9).unwrap_err().code, ReasonCode::AboveCurrent);
    }

    #[test]
    fn a_contract_without_versions_refuses_without_panicking() {
        let err = resolve(&EMPTY, 0).unwrap_err();
        assert_eq!(err.code, ReasonCode::NoPath);
        assert_eq!(
            crate::migrate(&EMPTY, &serde_json::json!({"v": 0}))
                .unwrap_err()
                .code,
            ReasonCode::NoPath
        );
    }
}
