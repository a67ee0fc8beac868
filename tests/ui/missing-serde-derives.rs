use migrate_runtime::{Contract, Versioned};


#[derive(Contract)]
#[contract(name = "run-state", versions(RunStateV1))]
pub struct RunState;

#[derive(Versioned)]
#[versioned(contract = RunState, version = 1)]
pub struct RunStateV1 {
    pub id: String,
}

fn main() {}
