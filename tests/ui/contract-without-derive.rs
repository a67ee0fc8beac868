use migrate_runtime::Versioned;
use serde::{Deserialize, Serialize};

pub struct RunState;

#[derive(Serialize, Deserialize, Versioned)]
#[versioned(contract = RunState, version = 1)]
pub struct RunStateV1 {
    pub id: String,
}

fn main() {}
