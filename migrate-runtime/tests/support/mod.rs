//! Hand-written contracts for the prover's tests (the derives are not used here), and the
//! broken edges that make each property fail.
//!
//! `tasks` is a sound two-version contract: 1 -> 2 renames `owner` to `assignee`, adds a
//! defaulted `retries`, and is reversible. Each `BROKEN_*` contract reuses its versions
//! with one edge or hook that breaks one property.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use migrate_runtime::__private::{declarative_down, declarative_up, roundtrip};
use migrate_runtime::node::{entries_of, Entries, Node};
use migrate_runtime::{
    Claims, Contract, ContractInfo, Edge, Reading, RoundTripError, TransformError, VersionInfo,
    Versioned,
};
use proptest::prelude::*;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

/// Version 1: `owner` (any JSON), `tasks`, optional `notes`, defaulted `priority`.
#[derive(Serialize, Deserialize)]
pub struct TaskV1 {
    pub id: String,
    pub owner: Value,
    pub tasks: Vec<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// Defaulted and always written: a file that omits it is normalized by its own version.
    #[serde(default)]
    pub priority: u8,
}

/// Version 2: `owner` became `assignee`; `retries` is new, defaulted.
#[derive(Serialize, Deserialize)]
pub struct TaskV2 {
    pub id: Value,
    pub assignee: Value,
    pub tasks: Vec<Value>,
    #[serde(default)]
    pub retries: u32,
    #[serde(default)]
    pub priority: u8,
}

fn rt<T: Serialize + DeserializeOwned + 'static>(
    value: &Node<'_>,
) -> Result<Reading, RoundTripError> {
    roundtrip::<T>(value, None)
}

/// Defines `$node_fn`, the engine's form of a transform written on `serde_json` values
/// (the broken edges below are easiest to write that way).
macro_rules! on_values {
    ($node_fn:ident = $value_fn:expr) => {
        fn $node_fn<'a>(
            edge: &Edge,
            body: Entries<'a>,
            _: Option<Reading>,
        ) -> Result<Node<'a>, TransformError> {
            let Value::Object(map) = Node::Object(body).into_value() else {
                unreachable!("an object's entries make an object")
            };
            ($value_fn)(edge, map).map(Node::from_value)
        }
    };
}

pub const CLAIMS_1_2: Claims = Claims {
    adds_defaulted: &["retries"],
    adds: &[],
    removes: &[],
    renames: &[("owner", "assignee")],
    converts: &[],
    custom: false,
    reversible: true,
};

impl Versioned for TaskV1 {
    type Contract = Tasks;
    const VERSION: u32 = 1;
    const INFO: VersionInfo = VersionInfo {
        version: 1,
        type_name: "TaskV1",
        wire_keys: &["id", "owner", "tasks", "notes", "priority"],
        edges: &[],
        __roundtrip: rt::<TaskV1>,
    };
}

impl Versioned for TaskV2 {
    type Contract = Tasks;
    const VERSION: u32 = 2;
    const INFO: VersionInfo = VersionInfo {
        version: 2,
        type_name: "TaskV2",
        wire_keys: &["id", "assignee", "tasks", "retries", "priority"],
        edges: &[Edge {
            from: 1,
            to: 2,
            description: "owner becomes assignee; retries",
            claims: CLAIMS_1_2,
            __up: declarative_up::<TaskV2>,
            __down: Some(declarative_down::<TaskV1>),
        }],
        __roundtrip: rt::<TaskV2>,
    };
}

/// The sound contract.
pub struct Tasks;

pub static TASKS: ContractInfo = ContractInfo {
    name: "tasks",
    version_key: "schemaVersion",
    unversioned: None,
    file: Some("tasks.json"),
    versions: &[TaskV1::INFO, TaskV2::INFO],
};

impl Contract for Tasks {
    type Current = TaskV2;
    fn info() -> &'static ContractInfo {
        &TASKS
    }
}

/// A `tasks` contract whose 1 -> 2 edge, version-2 round trip or claims are replaced.
macro_rules! tasks_variant {
    ($static:ident, $name:literal, up = $up:expr, down = $down:expr, claims = $claims:expr, current = $rt:expr) => {
        pub static $static: ContractInfo = ContractInfo {
            name: $name,
            version_key: "schemaVersion",
            unversioned: None,
            file: None,
            versions: &[
                TaskV1::INFO,
                VersionInfo {
                    version: 2,
                    type_name: "TaskV2",
                    wire_keys: &["id", "assignee", "tasks", "retries", "priority"],
                    edges: &[Edge {
                        from: 1,
                        to: 2,
                        description: "",
                        claims: $claims,
                        __up: $up,
                        __down: $down,
                    }],
                    __roundtrip: $rt,
                },
            ],
        };
    };
}

