//! Inputs for the benchmarks in `bench/run.sh` (see `docs/performance.md`).
//!
//! [`legacy_run_state`] writes a cool-workflow-like legacy run state (no `schemaVersion`)
//! of about the size asked for; [`small_state`] writes one small state file.

use std::io::{self, Write};

/// Writes a legacy (version 0) run state with `tasks` tasks of about 1 KB each: nested
/// objects, arrays of objects, and user keys the contract does not model, a few levels deep.
pub fn legacy_run_state(out: &mut impl Write, tasks: usize) -> io::Result<()> {
    writeln!(out, "{{")?;
    writeln!(out, "  \"id\": \"bench-run\",")?;
    writeln!(out, "  \"workflowId\": \"research-synthesis\",")?;
    writeln!(out, "  \"createdAt\": \"2024-01-01T00:00:00.000Z\",")?;
    writeln!(out, "  \"updatedAt\": \"2024-01-02T00:00:00.000Z\",")?;
    writeln!(out, "  \"cwd\": \"/tmp/bench\",")?;
    writeln!(
        out,
        "  \"inputs\": {{\"question\": \"How fast is a prove?\"}},"
    )?;
    writeln!(out, "  \"loopStage\": \"observe\",")?;
    writeln!(out, "  \"tasks\": [")?;
    for i in 0..tasks {
        let sep = if i + 1 == tasks { "" } else { "," };
        task(out, i)?;
        writeln!(out, "{sep}")?;
    }
    writeln!(out, "  ],")?;
    writeln!(
        out,
        "  \"userMetadata\": {{\"owner\": \"bench\", \"labels\": [\"a\", \"b\"], \"nested\": {{\"deeper\": {{\"keep\": true}}}}}}"
    )?;
    writeln!(out, "}}")
}

fn task(out: &mut impl Write, i: usize) -> io::Result<()> {
    let status = ["pending", "running", "completed", "failed"][i % 4];
    write!(
        out,
        concat!(
            "    {{\"id\": \"task:{i}\", \"kind\": \"agent\", \"phase\": \"Phase {p}\", ",
            "\"status\": \"{status}\", \"requiresEvidence\": {ev}, ",
            "\"prompt\": \"Investigate item {i} and report the evidence you find, citing files and lines.\", ",
            "\"taskPath\": \"tasks/{i}.md\", \"resultPath\": \"results/{i}.md\", \"loopStage\": \"observe\", ",
            "\"attempts\": [{{\"n\": 1, \"startedAt\": \"2024-01-01T00:00:{s:02}.000Z\", \"exitCode\": {code}, ",
            "\"log\": {{\"lines\": {lines}, \"path\": \"logs/{i}-1.txt\", \"tail\": [\"started\", \"working\", \"done\"]}}}}, ",
            "{{\"n\": 2, \"startedAt\": \"2024-01-01T00:01:{s:02}.000Z\", \"exitCode\": 0, \"score\": {score}, ",
            "\"log\": {{\"lines\": {lines2}, \"path\": \"logs/{i}-2.txt\", \"tail\": []}}}}], ",
            "\"evidence\": [{{\"id\": \"evidence:{i}:1\", \"locator\": \"src/module_{m}.rs:{line}\"}}, ",
            "{{\"id\": \"evidence:{i}:2\", \"locator\": \"docs/notes_{m}.md:{line2}\"}}], ",
            "\"userNotes\": {{\"reviewer\": \"r{r}\", \"tags\": [\"t{t}\", \"bench\"], ",
            "\"extra\": {{\"level\": {{\"deep\": {{\"value\": {i}, \"flag\": {flag}, \"ratio\": {ratio}}}}}}}}}}}"
        ),
        i = i,
        p = i % 7,
        status = status,
        ev = i.is_multiple_of(2),
        s = i % 60,
        code = i % 3,
        lines = i % 1000,
        lines2 = (i * 7) % 1000,
        score = (i % 100) as f64 / 8.0,
        m = i % 50,
        line = i % 400 + 1,
        line2 = (i * 3) % 400 + 1,
        r = i % 9,
        t = i % 13,
        flag = i.is_multiple_of(5),
        ratio = (i % 1000) as f64 / 1000.0,
    )
}

/// Writes a small legacy run state, about 1.5 KB, numbered `i`.
pub fn small_state(out: &mut impl Write, i: usize) -> io::Result<()> {
    legacy_run_state(out, 1 + i % 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_state_is_json_of_the_asked_shape() {
        let mut bytes = Vec::new();
        legacy_run_state(&mut bytes, 100).unwrap();
        let doc: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert!(doc.get("schemaVersion").is_none());
        assert_eq!(doc["tasks"].as_array().unwrap().len(), 100);
        let per_task = bytes.len() / 100;
        assert!((800..1400).contains(&per_task), "{per_task} bytes a task");
        assert_eq!(
            doc["tasks"][7]["userNotes"]["extra"]["level"]["deep"]["value"],
            7
        );
    }
}
