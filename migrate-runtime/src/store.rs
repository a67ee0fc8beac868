//! The append-only proof store: `<target's dir>/migration/<64 hex of fingerprint>.json`.
//!
//! A file in the store is written once and never changed: it is created under a temporary
//! name, fsynced, then hard-linked to its final name, which fails if that name exists. So a
//! stored file is complete or absent (never half-written, even after a crash), and an
//! existing one is never overwritten: the same bytes are "already stored", other bytes are
//! a conflict, reported and left alone.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::canonical::hash_hex;
use crate::prove::Proof;

/// The store folder's name, beside the target.
pub const MIGRATION_DIR: &str = "migration";

/// What [`store_proof`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreOutcome {
    /// The proof was written to this path.
    Stored(PathBuf),
    /// The same bytes were already at this path; nothing was written.
    AlreadyStored(PathBuf),
}

impl StoreOutcome {
    /// Where the proof is.
    pub fn path(&self) -> &Path {
        match self {
            StoreOutcome::Stored(p) | StoreOutcome::AlreadyStored(p) => p,
        }
    }
}

/// Why a proof or a source copy was not stored.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Only passing proofs are stored.
    #[error("the proof of {} does not pass; failing proofs are never stored", target.display())]
    NotPassing {
        /// The target the proof is of.
        target: PathBuf,
    },
    /// The proof's fingerprint is not its content's (it was edited after proving).
    #[error("the proof of {} has fingerprint {fingerprint}, which is not its content's", target.display())]
    BadFingerprint {
        /// The target the proof is of.
        target: PathBuf,
        /// The fingerprint it carries.
        fingerprint: String,
    },
    /// `migration` is a symbolic link.
    #[error("{} is a symbolic link; the proof store must be a real directory", path.display())]
    Symlink {
        /// The `migration` path.
        path: PathBuf,
    },
    /// `migration` exists and is not a directory.
    #[error("{} exists and is not a directory; move it away to store proofs", path.display())]
    NotADirectory {
        /// The `migration` path.
        path: PathBuf,
    },
    /// A different file already has this name; it was left as it was.
    #[error("{} already exists with different content; it was left as it was", path.display())]
    Conflict {
        /// The existing file.
        path: PathBuf,
    },
    /// The file system refused.
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        /// What was being done (`create`, `write`, …).
        action: &'static str,
        /// The path it was done to.
        path: PathBuf,
        /// Why it failed.
        source: io::Error,
    },
}

impl StoreError {
    /// True for a negative verdict about the proof (exit 1 in the CLI: not passing, an
    /// edited proof, a conflicting stored file); false for a problem of the environment
    /// (exit 2: a refused `migration` path, an I/O failure).
    pub fn is_verdict(&self) -> bool {
        matches!(
            self,
            StoreError::NotPassing { .. }
                | StoreError::BadFingerprint { .. }
                | StoreError::Conflict { .. }
        )
    }
}

/// Stores a passing `proof` of the file at `target` in `<target's dir>/migration/`.
///
/// Creates `migration/` if needed. The same proof stored twice writes nothing the second
/// time; a different file under the same name is a [`StoreError::Conflict`].
pub fn store_proof(target: &Path, proof: &Proof) -> Result<StoreOutcome, StoreError> {
    if !proof.pass {
        return Err(StoreError::NotPassing {
            target: target.to_owned(),
        });
    }
    let bad_fingerprint = || StoreError::BadFingerprint {
        target: target.to_owned(),
        fingerprint: proof.fingerprint.clone(),
    };
    // The fingerprint becomes a file name: only a well-formed one that matches the content.
    let hex = hash_hex(&proof.fingerprint).ok_or_else(bad_fingerprint)?;
    if !proof.fingerprint_is_valid() {
        return Err(bad_fingerprint());
    }
    let dir = ensure_migration_dir(target)?;
    store_exclusive(&dir, &format!("{hex}.json"), &proof.to_pretty_bytes())
}

