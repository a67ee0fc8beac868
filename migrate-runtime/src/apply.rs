//! Safe apply: write the migrated document only after a passing proof, keeping the source
//! bytes, replacing the target atomically under an exclusive lock.
//!
//! Order of effects (each durable before the next starts):
//! 1. prove the target; a failing proof, or a document already current, ends the apply
//!    here with nothing written (not even the `migration/` folder);
//! 2. lock `migration/<target name>.lock` (flock, non-blocking: a second apply is told
//!    "locked" at once, it never waits or interleaves); if the target's bytes are no
//!    longer the proven ones (another apply got there first), prove again under the lock;
//! 3. store the proof (`migration/<fingerprint hex>.json`);
//! 4. store the source bytes (`migration/<source sha256 hex>.source.json`), re-read and
//!    checked against the proof's `sourceHash`;
//! 5. write the result to a temp file beside the target and fsync it;
//! 6. re-hash the target: still the proven bytes, or nothing is replaced;
//! 7. rename the temp file over the target, fsync the directory.
//!
//! A crash anywhere leaves the target either as it was or as the new document (rename is
//! atomic), and from step 4 on the source bytes are in the store. For tests, the
//! environment variable `MIGRATE_FAULT` set to `after-proof`, `after-source`, `after-temp`
//! or `after-rename` aborts the process right after that step (see `docs/proofs.md`);
//! unset, or set to anything else, it does nothing.

use std::fs::{self, OpenOptions};
use std::path::{Path, PathBuf};

use crate::canonical::{bytes_sha256, hash_hex, reader_sha256};
use crate::check::Status;
use crate::contract::ContractInfo;
use crate::prove::{
    prove_file, prove_file_keeping_result, target_name, Proof, ProveError, ProveOptions,
};
use crate::store::{
    ensure_migration_dir, io_error, store_exclusive, store_proof, sync_dir, target_dir, StoreError,
    TempFile,
};

/// The environment variable naming the step after which apply aborts (tests only).
pub const FAULT_ENV: &str = "MIGRATE_FAULT";

/// How to apply.
#[derive(Debug, Clone, Default)]
pub struct ApplyOptions {
    /// Prove and report what would happen; write nothing (no lock, no store, no target).
    pub dry_run: bool,
    /// Let the proof pass although declared removals drop values.
    pub accept_declared_losses: bool,
}

/// What apply did.
#[derive(Debug, Clone)]
pub struct ApplyOutcome {
    /// The proof the decision rests on.
    pub proof: Proof,
    /// What happened to the target.
    pub action: ApplyAction,
    /// Where the proof is stored (not for a dry run or an up-to-date target).
    pub proof_path: Option<PathBuf>,
    /// Where the source bytes are kept (not for a dry run or an up-to-date target).
    pub source_copy: Option<PathBuf>,
}

/// What happened to the target (`applied`, `up-to-date`, `would-apply` in JSON).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ApplyAction {
    /// The target was replaced by the migrated document.
    Applied,
    /// The target is already current: nothing to write, nothing written.
    UpToDate,
    /// Dry run: the target would be replaced; nothing was written.
    WouldApply,
}

/// Why apply wrote nothing to the target.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// The target could not be proven (unreadable).
    #[error(transparent)]
    Prove(#[from] ProveError),
    /// The proof does not pass: nothing is written.
    #[error("refusing to apply {}: {}", path.display(), refusal(proof))]
    NotProven {
        /// The target.
        path: PathBuf,
        /// The failing proof.
        proof: Box<Proof>,
    },
    /// Another apply holds the target's lock.
    #[error("{} is locked: another apply is running on it (lock {})", path.display(), lock.display())]
    Locked {
        /// The target.
        path: PathBuf,
        /// The lock file.
        lock: PathBuf,
    },
    /// The target changed between proving and replacing it; it was left as it was.
    #[error("{} changed while it was being applied; it was left as it was, apply again", path.display())]
    SourceChanged {
        /// The target.
        path: PathBuf,
    },
    /// The target is a symbolic link; replacing it would replace the link, not the file.
    #[error("{} is a symbolic link; apply the file it points to", path.display())]
    Symlink {
        /// The target.
        path: PathBuf,
    },
    /// Storing the proof or the source bytes, or writing the target, failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl ApplyError {
    /// True for a negative verdict (exit 1 in the CLI: a failing or unsupported proof, a
    /// locked or concurrently changed target, a conflicting stored file); false for a
    /// problem of the environment (exit 2: unreadable target, symlinked target, I/O).
    pub fn is_verdict(&self) -> bool {
        match self {
            ApplyError::NotProven { .. }
            | ApplyError::Locked { .. }
            | ApplyError::SourceChanged { .. } => true,
            ApplyError::Store(e) => e.is_verdict(),
            ApplyError::Prove(_) | ApplyError::Symlink { .. } => false,
        }
    }
}

