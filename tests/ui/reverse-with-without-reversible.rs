use migrate_runtime::{Contract, Versioned};
use serde::{Deserialize, Serialize};

#[derive(Contract)]
#[contract(name = "run-state", versions(RunStateV1, RunStateV2))]
pub struct RunState;

#[derive(Serialize, Deserialize, Versioned)]
#[versioned(contract = RunState, version = 1)]
pub struct RunStateV1 {
    pub id: String,
}

#[derive(Serialize, Deserialize, Versioned)]
#[versioned(contract = RunState, version = 2)]
#[migration(from = 1, adds(slug), with = add_slug, reverse_with = drop_slug)]
pub struct RunStateV2 {
    pub id: String,
    pub slug: String,
}

fn add_slug(v: RunStateV1) -> RunStateV2 {
    RunStateV2 { slug: v.id.to_lowercase(), id: v.id }
}

fn drop_slug(v: RunStateV2) -> RunStateV1 {
    RunStateV1 { id: v.id }
}

fn main() {}
