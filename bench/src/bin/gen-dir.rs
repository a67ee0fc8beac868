//! `gen-dir OUT N`: writes N small legacy run states as OUT/run-<i>/state.json.

use std::io::BufWriter;

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(out), Some(n)) = (
        args.get(1),
        args.get(2).and_then(|m| m.parse::<usize>().ok()),
    ) else {
        eprintln!("usage: gen-dir OUT N");
        std::process::exit(2);
    };
    for i in 0..n {
        let dir = std::path::Path::new(out).join(format!("run-{i:05}"));
        std::fs::create_dir_all(&dir)?;
        let mut file = BufWriter::new(std::fs::File::create(dir.join("state.json"))?);
        migrate_bench::small_state(&mut file, i)?;
        std::io::Write::flush(&mut file)?;
    }
    Ok(())
}