fn refusal(proof: &Proof) -> String {
    match (proof.status, proof.errors.first()) {
        (Status::Unsupported, Some(e)) => format!("it is unsupported ({e})"),
        (_, Some(e)) => format!("its proof fails ({e})"),
        (_, None) => "its proof fails".to_owned(),
    }
}

/// Migrates the file at `path` in place, after a passing proof (see the module docs).
pub fn apply_file(
    info: &'static ContractInfo,
    path: &Path,
    options: &ApplyOptions,
) -> Result<ApplyOutcome, ApplyError> {
    let prove_options = ProveOptions {
        accept_declared_losses: options.accept_declared_losses,
    };
    if options.dry_run {
        let proof = prove_file(info, path, &prove_options)?;
        let action = decide(path, &proof)?.unwrap_or(ApplyAction::WouldApply);
        return Ok(nothing_written(proof, action));
    }
    let name = target_name(path)?;
    // Before creating the store or a lock: a missing target is an error, not a reason to
    // leave a `migration/` folder behind.
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => {
            return Err(ApplyError::Symlink {
                path: path.to_owned(),
            })
        }
        Ok(_) => {}
        Err(source) => {
            return Err(ProveError::Read {
                path: path.to_owned(),
                source,
            }
            .into())
        }
    }
    // Prove before taking the lock: a document that is refused or already current gets no
    // `migration/` folder and no lock file — nothing at all is written for it.
    // A proof that failed only because the file changed while it ran (another apply
    // replacing it) says nothing yet: it is decided again under the lock.
    let (mut proof, mut result) = prove_file_keeping_result(info, path, &prove_options, true)?;
    let changed_meanwhile = !proof.source_immutable && proof.status != Status::Unsupported;
    if !changed_meanwhile {
        if let Some(action) = decide(path, &proof)? {
            return Ok(nothing_written(proof, action));
        }
    }
    let store = ensure_migration_dir(path)?;
    let _lock = lock(path, &store.join(format!("{name}.lock")))?;
    // Another apply may have replaced the file between the proof and the lock: then the
    // proof is about bytes that are gone, so prove again, now under the lock.
    let now = fs::File::open(path)
        .and_then(reader_sha256)
        .map_err(|e| io_error("re-read", path, e))?;
    if changed_meanwhile || now != proof.source_hash {
        (proof, result) = prove_file_keeping_result(info, path, &prove_options, true)?;
        if let Some(action) = decide(path, &proof)? {
            return Ok(nothing_written(proof, action));
        }
    }
    let Some(result) = result else {
        unreachable!("a passing proof comes with its result")
    };

    let proof_path = store_proof(path, &proof)?.path().to_owned();
    fault_point("after-proof");

    let source_hex = hash_hex(&proof.source_hash).expect("the prover writes sha256 hashes");
    // Exactly the bytes the proof hashed: re-read (the prover frees them when its checks
    // are done) and checked. Under the lock no other apply changes them.
    let source = fs::read(path).map_err(|e| io_error("re-read", path, e))?;
    if bytes_sha256(&source) != proof.source_hash {
        return Err(ApplyError::SourceChanged {
            path: path.to_owned(),
        });
    }
    let source_copy = store_exclusive(&store, &format!("{source_hex}.source.json"), &source)?
        .path()
        .to_owned();
    drop(source);
    fault_point("after-source");

    let dir = target_dir(path);
    let temp = TempFile::create(dir, &name)?;
    write_document(&temp, &result)?;
    // The new file keeps the old one's permissions (a private state file stays private).
    if let Ok(meta) = fs::metadata(path) {
        keep_owner(&temp, &meta);
        temp.file()
            .set_permissions(meta.permissions())
            .map_err(|e| io_error("set permissions of", &temp.path, e))?;
    }
    fault_point("after-temp");

    // Under the lock no other apply can change it, but another program can.
    let now = fs::File::open(path)
        .and_then(reader_sha256)
        .map_err(|e| io_error("re-read", path, e))?;
    if now != proof.source_hash {
        return Err(ApplyError::SourceChanged {
            path: path.to_owned(),
        });
    }
    temp.rename_to(path)?;
    fault_point("after-rename");
    sync_dir(dir)?;

    Ok(ApplyOutcome {
        proof,
        action: ApplyAction::Applied,
        proof_path: Some(proof_path),
        source_copy: Some(source_copy),
    })
}

