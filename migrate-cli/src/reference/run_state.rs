//! `run-state`: a workflow run's `state.json`.
//!
//! Version 0 is the legacy layout without `schemaVersion`, which named its workflow only by
//! `workflowId`; version 1 adds the `workflow` descriptor, `phases`, `dispatches` and
//! `commits`. Fields that only some runs carry are optional and left out when absent, so
//! that reading and writing a file changes nothing it did not need to.

use migrate_runtime::{Contract, Versioned};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The `run-state` contract: `state.json`, versions 0 (legacy, unversioned) and 1.
#[derive(Debug, Contract)]
#[contract(
    name = "run-state",
    versions(RunStateV0, RunStateV1),
    unversioned = 0,
    file = "state.json"
)]
pub struct RunState;

/// A legacy run state, written before workflow apps existed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Versioned)]
#[serde(rename_all = "camelCase")]
#[versioned(contract = RunState, version = 0)]
pub struct RunStateV0 {
    /// The run's id.
    pub id: String,
    /// The workflow the run executes (legacy: only its id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workflow_id: Option<String>,
    /// When the run was created (ISO 8601).
    pub created_at: String,
    /// When the run last changed (ISO 8601).
    pub updated_at: String,
    /// The run's working directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
    /// The run's inputs, by name.
    #[serde(default)]
    pub inputs: Map<String, Value>,
    /// The stage of the run's loop.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loop_stage: Option<String>,
    /// The run's tasks.
    #[serde(default)]
    pub tasks: Vec<Task>,
}

/// Runs name their workflow with a descriptor and record phases, dispatches and commits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Versioned)]
#[serde(rename_all = "camelCase")]
#[versioned(contract = RunState, version = 1)]
#[migration(
    from = 0,
    to = 1,
    adds(workflow),
    adds_defaulted(phases, dispatches, commits),
    with = upgrade_legacy_run
)]
pub struct RunStateV1 {
    /// The run's id.
    pub id: String,
    /// The legacy workflow id, kept as the legacy file had it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workflow_id: Option<String>,
    /// When the run was created (ISO 8601).
    pub created_at: String,
    /// When the run last changed (ISO 8601).
    pub updated_at: String,
    /// The run's working directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
    /// The workflow the run executes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workflow: Option<WorkflowRef>,
    /// The run's inputs, by name.
    #[serde(default)]
    pub inputs: Map<String, Value>,
    /// The stage of the run's loop.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loop_stage: Option<String>,
    /// The run's phases.
    #[serde(default)]
    pub phases: Vec<Phase>,
    /// The run's tasks.
    #[serde(default)]
    pub tasks: Vec<Task>,
    /// Dispatches of tasks to agents.
    #[serde(default)]
    pub dispatches: Vec<Value>,
    /// State commits.
    #[serde(default)]
    pub commits: Vec<Value>,
}

/// The workflow a run executes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkflowRef {
    /// The workflow's id.
    pub id: String,
    /// Its title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Its summary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
}

/// A phase of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Phase {
    /// The phase's id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its status.
    pub status: String,
    /// The tasks in it.
    #[serde(default)]
    pub task_ids: Vec<String>,
}

/// A task of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Task {
    /// The task's id.
    pub id: String,
    /// What kind of task it is (`agent`, …).
    pub kind: String,
    /// The phase it belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<String>,
    /// Its status.
    pub status: String,
    /// Whether its result must come with evidence.
    #[serde(default)]
    pub requires_evidence: bool,
    /// Its prompt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt: Option<String>,
    /// The stage of the loop it belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loop_stage: Option<String>,
}

/// The legacy run names its workflow only by id; version 1 gives it a descriptor. The id
/// stays where it was, so nothing of the legacy file is lost.
fn upgrade_legacy_run(legacy: RunStateV0) -> RunStateV1 {
    let workflow = legacy.workflow_id.clone().map(|id| WorkflowRef {
        id,
        title: None,
        summary: None,
    });
    RunStateV1 {
        id: legacy.id,
        workflow_id: legacy.workflow_id,
        created_at: legacy.created_at,
        updated_at: legacy.updated_at,
        cwd: legacy.cwd,
        workflow,
        inputs: legacy.inputs,
        loop_stage: legacy.loop_stage,
        phases: Vec::new(),
        tasks: legacy.tasks,
        dispatches: Vec::new(),
        commits: Vec::new(),
    }
}
