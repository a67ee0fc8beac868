//! Laws that hold for every document of every version of the `fleet` contract: the result
//! is a valid current document, migrating it again changes nothing, and unknown keys
//! injected anywhere (top level, nested struct, array of structs) survive unchanged.

use migrate_runtime::{check_value, load_value, migrate, ChangeKind, Status};
use proptest::prelude::*;
use serde_json::{json, Map, Value};

use crate::support::*;

/// Where an unknown key is injected.
#[derive(Debug, Clone)]
enum Place {
    Top,
    Engine,
    Wheel(usize),
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        "[a-z ]{0,6}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z~/]{1,4}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

fn place() -> impl Strategy<Value = Place> {
    prop_oneof![
        Just(Place::Top),
        Just(Place::Engine),
        (0usize..8).prop_map(Place::Wheel),
    ]
}

#[derive(Debug, Clone)]
struct Fields {
    id: String,
    owner: String,
    engine: Engine,
    wheels: Vec<Wheel>,
    tags: Vec<String>,
    retries: u32,
    code: String,
    note: Option<String>,
}

fn fields() -> impl Strategy<Value = Fields> {
    (
        "[a-z0-9]{1,8}",
        "[a-z]{0,8}",
        (any::<u32>(), any::<bool>()),
        prop::collection::vec((any::<u32>(), "[a-z]{0,4}"), 0..5),
        prop::collection::vec("[a-z]{0,4}", 0..3),
        any::<u32>(),
        "[A-Z]{0,4}",
        prop::option::of("[a-z]{0,6}"),
    )
        .prop_map(
            |(id, owner, (power, turbo), wheels, tags, retries, code, note)| Fields {
                id,
                owner,
                engine: Engine { power, turbo },
                wheels: wheels
                    .into_iter()
                    .map(|(size, label)| Wheel { size, label })
                    .collect(),
                tags,
                retries,
                code,
                note,
            },
        )
}

/// A typed document of `version`, as JSON (version key included unless `unversioned`).
fn document(version: u32, f: Fields, unversioned: bool) -> Value {
    let mut doc = match version {
        1 => serde_json::to_value(FleetV1 {
            id: f.id,
            owner: f.owner,
            engine: f.engine,
            wheels: f.wheels,
            tags: f.tags,
        }),
        2 => serde_json::to_value(FleetV2 {
            id: f.id,
            assignee: f.owner,
            engine: f.engine,
            wheels: f.wheels,
            tags: f.tags,
            retries: f.retries,
        }),
        3 => serde_json::to_value(FleetV3 {
            id: f.id,
            assignee: f.owner,
            engine: f.engine,
            wheels: f.wheels,
            tags: f.tags,
            retries: f.retries,
            code: f.code,
        }),
        _ => serde_json::to_value(FleetV4 {
            id: f.id,
            assignee: f.owner,
            engine: f.engine,
            wheels: f.wheels,
            retries: f.retries,
            code: f.code,
            note: f.note,
        }),
    }
    .expect("a test struct serializes");
    if !(version == 1 && unversioned) {
        doc.as_object_mut()
            .expect("a struct is an object")
            .insert("schemaVersion".into(), json!(version));
    }
    doc
}

/// Injects unknown keys; returns the JSON Pointers where they ended up.
fn inject(doc: &mut Value, unknowns: Vec<(Place, String, Value)>) -> Vec<String> {
    let mut pointers = Vec::new();
    for (place, key, value) in unknowns {
        let key = format!("x-{key}");
        let (target, pointer) = match place {
            Place::Top => (Some(&mut *doc), format!("/{key}")),
            Place::Engine => (doc.get_mut("engine"), format!("/engine/{key}")),
            Place::Wheel(i) => {
                let wheels = doc["wheels"].as_array_mut().expect("wheels is an array");
                if wheels.is_empty() {
                    continue;
                }
                let i = i % wheels.len();
                (wheels.get_mut(i), format!("/wheels/{i}/{key}"))
            }
        };
        let object = target
            .and_then(Value::as_object_mut)
            .expect("injection targets are objects");
        object.insert(key, value);
        pointers.push(pointer);
    }
    pointers
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn every_version_migrates_to_a_valid_current_document_once_and_for_all(
        version in 1u32..=4,
        f in fields(),
        unversioned in any::<bool>(),
        unknowns in prop::collection::vec(
            (place(), "[a-z]{1,6}", json_value()),
            0..6,
        ),
    ) {
        let id = f.id.clone();
        let owner = f.owner.clone();
        let mut source = document(version, f, unversioned);
        let pointers = inject(&mut source, unknowns);

        let out = migrate(&FLEET, &source).expect("every generated document is supported");
        prop_assert_eq!(out.detected, version);
        prop_assert_eq!(out.chain.last().copied(), Some(4));

        // The result is a current document: `load` reads it as `FleetV4`, and it has the
        // data of the source.
        let loaded = load_value::<Fleet>(source.clone()).expect("load agrees with migrate");
        let mut body = out.result.clone();
        body.as_object_mut().unwrap().shift_remove("schemaVersion");
        let typed: FleetV4 = serde_json::from_value(body).expect("deserializes as current");
        prop_assert_eq!(&typed, &loaded);
        prop_assert_eq!(&typed.id, &id);
        prop_assert_eq!(&typed.assignee, &owner);
        prop_assert_eq!(&out.result["schemaVersion"], &json!(4));

        // Idempotence: the result migrates to itself, key order included, and checks as
        // `current` with no changes.
        let again = migrate(&FLEET, &out.result).expect("the result is supported");
        prop_assert_eq!(again.chain.as_slice(), &[4][..]);
        prop_assert_eq!(text(&again.result), text(&out.result));
        let report = check_value(&FLEET, "fleet.json", &out.result);
        prop_assert_eq!(report.status, Status::Current);
        prop_assert_eq!(report.changes, 0);

        // Unknown keys survive, unchanged, where they were.
        for pointer in &pointers {
            prop_assert_eq!(out.result.pointer(pointer), source.pointer(pointer), "{}", pointer);
        }

        // The change list points at real places and never at an unknown key.
        let report = check_value(&FLEET, "fleet.json", &source);
        prop_assert_eq!(report.changes, report.change_list.len());
        for change in &report.change_list {
            match change.kind {
                ChangeKind::Added => {
                    prop_assert!(out.result.pointer(&change.path).is_some());
                    prop_assert!(source.pointer(&change.path).is_none());
                }
                ChangeKind::Changed => {
                    prop_assert_ne!(out.result.pointer(&change.path), source.pointer(&change.path));
                }
                ChangeKind::Removed => {
                    prop_assert!(source.pointer(&change.path).is_some());
                    prop_assert!(out.result.pointer(&change.path).is_none());
                }
                ChangeKind::Moved => {
                    let from = change.from.as_deref().expect("a move has a source");
                    prop_assert!(source.pointer(from).is_some());
                    prop_assert!(out.result.pointer(&change.path).is_some());
                }
            }
            for pointer in &pointers {
                let inside = change.path == *pointer || change.path.starts_with(&format!("{pointer}/"));
                prop_assert!(!inside, "{} changed", pointer);
            }
        }
        let expected = if version == 4 { report.status } else { Status::Migrated };
        prop_assert_eq!(report.status, expected);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// The change list of any two documents is empty exactly when they are equal, and every
    /// pointer in it points where its kind says.
    #[test]
    fn changes_describe_any_two_documents(a in json_value(), b in json_value(), share in any::<bool>()) {
        // Half the time compare related documents: b built from a, so that nested
        // differences (not only whole-root ones) are exercised.
        let b = if share {
            let mut doc = json!({"base": a.clone(), "other": b});
            if let Some(Value::Object(map)) = doc.get_mut("base") {
                map.insert("extra".into(), json!(1));
            }
            doc
        } else {
            b
        };
        let a = if share { json!({"base": a, "other": null}) } else { a };
        let list = migrate_runtime::changes(&a, &b, &[]);
        prop_assert_eq!(list.is_empty(), a == b);
        for change in &list {
            match change.kind {
                ChangeKind::Added => {
                    prop_assert!(b.pointer(&change.path).is_some());
                    prop_assert!(a.pointer(&change.path).is_none());
                }
                ChangeKind::Removed => {
                    prop_assert!(a.pointer(&change.path).is_some());
                    prop_assert!(b.pointer(&change.path).is_none());
                }
                ChangeKind::Changed => {
                    prop_assert!(a.pointer(&change.path).is_some());
                    prop_assert!(b.pointer(&change.path).is_some());
                    prop_assert_ne!(a.pointer(&change.path), b.pointer(&change.path));
                }
                ChangeKind::Moved => prop_assert!(false, "no edges, no moves"),
            }
        }
    }
}
