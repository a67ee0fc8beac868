use migrate_runtime::{Contract, Versioned};
use serde::{Deserialize, Serialize};

#[derive(Contract)]
#[contract(name = "run-state", versions(RunStateV1, RunStateV2))]
pub struct RunState;

#[derive(Serialize, Deserialize, Versioned)]
#[versioned(contract = RunState, version = 1)]
pub struct RunStateV1 {
    pub id: String,
    pub owner: String,
    pub tags: String,
}

#[derive(Serialize, Deserialize, Versioned)]
#[versioned(contract = RunState, version = 2)]
#[migration(from = 1)]
pub struct RunStateV2 {
    pub id: String,
    pub retries: u32,
    pub labels: Vec<String>,
}

fn main() {}
