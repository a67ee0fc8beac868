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

// The fields change places, so the edge does not keep them in place: its keys are still all
// there, and the type change is reported all the same.
#[derive(Serialize, Deserialize, Versioned)]
#[versioned(contract = RunState, version = 2)]
#[migration(from = 1, adds_defaulted(note))]
pub struct RunStateV2 {
    pub retries: u32,
    #[serde(default)]
    pub note: String,
    pub id: String,
}

fn main() {}
