//! `read-parse DIR`: the directory baseline of SPEC §9 — find every `state.json` under DIR,
//! read and parse each as a `serde_json::Value`, on all cores.

use rayon::prelude::*;

fn collect(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            collect(&entry.path(), out)?;
        } else if entry.file_name() == "state.json" {
            out.push(entry.path());
        }
    }
    Ok(())
}

fn main() -> std::io::Result<()> {
    let Some(dir) = std::env::args().nth(1) else {
        eprintln!("usage: read-parse DIR");
        std::process::exit(2);
    };
    let mut files = Vec::new();
    collect(std::path::Path::new(&dir), &mut files)?;
    let parsed: usize = files
        .par_iter()
        .map(|f| {
            let bytes = std::fs::read(f).expect("readable");
            let v: serde_json::Value = serde_json::from_slice(&bytes).expect("json");
            usize::from(v.is_object())
        })
        .sum();
    println!("{parsed} files parsed");
    Ok(())
}