type Body = Map<String, Value>;

fn up(edge: &Edge, body: Body) -> Result<Body, TransformError> {
    match declarative_up::<TaskV2>(edge, entries_of(body), None)?.into_value() {
        Value::Object(map) => Ok(map),
        other => panic!("declarative_up returned {other}"),
    }
}

fn drop_nested(edge: &Edge, body: Body) -> Result<Value, TransformError> {
    let mut body = Value::Object(up(edge, body)?);
    body["tasks"][0].as_object_mut().unwrap().remove("owner");
    Ok(body)
}
on_values!(drop_nested_node = drop_nested);
tasks_variant!(
    BROKEN_DROPS_NESTED,
    "drops-nested",
    up = drop_nested_node,
    down = None,
    claims = CLAIMS_1_2,
    current = rt::<TaskV2>
);

fn drop_under_rename(edge: &Edge, body: Body) -> Result<Value, TransformError> {
    let mut body = Value::Object(up(edge, body)?);
    body["assignee"].as_object_mut().unwrap().remove("email");
    Ok(body)
}
on_values!(drop_under_rename_node = drop_under_rename);
tasks_variant!(
    BROKEN_DROPS_UNDER_RENAME,
    "drops-under-rename",
    up = drop_under_rename_node,
    down = None,
    claims = CLAIMS_1_2,
    current = rt::<TaskV2>
);

fn changes_id(edge: &Edge, body: Body) -> Result<Value, TransformError> {
    let mut body = up(edge, body)?;
    let id = body["id"].as_str().unwrap().to_uppercase();
    body.insert("id".into(), Value::String(id));
    Ok(Value::Object(body))
}
on_values!(changes_id_node = changes_id);
tasks_variant!(
    BROKEN_CHANGES_VALUE,
    "changes-value",
    up = changes_id_node,
    down = None,
    claims = CLAIMS_1_2,
    current = rt::<TaskV2>
);

fn drop_escaped_key(edge: &Edge, body: Body) -> Result<Value, TransformError> {
    let mut body = up(edge, body)?;
    body.shift_remove("ext~/");
    Ok(Value::Object(body))
}
on_values!(drop_escaped_key_node = drop_escaped_key);
tasks_variant!(
    BROKEN_DROPS_ESCAPED,
    "drops-escaped",
    up = drop_escaped_key_node,
    down = None,
    claims = CLAIMS_1_2,
    current = rt::<TaskV2>
);

/// A version-2 reading that counts one more retry each time: not idempotent.
fn counts_retries(value: &Node<'_>) -> Result<Reading, RoundTripError> {
    let mut typed: TaskV2 = migrate_runtime::__private::deserialize(value)?;
    typed.retries += 1;
    let value = Node::from_value(serde_json::to_value(&typed).unwrap());
    Ok(Reading::new(typed, value))
}
tasks_variant!(
    BROKEN_NOT_IDEMPOTENT,
    "not-idempotent",
    up = declarative_up::<TaskV2>,
    down = None,
    claims = CLAIMS_1_2,
    current = counts_retries
);

/// A version-2 `validate` hook that wants at least one retry (the default is 0).
fn rejects(value: &Node<'_>) -> Result<Reading, RoundTripError> {
    roundtrip::<TaskV2>(
        value,
        Some(|t: &TaskV2| {
            if t.retries == 0 {
                Err("retries must be at least 1".to_owned())
            } else {
                Ok(())
            }
        }),
    )
}
tasks_variant!(
    BROKEN_REJECTS,
    "rejects",
    up = declarative_up::<TaskV2>,
    down = None,
    claims = CLAIMS_1_2,
    current = rejects
);

/// A down transform that renames back but also upper-cases `id`.
fn wrong_down(edge: &Edge, body: Body) -> Result<Value, TransformError> {
    let mut body = match declarative_down::<TaskV1>(edge, entries_of(body), None)?.into_value() {
        Value::Object(map) => map,
        other => panic!("declarative_down returned {other}"),
    };
    let id = body["id"].as_str().unwrap().to_uppercase();
    body.insert("id".into(), Value::String(id));
    Ok(Value::Object(body))
}
on_values!(wrong_down_node = wrong_down);
tasks_variant!(
    BROKEN_WRONG_DOWN,
    "wrong-down",
    up = declarative_up::<TaskV2>,
    down = Some(wrong_down_node),
    claims = CLAIMS_1_2,
    current = rt::<TaskV2>
);

fn panicking_down<'a>(
    _edge: &Edge,
    _body: Entries<'a>,
    _: Option<Reading>,
) -> Result<Node<'a>, TransformError> {
    panic!("down is not written yet")
}
tasks_variant!(
    PANICKING_DOWN,
    "panicking-down",
    up = declarative_up::<TaskV2>,
    down = Some(panicking_down),
    claims = CLAIMS_1_2,
    current = rt::<TaskV2>
);

