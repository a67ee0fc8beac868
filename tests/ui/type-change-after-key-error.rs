// An edge whose keys do not line up is reported for that alone: its type checks wait until
// the keys are right (then `retries` is reported as in type-change-without-converts.rs).
use migrate_runtime::{Contract, Versioned};
use serde::{Deserialize, Serialize};

#[derive(Contract)]
#[contract(name = "run-state", versions(RunStateV1, RunStateV2))]
pub struct RunState;

#[derive(Serialize, Deserialize, Versioned)]
#[versioned(contract = RunState, version = 1)]
pub struct RunStateV1 {
    pub id: String,
    pub retries: String,
}

#[derive(Serialize, Deserialize, Versioned)]
#[versioned(contract = RunState, version = 2)]
#[migration(from = 1)]
pub struct RunStateV2 {
    pub id: String,
    pub retries: u32,
    pub owner: String,
}

fn main() {}