/// The directory holding `target` (`.` for a bare file name).
pub(crate) fn target_dir(target: &Path) -> &Path {
    match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// `<target's dir>/migration`, created if missing; a symlink or non-directory is refused.
pub(crate) fn ensure_migration_dir(target: &Path) -> Result<PathBuf, StoreError> {
    let parent = target_dir(target);
    let dir = parent.join(MIGRATION_DIR);
    // Twice at most: a concurrent process may create it between our look and our mkdir.
    for _ in 0..2 {
        match fs::symlink_metadata(&dir) {
            Ok(meta) if meta.file_type().is_symlink() => {
                return Err(StoreError::Symlink { path: dir });
            }
            Ok(meta) if !meta.is_dir() => return Err(StoreError::NotADirectory { path: dir }),
            Ok(_) => return Ok(dir),
            Err(e) if e.kind() == io::ErrorKind::NotFound => match fs::create_dir(&dir) {
                Ok(()) => {
                    sync_dir(parent)?;
                    return Ok(dir);
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(source) => return Err(io_error("create", &dir, source)),
            },
            Err(source) => return Err(io_error("inspect", &dir, source)),
        }
    }
    Err(StoreError::NotADirectory { path: dir })
}

/// Writes `bytes` to `dir/name` unless it exists: complete or absent, never overwritten.
pub(crate) fn store_exclusive(
    dir: &Path,
    name: &str,
    bytes: &[u8],
) -> Result<StoreOutcome, StoreError> {
    let path = dir.join(name);
    // The common repeat case (proving an unchanged file again) writes nothing at all.
    if fs::symlink_metadata(&path).is_ok() {
        return compare_existing(path, bytes);
    }
    let temp = TempFile::create(dir, name)?;
    temp.write_synced(bytes)?;
    // link(2) never replaces an existing name: the atomic "create exclusively" of a file
    // that is already complete.
    let linked = fs::hard_link(&temp.path, &path);
    drop(temp);
    match linked {
        Ok(()) => {
            sync_dir(dir)?;
            Ok(StoreOutcome::Stored(path))
        }
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => compare_existing(path, bytes),
        Err(source) => Err(io_error("create", &path, source)),
    }
}

/// An existing store file: the same bytes are fine, anything else is a conflict.
fn compare_existing(path: PathBuf, bytes: &[u8]) -> Result<StoreOutcome, StoreError> {
    let meta = fs::symlink_metadata(&path).map_err(|e| io_error("inspect", &path, e))?;
    // A symlink or directory under a store name is not ours: never read through it.
    if !meta.is_file() || meta.len() != bytes.len() as u64 {
        return Err(StoreError::Conflict { path });
    }
    let existing = fs::read(&path).map_err(|e| io_error("read", &path, e))?;
    if existing == bytes {
        Ok(StoreOutcome::AlreadyStored(path))
    } else {
        Err(StoreError::Conflict { path })
    }
}

/// Flushes a directory's entries (a new or renamed name) to disk.
#[cfg(unix)]
pub(crate) fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| io_error("sync", dir, e))
}

/// Directories cannot be opened for fsync off Unix; their file systems journal names.
#[cfg(not(unix))]
pub(crate) fn sync_dir(_dir: &Path) -> Result<(), StoreError> {
    Ok(())
}

pub(crate) fn io_error(action: &'static str, path: &Path, source: io::Error) -> StoreError {
    StoreError::Io {
        action,
        path: path.to_owned(),
        source,
    }
}

/// A uniquely named file in a directory, removed when dropped unless it was renamed away.
pub(crate) struct TempFile {
    pub(crate) path: PathBuf,
    file: Option<File>,
}

impl TempFile {
    /// Creates `dir/.<name>.<pid>.<n>.tmp` exclusively. The leading dot keeps it out of
    /// directory walks; pid and counter keep concurrent writers apart.
    pub(crate) fn create(dir: &Path, name: &str) -> Result<Self, StoreError> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path = dir.join(format!(".{name}.{}.{n}.tmp", std::process::id()));
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| io_error("create", &path, e))?;
        Ok(TempFile {
            path,
            file: Some(file),
        })
    }

    /// The open file.
    pub(crate) fn file(&self) -> &File {
        self.file.as_ref().expect("the file is open until dropped")
    }

    /// Writes all of `bytes` and fsyncs.
    pub(crate) fn write_synced(&self, bytes: &[u8]) -> Result<(), StoreError> {
        let mut file = self.file();
        file.write_all(bytes)
            .and_then(|()| file.sync_all())
            .map_err(|e| io_error("write", &self.path, e))
    }

    /// Renames the file to `to` (replacing it atomically); it is no longer removed on drop.
    pub(crate) fn rename_to(mut self, to: &Path) -> Result<(), StoreError> {
        self.file.take();
        fs::rename(&self.path, to).map_err(|e| io_error("replace", to, e))?;
        self.path = PathBuf::new();
        Ok(())
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        self.file.take();
        if !self.path.as_os_str().is_empty() {
            // Best effort: a leftover temp file is garbage, not data.
            let _ = fs::remove_file(&self.path);
        }
    }
}
