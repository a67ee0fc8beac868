//! `load`: any supported file as the current type; nothing written.

use migrate_runtime::{check_bytes, load, load_bytes, LoadError, ReasonCode};

use crate::support::*;

const LEGACY: &str = r#"{"id": "f1", "owner": "ann", "engine": {"power": 90}, "wheels": [{"size": 16, "label": "fl"}], "tags": ["t"], "x": 1}"#;

#[test]
fn load_migrates_in_memory_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fleet.json");
    std::fs::write(&path, LEGACY).unwrap();
    let fleet: FleetV4 = load::<Fleet>(&path).unwrap();
    assert_eq!(
        fleet,
        FleetV4 {
            id: "f1".into(),
            assignee: "ann".into(),
            engine: Engine {
                power: 90,
                turbo: false
            },
            wheels: vec![Wheel {
                size: 16,
                label: "fl".into()
            }],
            retries: 0,
            code: "F1".into(),
            note: None,
        }
    );
    let _ = check_bytes(&FLEET, "fleet.json", LEGACY.as_bytes());
    assert_eq!(std::fs::read_to_string(&path).unwrap(), LEGACY);
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["fleet.json"]);
}

#[test]
fn load_reports_io_errors() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("missing.json");
    let err = load::<Fleet>(&path).unwrap_err();
    assert!(matches!(err, LoadError::Io { .. }), "{err:?}");
    assert_eq!(err.code(), None);
    let shown = err.to_string();
    assert!(shown.starts_with("cannot read "), "{shown}");
    assert!(shown.contains("missing.json"), "{shown}");
    assert!(std::error::Error::source(&err).is_some());
}

#[test]
fn load_reports_the_unsupported_reason() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("g.json");
    std::fs::write(&path, r#"{"schemaVersion": 9, "title": "t"}"#).unwrap();
    let err = load::<Gaps>(&path).unwrap_err();
    assert_eq!(err.code(), Some(ReasonCode::AboveCurrent));
    assert_eq!(
        err.to_string(),
        format!(
            "{} is not supported (above-current): version 9 is newer than gaps's current version 7",
            path.display()
        )
    );
    let reason = load_bytes::<Strict>(br#"{"schemaVersion": 1, "count": 11}"#).unwrap_err();
    assert_eq!(reason.code, ReasonCode::InvalidAtCurrent);
    let loaded = load_bytes::<Strict>(br#"{"schemaVersion": 1, "count": 10}"#).unwrap();
    assert_eq!(loaded, StrictV2 { count: 100 });
}
