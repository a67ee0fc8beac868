//! Hand-written test contracts: what `#[derive(Contract)]` and `#[derive(Versioned)]` will
//! generate, written out as `static` data with the `__private` transforms. When the derives
//! land, these can be replaced by derived contracts with the same shapes.

#![allow(dead_code)]

use migrate_runtime::__private::{custom, declarative_down, declarative_up, roundtrip};
use migrate_runtime::{Claims, Contract, ContractInfo, Edge, VersionInfo, Versioned};
use serde::{Deserialize, Serialize};

/// Claims with nothing declared; struct update fills in the rest.
pub const NO_CLAIMS: Claims = Claims {
    adds_defaulted: &[],
    adds: &[],
    removes: &[],
    renames: &[],
    converts: &[],
    custom: false,
    reversible: false,
};

/// `impl Versioned` for a version struct, with its `VersionInfo` (round trip optionally
/// validated by `validate = path`).
macro_rules! version {
    ($ty:ident: $contract:ty, $n:expr, keys [$($key:expr),*], edges [$($edge:expr),* $(,)?]
     $(, validate = $validate:path)?) => {
        impl Versioned for $ty {
            type Contract = $contract;
            const VERSION: u32 = $n;
            const INFO: VersionInfo = VersionInfo {
                version: $n,
                type_name: stringify!($ty),
                wire_keys: &[$($key),*],
                edges: &[$($edge),*],
                __roundtrip: |value| {
                    #[allow(unused_mut, unused_assignments)]
                    let mut validate: Option<fn(&$ty) -> Result<(), String>> = None;
                    $(validate = Some($validate);)?
                    roundtrip::<$ty>(value, validate)
                },
            };
        }
    };
}

/// A declarative edge (`#[migration(from, to, …)]` without `with`), reversible.
macro_rules! declarative {
    ($from:ty => $to:ty, $claims:expr) => {
        Edge {
            from: <$from as Versioned>::VERSION,
            to: <$to as Versioned>::VERSION,
            description: concat!(stringify!($from), " to ", stringify!($to)),
            claims: $claims,
            __up: declarative_up::<$to>,
            __down: Some(declarative_down::<$from>),
        }
    };
}

/// A custom edge (`with = $with`).
macro_rules! custom_edge {
    ($from:ty => $to:ty, $with:expr, $claims:expr) => {
        Edge {
            from: <$from as Versioned>::VERSION,
            to: <$to as Versioned>::VERSION,
            description: concat!(stringify!($from), " to ", stringify!($to), " (custom)"),
            claims: Claims {
                custom: true,
                ..$claims
            },
            __up: |edge, body, reading| custom::<$from, $to, _>(edge, body, reading, $with),
            __down: None,
        }
    };
}

// ---------------------------------------------------------------------------------------
// fleet: four versions, declarative and custom edges, nested structs and arrays of structs.
// 1 -> 2 renames(owner -> assignee), adds_defaulted(retries)
// 2 -> 3 with: adds(code) computed from the id; fails on an empty id
// 3 -> 4 adds_defaulted(note), removes(tags)
// A document without `schemaVersion` is version 1.

/// The `fleet` test contract.
pub struct Fleet;

impl Contract for Fleet {
    type Current = FleetV4;
    fn info() -> &'static ContractInfo {
        &FLEET
    }
}