/// Gives the new file the old one's owner and group where we may (root applying a user's
/// file must not hand it to root). Best effort: an ordinary user cannot give files away,
/// and then the file is theirs, as with any editor's save.
#[cfg(unix)]
fn keep_owner(temp: &TempFile, old: &fs::Metadata) {
    use std::os::unix::fs::MetadataExt;
    if let Ok(new) = temp.file().metadata() {
        if (new.uid(), new.gid()) != (old.uid(), old.gid()) {
            let _ = std::os::unix::fs::fchown(temp.file(), Some(old.uid()), Some(old.gid()));
        }
    }
}

#[cfg(not(unix))]
fn keep_owner(_temp: &TempFile, _old: &fs::Metadata) {}

/// The outcome of an apply that wrote nothing (a dry run, or a target already current).
fn nothing_written(proof: Proof, action: ApplyAction) -> ApplyOutcome {
    ApplyOutcome {
        proof,
        action,
        proof_path: None,
        source_copy: None,
    }
}

/// `Some(action)` when there is nothing to write, an error when the proof fails, `None`
/// when the target is to be replaced.
fn decide(path: &Path, proof: &Proof) -> Result<Option<ApplyAction>, ApplyError> {
    if !proof.pass {
        return Err(ApplyError::NotProven {
            path: path.to_owned(),
            proof: Box::new(proof.clone()),
        });
    }
    Ok((proof.status == Status::Current).then_some(ApplyAction::UpToDate))
}

/// The result (pretty JSON with a trailing newline, in the engine's key order: the
/// source's where it can), written and fsynced.
fn write_document(temp: &TempFile, result: &[u8]) -> Result<(), StoreError> {
    temp.write_synced(result)
}

/// The held lock, released when dropped.
struct Lock {
    #[cfg_attr(not(unix), allow(dead_code))]
    file: fs::File,
}

#[cfg(unix)]
impl Drop for Lock {
    fn drop(&mut self) {
        // Unlock explicitly rather than rely on close: a child process forked by another
        // thread shares the open file description until it execs, and the flock lives on
        // the description, so closing our descriptor alone could leave it held a moment
        // longer (and a following apply would be told "locked").
        let _ = rustix::fs::flock(&self.file, rustix::fs::FlockOperation::Unlock);
    }
}

/// Takes the exclusive lock on `lock_path` without waiting.
///
/// The lock file is never removed: removing it would let a third process lock a new file
/// while the second still holds the old one. `O_NOFOLLOW` keeps a planted symlink from
/// making us create or lock a file elsewhere.
#[cfg(unix)]
fn lock(target: &Path, lock_path: &Path) -> Result<Lock, ApplyError> {
    use std::os::unix::fs::OpenOptionsExt;
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32)
        .open(lock_path)
        .map_err(|e| io_error("open the lock", lock_path, e))?;
    match rustix::fs::flock(&file, rustix::fs::FlockOperation::NonBlockingLockExclusive) {
        Ok(()) => Ok(Lock { file }),
        Err(e) if e == rustix::io::Errno::WOULDBLOCK => Err(ApplyError::Locked {
            path: target.to_owned(),
            lock: lock_path.to_owned(),
        }),
        Err(e) => Err(io_error("lock", lock_path, e.into()).into()),
    }
}

/// Without flock, apply refuses rather than write unlocked; prove and verify still work.
#[cfg(not(unix))]
fn lock(_target: &Path, lock_path: &Path) -> Result<Lock, ApplyError> {
    let unsupported = io::Error::new(
        io::ErrorKind::Unsupported,
        "apply's exclusive lock is implemented for Unix only",
    );
    Err(io_error("lock", lock_path, unsupported).into())
}

/// Aborts the process when `MIGRATE_FAULT` names `step`: how the crash tests stop apply
/// between two durable effects. Inert when the variable is unset or names another step.
fn fault_point(step: &str) {
    if std::env::var_os(FAULT_ENV).is_some_and(|v| v == step) {
        eprintln!("{FAULT_ENV}={step}: aborting apply here, as asked");
        std::process::abort();
    }
}
