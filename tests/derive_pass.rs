//! A realistic contract of four versions that uses every kind of edge: the registry
//! entries the derives generate (claims as wire keys, descriptions, versions) and the
//! transforms they wire up (declarative and custom, up and down).

#![allow(missing_docs)]

use migrate_runtime::node::{entries_of, Node};
use migrate_runtime::{Contract, RoundTripError, TransformError, Versioned};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

#[derive(Contract)]
#[contract(
    name = "run-record",
    versions(RunV1, RunV2, RunV3, RunV4),
    version_key = "version",
    unversioned = 1,
    file = "run.json"
)]
pub struct Run;

/// The first release.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Versioned)]
#[versioned(contract = Run, version = 1)]
pub struct RunV1 {
    pub id: String,
    pub owner: String,
    /// Comma-separated.
    pub tags: String,
    pub legacy_flag: bool,
}

/// Owners become assignees; runs get a retry count.
///
/// The legacy flag is gone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Versioned)]
#[versioned(contract = Run, version = 2)]
#[migration(
    from = 1,
    adds_defaulted(retries),
    renames(owner -> assignee),
    removes(legacy_flag)
)]
pub struct RunV2 {
    pub id: String,
    pub assignee: String,
    pub tags: String,
    #[serde(default)]
    pub retries: u32,
}

/// Tags become a list, and each run gets a slug.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Versioned)]
#[versioned(contract = Run, version = 3, validate = check_v3)]
#[migration(
    from = 2,
    converts(tags),
    adds(slug),
    with = v2_to_v3,
    description = "tags become a list; runs get a slug"
)]
pub struct RunV3 {
    pub id: String,
    /// A new Rust name for the same key on disk: not a rename.
    #[serde(rename = "assignee")]
    pub owner_name: String,
    pub tags: Vec<String>,
    pub retries: u32,
    pub slug: String,
    /// Never on disk.
    #[serde(skip)]
    pub cache: Option<u64>,
}

/// Retries are counted as `retryCount`; runs may carry a note.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Versioned)]
#[serde(rename_all = "camelCase")]
#[versioned(contract = Run, version = 4)]
#[migration(from = 3, adds_defaulted(note), renames(retries -> retry_count), reversible)]
#[migration(
    from = 2,
    converts(tags),
    adds(slug),
    adds_defaulted(note),
    renames(retries -> retry_count),
    with = v2_to_v4,
    reversible,
    reverse_with = v4_to_v2,
    description = "straight from version 2"
)]
pub struct RunV4 {
    pub id: String,
    pub assignee: String,
    pub tags: Vec<String>,
    pub retry_count: u32,
    pub slug: String,
    pub note: Option<String>,
}

fn split_tags(tags: &str) -> Vec<String> {
    tags.split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

fn v2_to_v3(v: RunV2) -> RunV3 {
    RunV3 {
        slug: v.id.to_lowercase(),
        id: v.id,
        owner_name: v.assignee,
        tags: split_tags(&v.tags),
        retries: v.retries,
        cache: None,
    }
}

fn v2_to_v4(v: RunV2) -> Result<RunV4, String> {
    if v.id.is_empty() {
        return Err("a run needs an id".to_owned());
    }
    Ok(RunV4 {
        slug: v.id.to_lowercase(),
        id: v.id,
        assignee: v.assignee,
        tags: split_tags(&v.tags),
        retry_count: v.retries,
        note: None,
    })
}

fn v4_to_v2(v: RunV4) -> RunV2 {
    RunV2 {
        id: v.id,
        assignee: v.assignee,
        tags: v.tags.join(","),
        retries: v.retry_count,
    }
}

fn check_v3(v: &RunV3) -> Result<(), String> {
    if v.slug.chars().any(char::is_uppercase) {
        Err(format!("slug `{}` is not lower case", v.slug))
    } else {
        Ok(())
    }
}

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

fn edge(to: u32, from: u32) -> &'static migrate_runtime::Edge {
    Run::info()
        .edges()
        .find(|e| e.to == to && e.from == from)
        .unwrap_or_else(|| panic!("no edge {from} -> {to}"))
}

fn up(to: u32, from: u32, body: Value) -> Result<Value, TransformError> {
    let e = edge(to, from);
    (e.__up)(e, entries_of(object(body)), None).map(Node::into_value)
}

fn down(to: u32, from: u32, body: Value) -> Result<Value, TransformError> {
    let e = edge(to, from);
    let down = e.__down.expect("a reversible edge has a down transform");
    down(e, entries_of(object(body)), None).map(Node::into_value)
}