pub static FLEET: ContractInfo = ContractInfo {
    name: "fleet",
    version_key: "schemaVersion",
    unversioned: Some(1),
    file: Some("fleet.json"),
    versions: &[FleetV1::INFO, FleetV2::INFO, FleetV3::INFO, FleetV4::INFO],
};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Engine {
    pub power: u32,
    #[serde(default)]
    pub turbo: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Wheel {
    pub size: u32,
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FleetV1 {
    pub id: String,
    pub owner: String,
    pub engine: Engine,
    pub wheels: Vec<Wheel>,
    pub tags: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FleetV2 {
    pub id: String,
    pub assignee: String,
    pub engine: Engine,
    pub wheels: Vec<Wheel>,
    pub tags: Vec<String>,
    #[serde(default)]
    pub retries: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FleetV3 {
    pub id: String,
    pub assignee: String,
    pub engine: Engine,
    pub wheels: Vec<Wheel>,
    pub tags: Vec<String>,
    pub retries: u32,
    pub code: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FleetV4 {
    pub id: String,
    pub assignee: String,
    pub engine: Engine,
    pub wheels: Vec<Wheel>,
    pub retries: u32,
    pub code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

fn fleet_2_to_3(v: FleetV2) -> Result<FleetV3, String> {
    if v.id.is_empty() {
        return Err("id must not be empty".to_owned());
    }
    Ok(FleetV3 {
        code: v.id.to_uppercase(),
        id: v.id,
        assignee: v.assignee,
        engine: v.engine,
        wheels: v.wheels,
        tags: v.tags,
        retries: v.retries,
    })
}

version!(FleetV1: Fleet, 1, keys ["id", "owner", "engine", "wheels", "tags"], edges []);
version!(FleetV2: Fleet, 2, keys ["id", "assignee", "engine", "wheels", "tags", "retries"], edges [
    declarative!(FleetV1 => FleetV2, Claims {
        renames: &[("owner", "assignee")],
        adds_defaulted: &["retries"],
        reversible: true,
        ..NO_CLAIMS
    }),
]);
version!(FleetV3: Fleet, 3, keys ["id", "assignee", "engine", "wheels", "tags", "retries", "code"], edges [
    custom_edge!(FleetV2 => FleetV3, fleet_2_to_3, Claims { adds: &["code"], ..NO_CLAIMS }),
]);
version!(FleetV4: Fleet, 4, keys ["id", "assignee", "engine", "wheels", "retries", "code", "note"], edges [
    declarative!(FleetV3 => FleetV4, Claims {
        adds_defaulted: &["note"],
        removes: &["tags"],
        ..NO_CLAIMS
    }),
]);

// ---------------------------------------------------------------------------------------
// dag: versions 1..4 of one shape; custom edges 1->2, 2->3, 3->4, 1->3, 2->4 that append
// their name to `trail`, so a result shows which chain ran.

pub struct Dag;

impl Contract for Dag {
    type Current = DagV4;
    fn info() -> &'static ContractInfo {
        &DAG
    }
}

pub static DAG: ContractInfo = ContractInfo {
    name: "dag",
    version_key: "v",
    unversioned: None,
    file: None,
    versions: &[DagV1::INFO, DagV2::INFO, DagV3::INFO, DagV4::INFO],
};

macro_rules! dag_version {
    ($($ty:ident),*) => {$(
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        pub struct $ty {
            pub trail: Vec<String>,
        }
    )*};
}
dag_version!(DagV1, DagV2, DagV3, DagV4);

macro_rules! dag_edge {
    ($from:ident => $to:ident) => {
        custom_edge!(
            $from => $to,
            |prev: $from| $to {
                trail: {
                    let mut trail = prev.trail;
                    trail.push(format!(
                        "{}->{}",
                        <$from as Versioned>::VERSION,
                        <$to as Versioned>::VERSION
                    ));
                    trail
                },
            },
            NO_CLAIMS
        )
    };
}

version!(DagV1: Dag, 1, keys ["trail"], edges []);
version!(DagV2: Dag, 2, keys ["trail"], edges [dag_edge!(DagV1 => DagV2)]);
// 2 -> 3 is declared before 1 -> 3: declaration order must not matter.
version!(DagV3: Dag, 3, keys ["trail"], edges [dag_edge!(DagV2 => DagV3), dag_edge!(DagV1 => DagV3)]);
version!(DagV4: Dag, 4, keys ["trail"], edges [dag_edge!(DagV3 => DagV4), dag_edge!(DagV2 => DagV4)]);

// ---------------------------------------------------------------------------------------
// gaps: versions 1, 3, 7 (numbers skipped), declarative edges 1->3, 3->7, no unversioned.
// island: versions 1, 2, 3 with only 2->3, so nothing leads from 1.

pub struct Gaps;

impl Contract for Gaps {
    type Current = GapsV7;
    fn info() -> &'static ContractInfo {
        &GAPS
    }
}

pub static GAPS: ContractInfo = ContractInfo {
    name: "gaps",
    version_key: "schemaVersion",
    unversioned: None,
    file: None,
    versions: &[GapsV1::INFO, GapsV3::INFO, GapsV7::INFO],
};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GapsV1 {
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GapsV3 {
    pub name: String,
    #[serde(default)]
    pub size: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GapsV7 {
    pub title: String,
    #[serde(default)]
    pub size: u64,
}

version!(GapsV1: Gaps, 1, keys ["name"], edges []);
version!(GapsV3: Gaps, 3, keys ["name", "size"], edges [
    declarative!(GapsV1 => GapsV3, Claims { adds_defaulted: &["size"], ..NO_CLAIMS }),
]);
version!(GapsV7: Gaps, 7, keys ["title", "size"], edges [
    declarative!(GapsV3 => GapsV7, Claims { renames: &[("name", "title")], ..NO_CLAIMS }),
]);

pub struct Island;

impl Contract for Island {
    type Current = IslandV3;
    fn info() -> &'static ContractInfo {
        &ISLAND
    }
}

pub static ISLAND: ContractInfo = ContractInfo {
    name: "island",
    version_key: "schemaVersion",
    unversioned: None,
    file: None,
    versions: &[IslandV1::INFO, IslandV2::INFO, IslandV3::INFO],
};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IslandV1 {}
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IslandV2 {}
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IslandV3 {}

version!(IslandV1: Island, 1, keys [], edges []);
version!(IslandV2: Island, 2, keys [], edges []);
version!(IslandV3: Island, 3, keys [], edges [declarative!(IslandV2 => IslandV3, NO_CLAIMS)]);

// ---------------------------------------------------------------------------------------
// strict: 1 -> 2 multiplies `count` by ten; version 2 validates `count <= 100`.

pub struct Strict;

impl Contract for Strict {
    type Current = StrictV2;
    fn info() -> &'static ContractInfo {
        &STRICT
    }
}

pub static STRICT: ContractInfo = ContractInfo {
    name: "strict",
    version_key: "schemaVersion",
    unversioned: None,
    file: None,
    versions: &[StrictV1::INFO, StrictV2::INFO],
};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StrictV1 {
    pub count: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StrictV2 {
    pub count: u32,
}

fn at_most_100(v: &StrictV2) -> Result<(), String> {
    if v.count <= 100 {
        Ok(())
    } else {
        Err(format!("count {} is above 100", v.count))
    }
}

fn strict_1_to_2(v: StrictV1) -> StrictV2 {
    // A user's bug, for the test that a panicking transform refuses one document only.
    assert_ne!(v.count, 13, "unlucky 13");
    StrictV2 {
        count: v.count.saturating_mul(10),
    }
}

version!(StrictV1: Strict, 1, keys ["count"], edges []);
version!(StrictV2: Strict, 2, keys ["count"], edges [
    custom_edge!(StrictV1 => StrictV2, strict_1_to_2,
        Claims { converts: &["count"], ..NO_CLAIMS }),
], validate = at_most_100);

// ---------------------------------------------------------------------------------------
// tree: a recursive node type, for deep documents. 1 -> 2 adds_defaulted(count).

pub struct Tree;

impl Contract for Tree {
    type Current = TreeV2;
    fn info() -> &'static ContractInfo {
        &TREE
    }
}

pub static TREE: ContractInfo = ContractInfo {
    name: "tree",
    version_key: "schemaVersion",
    unversioned: None,
    file: None,
    versions: &[TreeV1::INFO, TreeV2::INFO],
};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Node {
    pub name: String,
    #[serde(default)]
    pub weight: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub child: Option<Box<Node>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TreeV1 {
    pub root: Node,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TreeV2 {
    pub root: Node,
    #[serde(default)]
    pub count: u32,
}

version!(TreeV1: Tree, 1, keys ["root"], edges []);
version!(TreeV2: Tree, 2, keys ["root", "count"], edges [
    declarative!(TreeV1 => TreeV2, Claims { adds_defaulted: &["count"], ..NO_CLAIMS }),
]);

/// The whole document as JSON text, key order included.
pub fn text(value: &serde_json::Value) -> String {
    value.to_string()
}

// ---------------------------------------------------------------------------------------
// pets: 1 -> 2 is custom (`with`, reversible with `reverse_with`) and renames
// `owner` -> `keeper`, a nested struct.

pub struct Pets;

impl Contract for Pets {
    type Current = PetsV2;
    fn info() -> &'static ContractInfo {
        &PETS
    }
}

pub static PETS: ContractInfo = ContractInfo {
    name: "pets",
    version_key: "schemaVersion",
    unversioned: None,
    file: None,
    versions: &[PetsV1::INFO, PetsV2::INFO],
};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Person {
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PetsV1 {
    pub name: String,
    pub owner: Person,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PetsV2 {
    pub name: String,
    pub keeper: Person,
}

fn pets_up(v: PetsV1) -> PetsV2 {
    PetsV2 {
        name: v.name,
        keeper: v.owner,
    }
}

fn pets_down(v: PetsV2) -> PetsV1 {
    PetsV1 {
        name: v.name,
        owner: v.keeper,
    }
}

version!(PetsV1: Pets, 1, keys ["name", "owner"], edges []);
version!(PetsV2: Pets, 2, keys ["name", "keeper"], edges [
    Edge {
        from: 1,
        to: 2,
        description: "owners become keepers",
        claims: Claims {
            renames: &[("owner", "keeper")],
            custom: true,
            reversible: true,
            ..NO_CLAIMS
        },
        __up: |edge, body, reading| custom::<PetsV1, PetsV2, _>(edge, body, reading, pets_up),
        __down: Some(|edge, body, reading| {
            migrate_runtime::__private::custom_down::<PetsV1, PetsV2, _>(
                edge, body, reading, pets_down,
            )
        }),
    },
]);
