//! What the command line prints: one record per target, as compact JSON or as an aligned
//! human line, a summary, diagnostics on stderr, and the exit code they add up to.

use std::collections::BTreeMap;
use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;

use anstyle::{AnsiColor, Style};

use crate::cli::ColorChoice;

/// How a target came out, from best to worst; the worst decides the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verdict {
    /// Everything is as it should be.
    Fine,
    /// A negative verdict: unsupported, failed proof, conflict, mismatch, locked (exit 1).
    Negative,
    /// A usage or environment error (exit 2).
    Error,
}

impl Verdict {
    /// The exit code of a run whose worst verdict is this one.
    pub fn exit_code(self) -> ExitCode {
        match self {
            Verdict::Fine => ExitCode::SUCCESS,
            Verdict::Negative => ExitCode::from(1),
            Verdict::Error => ExitCode::from(2),
        }
    }
}

/// The colour of a status word in human output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// Fine, nothing to do.
    Good,
    /// Fine, but something will change or changed.
    Notice,
    /// A negative verdict or an error.
    Bad,
}

/// A message for stderr: what is wrong and, where there is one, what to do.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    /// What is wrong, naming the file.
    pub message: String,
    /// What the user can do about it.
    pub hint: Option<String>,
}

/// The outcome of one target.
#[derive(Debug)]
pub struct Record {
    /// How it came out.
    pub verdict: Verdict,
    /// The target as shown to people.
    pub target: String,
    /// The status word (`migrated`, `pass`, …), counted in the summary.
    pub label: String,
    /// The status word's colour.
    pub tone: Tone,
    /// The rest of the human line.
    pub detail: String,
    /// The `--json` object, already rendered as compact JSON (in the worker that made the
    /// record, so that printing is only writing); `None` for an environment error, which
    /// is only on stderr.
    pub json: Option<String>,
    /// A message for stderr.
    pub diagnostic: Option<Diagnostic>,
}

/// Where records go.
pub struct Printer {
    json: bool,
    color: bool,
    err_color: bool,
}

/// Standard output was closed (e.g. `| head`): stop printing, quietly.
#[derive(Debug)]
pub struct Closed;

impl Printer {
    /// A printer for `--json` (or human) output with the `--color` choice.
    pub fn new(json: bool, color: ColorChoice) -> Self {
        let (color, err_color) = match color {
            ColorChoice::Always => (true, true),
            ColorChoice::Never => (false, false),
            ColorChoice::Auto => (io::stdout().is_terminal(), io::stderr().is_terminal()),
        };
        Printer {
            json,
            color,
            err_color,
        }
    }

    /// Prints every record (stdout) and its diagnostic (stderr), then the summary line,
    /// and returns the worst verdict.
    pub fn print_all(&self, noun: &str, records: &[Record]) -> Result<Verdict, Closed> {
        // Standard output is line-buffered: one write(2) per line for 10,000 targets. A
        // buffer in front of it, flushed before each diagnostic, keeps stdout and stderr in
        // the same order as before.
        let mut out = io::BufWriter::with_capacity(64 * 1024, io::stdout().lock());
        let width = records.iter().map(|r| r.target.len()).max().unwrap_or(0);
        let label_width = records.iter().map(|r| r.label.len()).max().unwrap_or(0);
        for record in records {
            if let Some(diagnostic) = &record.diagnostic {
                out.flush().map_err(closed)?;
                self.diagnose(&record.target, diagnostic);
            }
            if self.json {
                if let Some(json) = &record.json {
                    writeln!(out, "{json}").map_err(closed)?;
                }
            } else {
                let style = self.style(record.tone, self.color);
                let label = format!("{:<label_width$}", record.label);
                writeln!(
                    out,
                    "{:<width$}  {style}{label}{style:#}  {}",
                    record.target, record.detail
                )
                .map_err(closed)?;
            }
        }
        if !self.json {
            writeln!(out, "{}", summary(noun, records)).map_err(closed)?;
        }
        out.flush().map_err(closed)?;
        Ok(records
            .iter()
            .map(|r| r.verdict)
            .max()
            .unwrap_or(Verdict::Fine))
    }

    /// Prints one JSON object or a block of human text.
    pub fn print_raw(&self, text: &str) -> Result<(), Closed> {
        let mut out = io::stdout().lock();
        writeln!(out, "{text}").map_err(closed)?;
        out.flush().map_err(closed)
    }

    /// Whether this printer writes JSON.
    pub fn is_json(&self) -> bool {
        self.json
    }

    /// Writes a diagnostic about `subject` on stderr.
    pub fn diagnose(&self, subject: &str, diagnostic: &Diagnostic) {
        let style = self.style(Tone::Bad, self.err_color);
        let mut err = io::stderr().lock();
        // Library errors usually name the file already; say it once.
        let _ = if diagnostic.message.contains(subject) {
            writeln!(err, "{style}error{style:#}: {}", diagnostic.message)
        } else {
            writeln!(
                err,
                "{style}error{style:#}: {subject}: {}",
                diagnostic.message
            )
        };
        if let Some(hint) = &diagnostic.hint {
            let _ = writeln!(err, "  hint: {hint}");
        }
    }

    fn style(&self, tone: Tone, enabled: bool) -> Style {
        if !enabled {
            return Style::new();
        }
        let color = match tone {
            Tone::Good => AnsiColor::Green,
            Tone::Notice => AnsiColor::Yellow,
            Tone::Bad => AnsiColor::Red,
        };
        Style::new().fg_color(Some(color.into())).bold()
    }
}

/// A usage or environment error before any target was processed.
pub fn usage_error(message: &str, hint: Option<&str>) -> ExitCode {
    let mut err = io::stderr().lock();
    let _ = writeln!(err, "error: {message}");
    if let Some(hint) = hint {
        let _ = writeln!(err, "  hint: {hint}");
    }
    Verdict::Error.exit_code()
}

/// "3 checked: 1 migrated, 2 current".
fn summary(noun: &str, records: &[Record]) -> String {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for record in records {
        *counts.entry(record.label.as_str()).or_default() += 1;
    }
    let parts: Vec<String> = counts.iter().map(|(l, n)| format!("{n} {l}")).collect();
    let files = if records.len() == 1 { "file" } else { "files" };
    if parts.is_empty() {
        format!("{noun} 0 files")
    } else {
        format!("{noun} {} {files}: {}", records.len(), parts.join(", "))
    }
}

fn closed(_: io::Error) -> Closed {
    // Any write error on stdout ends the output: a closed pipe is the common case, and
    // there is nowhere left to report anything else.
    Closed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(label: &str, verdict: Verdict) -> Record {
        Record {
            verdict,
            target: "t".into(),
            label: label.into(),
            tone: Tone::Good,
            detail: String::new(),
            json: None,
            diagnostic: None,
        }
    }

    #[test]
    fn summary_counts_each_label() {
        let records = [
            record("migrated", Verdict::Fine),
            record("current", Verdict::Fine),
            record("migrated", Verdict::Fine),
        ];
        assert_eq!(
            summary("checked", &records),
            "checked 3 files: 1 current, 2 migrated"
        );
        assert_eq!(summary("checked", &[]), "checked 0 files");
    }

    #[test]
    fn worst_verdict_decides_exit_code() {
        assert!(Verdict::Error > Verdict::Negative && Verdict::Negative > Verdict::Fine);
        assert_eq!(Verdict::Negative.exit_code(), ExitCode::from(1));
        assert_eq!(Verdict::Error.exit_code(), ExitCode::from(2));
    }
}