#[test]
fn the_contract_is_registered_as_declared() {
    let info = Run::info();
    assert_eq!(info.name, "run-record");
    assert_eq!(info.version_key, "version");
    assert_eq!(info.unversioned, Some(1));
    assert_eq!(info.file, Some("run.json"));
    let versions: Vec<u32> = info.versions.iter().map(|v| v.version).collect();
    assert_eq!(versions, [1, 2, 3, 4]);
    assert_eq!((info.min_version(), info.current_version()), (1, 4));
    let names: Vec<&str> = info.versions.iter().map(|v| v.type_name).collect();
    assert_eq!(names, ["RunV1", "RunV2", "RunV3", "RunV4"]);
    let edges: Vec<(u32, u32)> = info.edges().map(|e| (e.from, e.to)).collect();
    assert_eq!(edges, [(1, 2), (2, 3), (3, 4), (2, 4)]);
    // `Current` is the last listed type.
    let current: fn(<Run as Contract>::Current) -> RunV4 = |v| v;
    let _ = current;
    assert_eq!(<RunV3 as Versioned>::VERSION, 3);
}

#[test]
fn wire_keys_follow_serde() {
    let info = Run::info();
    let keys = |v: u32| info.version(v).unwrap().wire_keys;
    assert_eq!(keys(1), ["id", "owner", "tags", "legacy_flag"]);
    assert_eq!(keys(2), ["id", "assignee", "tags", "retries"]);
    // `rename` keeps `assignee` on disk; `skip` leaves `cache` out.
    assert_eq!(keys(3), ["id", "assignee", "tags", "retries", "slug"]);
    // `rename_all = "camelCase"`.
    assert_eq!(
        keys(4),
        ["id", "assignee", "tags", "retryCount", "slug", "note"]
    );
}

#[test]
fn the_table_of_fields_takes_its_keys_from_the_wire_keys() {
    // Without a flattened field, the table's keys are `INFO.wire_keys`, each under its
    // field's Rust name (`owner_name` is on disk as `assignee`; `cache` is skipped).
    use migrate_runtime::__private::{field_hash, VersionDef};
    let table: Vec<_> = <RunV3 as VersionDef>::FIELDS
        .iter()
        .map(|f| (f.name, f.key, f.flatten, f.hash))
        .collect();
    let expected: Vec<_> = [
        ("id", "id"),
        ("owner_name", "assignee"),
        ("tags", "tags"),
        ("retries", "retries"),
        ("slug", "slug"),
    ]
    .into_iter()
    .map(|(name, key)| (name, key, false, field_hash("k", key)))
    .collect();
    assert_eq!(table, expected);
    assert_eq!(
        <RunV3 as VersionDef>::FIELDS
            .iter()
            .map(|f| f.key)
            .collect::<Vec<_>>(),
        <RunV3 as Versioned>::INFO.wire_keys
    );
}

/// `META.layout` and `META.key_bits` of `T`, computed by the derive, against the same
/// computed by the runtime from `T`'s table of fields, whose hashes the runtime computes:
/// the two hashings must agree, or edges would be gated on layouts that never match.
fn meta_agrees_with_the_table<T: migrate_runtime::__private::VersionDef>() {
    use migrate_runtime::__private::{key_bit, layout};
    let meta = T::META;
    assert_eq!(meta.layout, layout(T::FIELDS), "{}", meta.type_name);
    let bits = T::FIELDS
        .iter()
        .filter(|f| !f.flatten)
        .fold(0u128, |bits, f| bits | key_bit(f.hash));
    assert_eq!(meta.key_bits, bits, "{}", meta.type_name);
}

#[test]
fn the_derives_layout_and_key_bits_are_the_runtimes() {
    // Plain keys, a `rename`d field, a skipped one, `rename_all`.
    meta_agrees_with_the_table::<RunV3>();
    meta_agrees_with_the_table::<RunV4>();
}

