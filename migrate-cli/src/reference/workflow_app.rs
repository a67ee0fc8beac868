//! `workflow-app`: a workflow app's `app.json` manifest (one version so far).

use migrate_runtime::{Contract, Versioned};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The `workflow-app` contract: `app.json`, version 1.
#[derive(Debug, Contract)]
#[contract(name = "workflow-app", versions(WorkflowAppV1), file = "app.json")]
pub struct WorkflowApp;

/// A workflow app's manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Versioned)]
#[serde(rename_all = "camelCase")]
#[versioned(contract = WorkflowApp, version = 1)]
pub struct WorkflowAppV1 {
    /// The app's id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// A one-line summary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// The app's own version (semver).
    pub version: String,
    /// Who wrote it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// The inputs the app takes.
    #[serde(default)]
    pub inputs: Vec<AppInput>,
    /// The sandbox profiles the app may run under.
    #[serde(default)]
    pub sandbox_profiles: Vec<String>,
    /// Which cool-workflow versions the app works with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compatibility: Option<Compatibility>,
    /// Free-form metadata.
    #[serde(default)]
    pub metadata: Map<String, Value>,
    /// The app's workflow.
    pub workflow: AppWorkflow,
}

/// An input an app takes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppInput {
    /// The input's name.
    pub name: String,
    /// Its type (`string`, …).
    #[serde(rename = "type")]
    pub kind: String,
    /// Whether it must be given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required: Option<bool>,
    /// What it is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Its value when not given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<Value>,
    /// Whether it may be given several times.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repeated: Option<bool>,
}

/// Which cool-workflow versions an app works with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Compatibility {
    /// The oldest cool-workflow version the app needs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_version: Option<String>,
}

/// An app's workflow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppWorkflow {
    /// The script that defines it, relative to the app.
    pub entrypoint: String,
}
