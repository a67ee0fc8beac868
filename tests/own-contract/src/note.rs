//! The `note` contract of a small notes app: `note.json`, versions 1 to 3.

use migrate_runtime::{Contract, Versioned};
use serde::{Deserialize, Serialize};

/// A note on disk.
#[derive(Contract)]
#[contract(
    name = "note",
    versions(NoteV1, NoteV2, NoteV3),
    version_key = "v",
    file = "note.json"
)]
pub struct Note;

/// The first notes: a title and a body.
#[derive(Serialize, Deserialize, Versioned)]
#[versioned(contract = Note, version = 1)]
pub struct NoteV1 {
    title: String,
    body: String,
}

/// The body becomes the text; notes get tags.
#[derive(Serialize, Deserialize, Versioned)]
#[versioned(contract = Note, version = 2)]
#[migration(from = 1, adds_defaulted(tags), renames(body -> text), reversible)]
pub struct NoteV2 {
    title: String,
    text: String,
    #[serde(default)]
    tags: Vec<String>,
}

/// Notes can be pinned.
#[derive(Serialize, Deserialize, Versioned)]
#[versioned(contract = Note, version = 3)]
#[migration(from = 2, adds_defaulted(pinned))]
pub struct NoteV3 {
    title: String,
    text: String,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    pinned: bool,
}