#[test]
fn claims_are_wire_keys() {
    let e = edge(2, 1);
    assert_eq!(e.claims.adds_defaulted, ["retries"]);
    assert!(e.claims.adds.is_empty());
    assert_eq!(e.claims.removes, ["legacy_flag"]);
    assert_eq!(e.claims.renames, [("owner", "assignee")]);
    assert!(e.claims.converts.is_empty());
    assert!(!e.claims.custom && !e.claims.reversible);
    assert!(!e.claims.drops_nothing());

    let e = edge(3, 2);
    assert_eq!(e.claims.converts, ["tags"]);
    assert_eq!(e.claims.adds, ["slug"]);
    assert!(e.claims.custom && !e.claims.reversible);
    assert!(e.claims.drops_nothing());
    assert!(e.__down.is_none());

    let e = edge(4, 3);
    assert_eq!(e.claims.adds_defaulted, ["note"]);
    assert_eq!(e.claims.renames, [("retries", "retryCount")]);
    assert!(!e.claims.custom && e.claims.reversible);

    let e = edge(4, 2);
    assert_eq!(e.claims.adds_defaulted, ["note"]);
    assert_eq!(e.claims.adds, ["slug"]);
    assert_eq!(e.claims.converts, ["tags"]);
    assert_eq!(e.claims.renames, [("retries", "retryCount")]);
    assert!(e.claims.custom && e.claims.reversible);
}

#[test]
fn descriptions_come_from_the_key_or_the_doc_comment() {
    assert_eq!(
        edge(2, 1).description,
        "Owners become assignees; runs get a retry count."
    );
    assert_eq!(
        edge(3, 2).description,
        "tags become a list; runs get a slug"
    );
    assert_eq!(
        edge(4, 3).description,
        "Retries are counted as `retryCount`; runs may carry a note."
    );
    assert_eq!(edge(4, 2).description, "straight from version 2");
}

#[test]
fn a_declarative_edge_renames_removes_and_fills_defaults() {
    let out = up(
        2,
        1,
        json!({"id": "R1", "owner": "ana", "tags": "a,b", "legacy_flag": true, "extra": {"k": 1}}),
    )
    .unwrap();
    assert_eq!(
        out,
        json!({"id": "R1", "assignee": "ana", "tags": "a,b", "retries": 0, "extra": {"k": 1}})
    );
}

#[test]
fn a_custom_edge_calls_the_with_function() {
    let out = up(
        3,
        2,
        json!({"id": "R1", "assignee": "ana", "tags": "a, b,", "retries": 2}),
    )
    .unwrap();
    assert_eq!(
        out,
        json!({"id": "R1", "assignee": "ana", "tags": ["a", "b"], "retries": 2, "slug": "r1"})
    );
}

#[test]
fn a_reversible_declarative_edge_goes_both_ways() {
    let v3 = json!({"id": "R1", "assignee": "ana", "tags": ["a"], "retries": 2, "slug": "r1"});
    let v4 = up(4, 3, v3.clone()).unwrap();
    assert_eq!(
        v4,
        json!({"id": "R1", "assignee": "ana", "tags": ["a"], "retryCount": 2, "slug": "r1", "note": null})
    );
    assert_eq!(down(4, 3, v4).unwrap(), v3);
}

#[test]
fn a_reversible_custom_edge_uses_reverse_with() {
    let v2 = json!({"id": "R1", "assignee": "ana", "tags": "a,b", "retries": 1});
    let v4 = up(4, 2, v2.clone()).unwrap();
    assert_eq!(
        v4,
        json!({"id": "R1", "assignee": "ana", "tags": ["a", "b"], "retryCount": 1, "slug": "r1", "note": null})
    );
    assert_eq!(down(4, 2, v4).unwrap(), v2);
}

#[test]
fn an_error_of_the_with_function_is_reported() {
    let err = up(
        4,
        2,
        json!({"id": "", "assignee": "ana", "tags": "", "retries": 0}),
    )
    .unwrap_err();
    assert_eq!(err, TransformError::Custom("a run needs an id".to_owned()));
}

#[test]
fn the_round_trip_runs_the_validate_hook() {
    let v3 = Run::info().version(3).unwrap();
    let good = json!({"id": "R1", "assignee": "ana", "tags": [], "retries": 0, "slug": "r1"});
    assert_eq!(
        (v3.__roundtrip)(&Node::from_value(good.clone()))
            .unwrap()
            .value,
        good
    );
    let bad = json!({"id": "R1", "assignee": "ana", "tags": [], "retries": 0, "slug": "R1"});
    assert_eq!(
        (v3.__roundtrip)(&Node::from_value(bad)).unwrap_err(),
        RoundTripError::Validate("slug `R1` is not lower case".to_owned())
    );
    // Without a hook, only serde decides.
    let v2 = Run::info().version(2).unwrap();
    assert!((v2.__roundtrip)(&Node::from_value(json!({"id": "R1"}))).is_err());
}

