//! Verify a stored proof later: is it intact, and what became of its target?
//!
//! The fingerprint is recomputed over the proof file's own JSON (so any edit, even an added
//! field, is caught). The target is the proof's `target` name in the directory that holds
//! the proof's `migration/` folder. Then: the target still holds the proven bytes →
//! re-prove and compare fingerprints; it holds the proven result → `applied`; anything
//! else → `changed`.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::canonical::{bytes_sha256, canonical_sha256};
use crate::prove::{
    fingerprint_of_value, prove_file, Proof, ProveError, ProveOptions, PROOF_FORMAT,
};
use crate::registry::Registry;

/// What verify found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VerifyOutcome {
    /// The target still holds the proven source, and proving it again gives the same proof.
    Fresh,
    /// The target holds the proven result (its canonical hash is `resultHash`).
    Applied,
    /// The target holds something else (or is missing).
    Changed,
    /// The target holds the proven source, but proving it again gives another proof (the
    /// contract or the prover changed since).
    Mismatch,
    /// The proof's fingerprint is not its content's: it was edited.
    Tampered,
}

impl VerifyOutcome {
    /// True for the outcomes that confirm the proof (`fresh`, `applied`).
    pub fn is_ok(self) -> bool {
        matches!(self, VerifyOutcome::Fresh | VerifyOutcome::Applied)
    }
}

/// The result of verifying one proof file.
#[derive(Debug, Clone)]
pub struct VerifyReport {
    /// The verdict.
    pub outcome: VerifyOutcome,
    /// The proof, when it is intact and could be read.
    pub proof: Option<Proof>,
    /// The target the proof is about, when it is intact.
    pub target: Option<PathBuf>,
    /// Why, for people.
    pub detail: String,
}

/// A proof that cannot be checked at all: the environment or the file is the problem.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// The proof or the target cannot be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// The file is not a proof.
    #[error("{} is not a proof: {reason}", path.display())]
    NotAProof {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The proof names a contract the registry does not know.
    #[error("{} is a proof for contract `{contract}`, which this program does not know (known: {known})", path.display())]
    UnknownContract {
        /// The proof file.
        path: PathBuf,
        /// The contract it names.
        contract: String,
        /// The names the registry knows, comma-separated.
        known: String,
    },
    /// Re-proving the target failed for an environment reason.
    #[error(transparent)]
    Prove(#[from] ProveError),
}

/// Verifies the proof at `proof_path` against the contracts of `registry`.
pub fn verify_proof(registry: &Registry, proof_path: &Path) -> Result<VerifyReport, VerifyError> {
    let text = fs::read(proof_path).map_err(|source| VerifyError::Read {
        path: proof_path.to_owned(),
        source,
    })?;
    let not_a_proof = |reason: String| VerifyError::NotAProof {
        path: proof_path.to_owned(),
        reason,
    };
    let mut value: Value =
        serde_json::from_slice(&text).map_err(|e| not_a_proof(format!("not JSON: {e}")))?;
    let claimed = value
        .get("fingerprint")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| not_a_proof("it has no `fingerprint` string".to_owned()))?;
    let actual = fingerprint_of_value(&mut value);
    if claimed != actual {
        return Ok(VerifyReport {
            outcome: VerifyOutcome::Tampered,
            proof: None,
            target: None,
            detail: format!(
                "the proof says fingerprint {claimed}, but its content hashes to {actual}"
            ),
        });
    }
    value
        .as_object_mut()
        .expect("a value with a fingerprint is an object")
        .insert("fingerprint".to_owned(), Value::String(claimed));
    let proof: Proof = serde_json::from_value(value).map_err(|e| not_a_proof(format!("{e}")))?;
    if proof.proof_format != PROOF_FORMAT {
        return Err(not_a_proof(format!(
            "proof format {} is not {PROOF_FORMAT}, the one this program reads",
            proof.proof_format
        )));
    }
    let info = registry.by_name(&proof.contract).ok_or_else(|| {
        let known: Vec<&str> = registry.contracts().iter().map(|c| c.name).collect();
        VerifyError::UnknownContract {
            path: proof_path.to_owned(),
            contract: proof.contract.clone(),
            known: known.join(", "),
        }
    })?;
    // The name is joined to a directory: a hand-made proof must not reach elsewhere.
    let plain_name = !proof.target.is_empty()
        && proof.target != "."
        && proof.target != ".."
        && !proof.target.contains(['/', '\\']);
    if !plain_name {
        return Err(not_a_proof(format!(
            "its target {:?} is not a file name",
            proof.target
        )));
    }
    let target = target_beside(proof_path).join(&proof.target);

    let bytes = match fs::read(&target) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Ok(report(
                VerifyOutcome::Changed,
                proof,
                target,
                "the target is missing".to_owned(),
            ))
        }
        Err(source) => {
            return Err(VerifyError::Read {
                path: target,
                source,
            })
        }
    };
    if bytes_sha256(&bytes) == proof.source_hash {
        drop(bytes);
        // Re-prove as the original run did: a passing proof with losses accepted them.
        let options = ProveOptions {
            accept_declared_losses: proof.pass && !proof.losses.is_empty(),
        };
        let again = prove_file(info, &target, &options)?;
        return Ok(if again.fingerprint == proof.fingerprint {
            report(
                VerifyOutcome::Fresh,
                proof,
                target,
                "the target still holds the proven source, and proving it again gives this proof"
                    .to_owned(),
            )
        } else {
            let detail = format!(
                "the target still holds the proven source, but proving it again gives {}",
                again.fingerprint
            );
            report(VerifyOutcome::Mismatch, proof, target, detail)
        });
    }
    let result_hash = serde_json::from_slice::<Value>(&bytes)
        .ok()
        .map(|v| canonical_sha256(&v));
    drop(bytes);
    if result_hash.is_some() && result_hash == proof.result_hash {
        let detail = "the target holds the proven result".to_owned();
        Ok(report(VerifyOutcome::Applied, proof, target, detail))
    } else {
        let detail = "the target holds neither the proven source nor the proven result".to_owned();
        Ok(report(VerifyOutcome::Changed, proof, target, detail))
    }
}

fn report(outcome: VerifyOutcome, proof: Proof, target: PathBuf, detail: String) -> VerifyReport {
    VerifyReport {
        outcome,
        proof: Some(proof),
        target: Some(target),
        detail,
    }
}

/// The directory holding the folder that holds the proof: `d/migration/x.json` → `d`.
fn target_beside(proof_path: &Path) -> PathBuf {
    let store = proof_path.parent().unwrap_or(Path::new(""));
    match store.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        // `migration/x.json` relative to the working directory.
        _ if !store.as_os_str().is_empty() => PathBuf::from("."),
        // `x.json`: the proof sits in the working directory, its store is `.`.
        _ => PathBuf::from(".."),
    }
}

#[cfg(test)]
mod tests {
    use super::target_beside;
    use std::path::{Path, PathBuf};

    #[test]
    fn the_target_is_beside_the_folder_holding_the_proof() {
        let at = |p: &str| target_beside(Path::new(p));
        assert_eq!(at("/runs/r1/migration/ab.json"), PathBuf::from("/runs/r1"));
        assert_eq!(at("runs/r1/migration/ab.json"), PathBuf::from("runs/r1"));
        assert_eq!(at("migration/ab.json"), PathBuf::from("."));
        assert_eq!(at("ab.json"), PathBuf::from(".."));
    }
}
