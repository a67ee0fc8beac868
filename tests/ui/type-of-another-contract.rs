use migrate_runtime::{Contract, Versioned};
use serde::{Deserialize, Serialize};

#[derive(Contract)]
#[contract(name = "run-state", versions(RunStateV1, AppV1, RunStateV2))]
pub struct RunState;

#[derive(Contract)]
#[contract(name = "workflow-app", versions(AppV1))]
pub struct App;

#[derive(Serialize, Deserialize, Versioned)]
#[versioned(contract = RunState, version = 1)]
pub struct RunStateV1 {
    pub id: String,
}

#[derive(Serialize, Deserialize, Versioned)]
#[versioned(contract = App, version = 2)]
pub struct AppV1 {
    pub id: String,
}

#[derive(Serialize, Deserialize, Versioned)]
#[versioned(contract = RunState, version = 3)]
#[migration(from = 1)]
pub struct RunStateV2 {
    pub id: String,
}

fn main() {}