/// A contract whose versions live in modules and use serde's container and field
/// attributes: the wire keys, defaults and flattened fields the derives must follow.
mod settings {
    use std::collections::BTreeMap;

    use migrate_runtime::{Contract, Versioned};
    use serde::{Deserialize, Serialize};
    use serde_json::{json, Value};

    #[derive(Contract)]
    #[contract(name = "settings", versions(v1::SettingsV1, v2::SettingsV2))]
    pub struct Settings;

    pub mod v1 {
        use super::*;

        #[derive(Debug, Serialize, Deserialize, Versioned)]
        #[serde(rename_all = "kebab-case")]
        #[versioned(contract = crate::settings::Settings, version = 1)]
        pub struct SettingsV1 {
            pub font_size: u32,
            #[serde(rename = "colour")]
            pub color: String,
            #[serde(flatten)]
            pub extra: BTreeMap<String, Value>,
        }
    }

    pub mod v2 {
        use super::*;

        fn default_theme() -> String {
            "light".to_owned()
        }

        /// Settings get a theme, an optional locale and a cached value never written.
        #[derive(Debug, Serialize, Deserialize, Versioned)]
        #[serde(rename_all = "kebab-case")]
        #[versioned(contract = super::Settings, version = 2)]
        #[migration(from = 1, adds_defaulted(theme, locale, r#type))]
        pub struct SettingsV2 {
            pub font_size: u32,
            // A new Rust name, the same key on disk.
            #[serde(rename = "colour")]
            pub colour: String,
            #[serde(default = "default_theme")]
            pub theme: String,
            pub locale: Option<String>,
            #[serde(default)]
            pub r#type: u8,
            #[serde(skip)]
            pub cache: Vec<u8>,
            #[serde(flatten)]
            pub extra: BTreeMap<String, Value>,
        }
    }

    #[test]
    fn skipped_fields_are_not_read() {
        let v2: v2::SettingsV2 =
            serde_json::from_value(json!({"font-size": 1, "colour": "red", "cache": [1]})).unwrap();
        assert!(v2.cache.is_empty());
    }

    #[test]
    fn wire_keys_follow_rename_all_rename_raw_names_and_flatten() {
        let info = Settings::info();
        assert_eq!(info.versions[0].wire_keys, ["font-size", "colour"]);
        assert_eq!(
            info.versions[1].wire_keys,
            ["font-size", "colour", "theme", "locale", "type"]
        );
        let edge = &info.versions[1].edges[0];
        assert_eq!(edge.claims.adds_defaulted, ["theme", "locale", "type"]);
        assert_eq!(
            edge.description,
            "Settings get a theme, an optional locale and a cached value never written."
        );
    }

    #[test]
    fn the_table_of_fields_has_each_field_as_serde_sees_it() {
        // The table the checks read when an edge does not line up: a renamed field under
        // its Rust name and key, a flattened one by name, each with the hash of its place
        // on the wire (computed by the runtime's `fields` as the table is built).
        use migrate_runtime::__private::{field_hash, VersionDef};
        let table: Vec<_> = <v1::SettingsV1 as VersionDef>::FIELDS
            .iter()
            .map(|f| (f.name, f.key, f.flatten, f.hash))
            .collect();
        assert_eq!(
            table,
            [
                (
                    "font_size",
                    "font-size",
                    false,
                    field_hash("k", "font-size")
                ),
                ("color", "colour", false, field_hash("k", "colour")),
                ("extra", "extra", true, field_hash("f", "extra")),
            ]
        );
        // The derive's layout and key bits of a version with a renamed and a flattened
        // field agree with the runtime's, computed from this table.
        super::meta_agrees_with_the_table::<v1::SettingsV1>();
        // A raw identifier is named without its `r#`, as serde names its key.
        let names: Vec<_> = <v2::SettingsV2 as VersionDef>::FIELDS
            .iter()
            .map(|f| (f.name, f.key, f.flatten))
            .collect();
        assert_eq!(
            names,
            [
                ("font_size", "font-size", false),
                ("colour", "colour", false),
                ("theme", "theme", false),
                ("locale", "locale", false),
                ("type", "type", false),
                ("extra", "extra", true),
            ]
        );
    }

    #[test]
    fn defaults_fill_and_flattened_keys_pass_through() {
        let edge = &Settings::info().versions[1].edges[0];
        let Value::Object(body) = json!({"font-size": 12, "colour": "red", "plugin": {"x": 1}})
        else {
            unreachable!()
        };
        assert_eq!(
            (edge.__up)(edge, migrate_runtime::node::entries_of(body), None)
                .unwrap()
                .into_value(),
            json!({"font-size": 12, "colour": "red", "theme": "light", "locale": null, "type": 0, "plugin": {"x": 1}})
        );
    }
}

