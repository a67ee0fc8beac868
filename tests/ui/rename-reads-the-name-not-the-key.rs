// Version 1 swaps two keys: field `a` is on disk as "b", field `b` as "a". A rename names a
// field of version 1 by its Rust name, so `renames(a -> c)` moves the String `a` (key "b"),
// and the u32 under key "a" is kept as `a`. `c: u32` changes the renamed field's type: the
// check must read `a` by name (a String), not the field whose key is "a" (a u32).
use migrate_runtime::{Contract, Versioned};
use serde::{Deserialize, Serialize};

#[derive(Contract)]
#[contract(name = "swap", versions(SwapV1, SwapV2))]
pub struct Swap;

#[derive(Serialize, Deserialize, Versioned)]
#[versioned(contract = Swap, version = 1)]
pub struct SwapV1 {
    #[serde(rename = "b")]
    pub a: String,
    #[serde(rename = "a")]
    pub b: u32,
}

#[derive(Serialize, Deserialize, Versioned)]
#[versioned(contract = Swap, version = 2)]
#[migration(from = 1, renames(a -> c))]
pub struct SwapV2 {
    pub c: u32,
    pub a: u32,
}

fn main() {}
