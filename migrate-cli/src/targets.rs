//! From the command line's TARGET arguments to a list of files, each with its contract.
//!
//! A file is read with `--contract NAME` or with the contract whose `file` matches its name;
//! a directory is walked for the contracts' file names. Anything else is a usage error.

use std::fmt;
use std::path::{Path, PathBuf};

use migrate_runtime::{ContractInfo, Registry};

/// The folder where proofs and source copies are stored; never walked into.
const STORE_DIR: &str = "migration";

/// One file to process, and the contract to read it with.
#[derive(Debug, Clone)]
pub struct Target {
    /// The path as the user gave it, or joined under the directory they gave.
    pub path: PathBuf,
    /// The contract the file is read with.
    pub contract: &'static ContractInfo,
}

/// Why the targets could not be resolved: always a usage or environment error (exit 2).
#[derive(Debug)]
pub struct TargetError {
    /// What is wrong.
    pub message: String,
    /// What the user can do about it.
    pub hint: Option<String>,
}

impl fmt::Display for TargetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Resolves every TARGET argument; directories are walked and their files sorted by path.
pub fn resolve(
    registry: &Registry,
    args: &[PathBuf],
    contract: Option<&str>,
) -> Result<Vec<Target>, TargetError> {
    let forced = match contract {
        Some(name) => Some(registry.by_name(name).ok_or_else(|| TargetError {
            message: format!("unknown contract `{name}`"),
            hint: Some(known_contracts(registry)),
        })?),
        None => None,
    };
    let mut targets = Vec::new();
    for arg in args {
        let meta = std::fs::metadata(arg).map_err(|e| TargetError {
            message: format!("cannot read {}: {}", arg.display(), io_reason(&e)),
            hint: None,
        })?;
        if meta.is_dir() {
            walk(registry, arg, forced, &mut targets)?;
        } else {
            let contract = match forced {
                Some(c) => c,
                None => by_file_name(registry, arg).ok_or_else(|| TargetError {
                    message: format!(
                        "no contract is known for {}: its name matches no contract's file",
                        arg.display()
                    ),
                    hint: Some(format!(
                        "pass --contract NAME; {}",
                        known_contracts(registry)
                    )),
                })?,
            };
            targets.push(Target {
                path: arg.clone(),
                contract,
            });
        }
    }
    Ok(targets)
}

fn walk(
    registry: &Registry,
    dir: &Path,
    forced: Option<&'static ContractInfo>,
    targets: &mut Vec<Target>,
) -> Result<(), TargetError> {
    if let Some(contract) = forced {
        if contract.file.is_none() {
            return Err(TargetError {
                message: format!(
                    "contract `{}` declares no file name, so {} cannot be walked for it",
                    contract.name,
                    dir.display()
                ),
                hint: Some("name the files themselves as targets".to_owned()),
            });
        }
    }
    let entries = walkdir::WalkDir::new(dir)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || e.file_name() != STORE_DIR);
    for entry in entries {
        let entry = entry.map_err(|e| TargetError {
            message: format!("cannot walk {}: {e}", dir.display()),
            hint: None,
        })?;
        if !entry.file_type().is_file() {
            continue;
        }
        let contract = match forced {
            Some(c) if c.file == entry.file_name().to_str() => Some(c),
            Some(_) => None,
            None => by_file_name(registry, entry.path()),
        };
        if let Some(contract) = contract {
            targets.push(Target {
                path: entry.into_path(),
                contract,
            });
        }
    }
    Ok(())
}

fn by_file_name(registry: &Registry, path: &Path) -> Option<&'static ContractInfo> {
    registry.by_file(path.file_name()?.to_str()?)
}

/// "known contracts: a (state.json), b" — for hints.
pub fn known_contracts(registry: &Registry) -> String {
    let names: Vec<String> = registry
        .contracts()
        .iter()
        .map(|c| match c.file {
            Some(file) => format!("{} ({file})", c.name),
            None => c.name.to_owned(),
        })
        .collect();
    if names.is_empty() {
        "no contracts are registered".to_owned()
    } else {
        format!("known contracts: {}", names.join(", "))
    }
}

/// An I/O error's reason without Rust's "(os error 2)" suffix.
pub fn io_reason(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_owned(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        _ => error.to_string(),
    }
}

/// Resolves `verify`'s PROOF arguments: a file is taken as it is; a directory is walked for
/// the proofs stored in its `migration/` folders (`<64 hex>.json`, not the source copies).
pub fn resolve_proofs(args: &[PathBuf]) -> Result<Vec<PathBuf>, TargetError> {
    let mut proofs = Vec::new();
    for arg in args {
        let meta = std::fs::metadata(arg).map_err(|e| TargetError {
            message: format!("cannot read {}: {}", arg.display(), io_reason(&e)),
            hint: None,
        })?;
        if !meta.is_dir() {
            proofs.push(arg.clone());
            continue;
        }
        for entry in walkdir::WalkDir::new(arg)
            .follow_links(false)
            .sort_by_file_name()
        {
            let entry = entry.map_err(|e| TargetError {
                message: format!("cannot walk {}: {e}", arg.display()),
                hint: None,
            })?;
            let in_store = entry
                .path()
                .parent()
                .and_then(Path::file_name)
                .is_some_and(|n| n == STORE_DIR);
            if entry.file_type().is_file() && in_store && is_proof_name(entry.file_name()) {
                proofs.push(entry.into_path());
            }
        }
    }
    Ok(proofs)
}

/// `<64 lowercase hex>.json`: the name the store gives a proof.
fn is_proof_name(name: &std::ffi::OsStr) -> bool {
    name.to_str()
        .and_then(|n| n.strip_suffix(".json"))
        .is_some_and(|hex| {
            hex.len() == 64 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        })
}
