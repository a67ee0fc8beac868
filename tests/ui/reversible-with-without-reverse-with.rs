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
#[migration(from = 1, adds(slug), with = add_slug, reversible)]
pub struct RunStateV2 {
    pub id: String,
    pub slug: String,
}

fn add_slug(v: RunStateV1) -> RunStateV2 {
    RunStateV2 { slug: v.id.to_lowercase(), id: v.id }
}

fn main() {}