/// Versions in sibling modules whose fields are private and of a type private to the
/// parent module, with keys that are not Rust identifiers: the derives' checks compile
/// without a warning (the type checks read the fields through the derives' own tables, not
/// through the version structs, whose fields the other module cannot see).
#[deny(warnings)]
mod private_fields {
    use migrate_runtime::Contract;
    use serde::{Deserialize, Serialize};
    use serde_json::json;

    #[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
    struct Step {
        name: String,
    }

    #[derive(Contract)]
    #[contract(name = "job", versions(v1::JobV1, v2::JobV2))]
    pub struct Job;

    mod v1 {
        use super::Step;
        use migrate_runtime::Versioned;
        use serde::{Deserialize, Serialize};

        #[derive(Debug, Serialize, Deserialize, Versioned)]
        #[versioned(contract = super::Job, version = 1)]
        pub struct JobV1 {
            #[serde(rename = "step list")]
            steps: Vec<Step>,
            #[serde(rename = "run_id")]
            run: String,
        }
    }

    mod v2 {
        use super::Step;
        use migrate_runtime::Versioned;
        use serde::{Deserialize, Serialize};

        #[derive(Debug, Serialize, Deserialize, Versioned)]
        #[versioned(contract = super::Job, version = 2)]
        #[migration(from = 1, adds_defaulted(owner))]
        pub struct JobV2 {
            #[serde(rename = "step list")]
            pub(super) steps: Vec<Step>,
            #[serde(rename = "run_id")]
            run: String,
            #[serde(default, rename = "ÿwner")]
            owner: String,
        }
    }

    #[test]
    fn a_contract_of_private_fields_and_unusual_keys_registers_and_runs_its_edge() {
        let info = Job::info();
        assert_eq!(info.versions[0].wire_keys, ["step list", "run_id"]);
        assert_eq!(info.versions[1].wire_keys, ["step list", "run_id", "ÿwner"]);
        assert_eq!(info.versions[1].edges[0].claims.adds_defaulted, ["ÿwner"]);
        let doc = json!({"schemaVersion": 1, "step list": [{"name": "build"}], "run_id": "r7"});
        let migrated = migrate_runtime::migrate(info, &doc).unwrap();
        assert_eq!(
            migrated.result,
            json!({"schemaVersion": 2, "step list": [{"name": "build"}], "run_id": "r7", "ÿwner": ""})
        );
        let current: v2::JobV2 = serde_json::from_value(migrated.result).unwrap();
        assert_eq!(
            current.steps,
            [Step {
                name: "build".to_owned()
            }]
        );
    }
}

/// A rename names a field of the source by its Rust name, which may be another field's key:
/// version 1 swaps `a` and `b` on disk, and `renames(a -> c)` moves `a` (key "b") to `c`
/// while the field under key "a" (`b`) is kept as `a`. Both keep their types, so this
/// compiles (tests/ui/rename-reads-the-name-not-the-key.rs is the same edge with `c` of
/// the wrong type) and the edge moves the right key.
mod swapped {
    use super::*;

    #[derive(Contract)]
    #[contract(name = "swap", versions(SwapV1, SwapV2))]
    pub struct Swap;

    #[derive(Serialize, Deserialize, Versioned)]
    #[versioned(contract = Swap, version = 1)]
    pub struct SwapV1 {
        #[serde(rename = "b")]
        pub a: String,
        #[serde(rename = "a")]
        pub b: u32,
    }

    #[derive(Serialize, Deserialize, Versioned)]
    #[versioned(contract = Swap, version = 2)]
    #[migration(from = 1, renames(a -> c))]
    pub struct SwapV2 {
        pub c: String,
        pub a: u32,
    }

    #[test]
    fn a_rename_moves_the_named_field_when_names_and_keys_are_swapped() {
        let info = Swap::info();
        assert_eq!(info.versions[1].edges[0].claims.renames, [("b", "c")]);
        let doc = json!({"schemaVersion": 1, "b": "text", "a": 7});
        let migrated = migrate_runtime::migrate(info, &doc).unwrap();
        assert_eq!(
            migrated.result,
            json!({"schemaVersion": 2, "c": "text", "a": 7})
        );
    }
}
