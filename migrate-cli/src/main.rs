//! The `migration` binary with the reference contracts.

fn main() {}
