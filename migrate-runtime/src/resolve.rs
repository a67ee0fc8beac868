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