// The sound edge, declared irreversible: `roundTrip` does not apply.
tasks_variant!(
    IRREVERSIBLE,
    "irreversible",
    up = declarative_up::<TaskV2>,
    down = None,
    claims = Claims {
        reversible: false,
        ..CLAIMS_1_2
    },
    current = rt::<TaskV2>
);

// Declares `notes` removed.
tasks_variant!(
    LOSSY,
    "lossy",
    up = declarative_up::<TaskV2>,
    down = None,
    claims = Claims {
        removes: &["notes"],
        reversible: false,
        ..CLAIMS_1_2
    },
    current = rt::<TaskV2>
);

/// Declares `id` converted (to a number), through a custom transform.
fn id_to_number(edge: &Edge, body: Body) -> Result<Value, TransformError> {
    let mut body = up(edge, body)?;
    let len = body["id"].as_str().unwrap().len();
    body.insert("id".into(), Value::from(len));
    Ok(Value::Object(body))
}
on_values!(id_to_number_node = id_to_number);
tasks_variant!(
    CONVERTS,
    "converts",
    up = id_to_number_node,
    down = None,
    claims = Claims {
        converts: &["id"],
        custom: true,
        reversible: false,
        ..CLAIMS_1_2
    },
    current = rt::<TaskV2>
);

/// The file `TAMPERS`'s edge appends to while the prover runs (one test at a time).
pub static TAMPER_TARGET: Mutex<Option<PathBuf>> = Mutex::new(None);

/// Held by each test that sets `TAMPER_TARGET`, so that two never run at once.
pub static TAMPER_TESTS: Mutex<()> = Mutex::new(());

fn tampers(edge: &Edge, body: Body) -> Result<Value, TransformError> {
    if let Some(path) = TAMPER_TARGET.lock().unwrap().as_ref() {
        let mut bytes = std::fs::read(path).unwrap();
        bytes.extend_from_slice(b"\n");
        std::fs::write(path, bytes).unwrap();
    }
    declarative_up::<TaskV2>(edge, entries_of(body), None).map(Node::into_value)
}
on_values!(tampers_node = tampers);
tasks_variant!(
    TAMPERS,
    "tampers",
    up = tampers_node,
    down = None,
    claims = CLAIMS_1_2,
    current = rt::<TaskV2>
);

/// A down transform that appends to `TAMPER_TARGET`: user code the prover runs after the
/// chain (for `roundTrip`), so the file must be read again after it.
fn tampers_down(edge: &Edge, body: Body) -> Result<Value, TransformError> {
    if let Some(path) = TAMPER_TARGET.lock().unwrap().as_ref() {
        let mut bytes = std::fs::read(path).unwrap();
        bytes.extend_from_slice(b"\n");
        std::fs::write(path, bytes).unwrap();
    }
    declarative_down::<TaskV1>(edge, entries_of(body), None).map(Node::into_value)
}
on_values!(tampers_down_node = tampers_down);
tasks_variant!(
    TAMPERS_DOWN,
    "tampers-down",
    up = declarative_up::<TaskV2>,
    down = Some(tampers_down_node),
    claims = CLAIMS_1_2,
    current = rt::<TaskV2>
);

/// A version-1 document with nested data, unknown keys at several depths, and `notes`.
pub fn v1_doc() -> Value {
    json!({
        "schemaVersion": 1,
        "id": "run-7",
        "owner": {"name": "ada", "email": "ada@example.com"},
        "tasks": [
            {"title": "build", "owner": "bob", "extra": {"deep": [1, 2.5, null]}},
            {"title": "test", "owner": "eve"}
        ],
        "notes": "keep me",
        "ext~/": {"plugin": true}
    })
}

/// A version-1 document without `notes`.
pub fn v1_doc_without_notes() -> Value {
    let mut doc = v1_doc();
    doc.as_object_mut().unwrap().shift_remove("notes");
    doc
}

/// Writes `doc` pretty-printed to `dir/name` and returns the path.
pub fn write_doc(dir: &Path, name: &str, doc: &Value) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_vec_pretty(doc).unwrap()).unwrap();
    path
}

/// `errors` joined, for assertion messages.
pub fn errors(proof: &migrate_runtime::Proof) -> String {
    proof.errors.join("\n")
}

/// Any JSON value, a few levels deep; numbers include awkward doubles.
pub fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("JSON numbers are finite", |f| f.is_finite())
            .prop_map(Value::from),
        "[a-z~/ é\u{1F600}\"\\\\]{0,8}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z~/]{1,5}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}
