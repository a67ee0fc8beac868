use migrate_runtime::{Contract, Versioned};
use serde::{Deserialize, Serialize};

#[derive(Contract)]
#[contract(name = "run-state", versions(RunStateV1))]
pub struct RunState;

#[derive(Serialize, Deserialize, Versioned)]
#[serde(rename_all = "camelCase")]
#[versioned(contract = RunState, version = 1)]
pub struct RunStateV1 {
    pub id: String,
    pub schema_version: u32,
}

fn main() {}
