use migrate_runtime::Contract;

#[derive(Contract)]
#[contract(name = "run-state", versions())]
pub struct RunState;

fn main() {}
