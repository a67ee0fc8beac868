//! Placeholder until the node deserializer lands: reads through a `Value`.

use serde::de::DeserializeOwned;

use crate::node::Node;

/// Deserializes `T` from `node` as serde_json would from the same value.
pub(crate) fn from_node<T: DeserializeOwned>(node: &Node<'_>) -> Result<T, serde_json::Error> {
    serde_json::from_value(node.to_value())
}
