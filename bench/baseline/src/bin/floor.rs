//! `floor FILE`: the naive floor of SPEC §9 — one `serde_json::Value` parse (serde_json
//! with its default features: see Cargo.toml), one
//! serialization, and two sha256 passes over the file's bytes.

use sha2::{Digest, Sha256};

fn main() -> std::io::Result<()> {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: floor FILE");
        std::process::exit(2);
    };
    let bytes = std::fs::read(&path)?;
    let first = Sha256::digest(&bytes);
    let value: serde_json::Value = serde_json::from_slice(&bytes)?;
    let out = serde_json::to_vec(&value)?;
    let second = Sha256::digest(std::fs::read(&path)?);
    println!("{:x} {:x} {}", first, second, out.len());
    Ok(())
}
