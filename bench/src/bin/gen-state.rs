//! `gen-state OUT MB`: writes a legacy run state of about MB megabytes to OUT.

use std::io::BufWriter;

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(out), Some(mb)) = (
        args.get(1),
        args.get(2).and_then(|m| m.parse::<usize>().ok()),
    ) else {
        eprintln!("usage: gen-state OUT MB");
        std::process::exit(2);
    };
    let mut file = BufWriter::new(std::fs::File::create(out)?);
    // About 1 KB a task.
    migrate_bench::legacy_run_state(&mut file, mb * 1000)?;
    std::io::Write::flush(&mut file)
}
