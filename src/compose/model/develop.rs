//! Development settings: `develop.watch` rules and the lifecycle hooks (`post_start`,
//! `pre_stop`, and a watch rule's `exec`) that run a command in a service's container.

use serde::{Deserialize, Serialize};

use schemars::JsonSchema;

use super::collections::{Environment, StringList};
use super::command::Command;
use super::extensions::{extensions_of, Extensions};
use super::syntax::is_false;

/// A service's development settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(default)]
pub struct Develop {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub watch: Vec<WatchRule>,
    #[serde(
        flatten,
        skip_serializing,
        deserialize_with = "extensions_of::<_, Develop>"
    )]
    pub extensions: Extensions,
}

/// What `docker compose watch` does when files under a path change.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
pub struct WatchRule {
    /// The watched path, as written (the loader resolves it against the project directory).
    pub path: String,
    pub action: WatchAction,
    /// Where synchronised files go in the container.
    #[serde(
        default,
        skip_serializing_if = "crate::compose::model::is_unset_or_empty"
    )]
    pub target: Option<String>,
    /// The command of a `sync+exec` rule. Compose prints it always, empty when unset.
    #[serde(default)]
    pub exec: ServiceHook,
    #[serde(default, skip_serializing_if = "StringList::is_empty")]
    pub include: StringList,
    #[serde(default, skip_serializing_if = "StringList::is_empty")]
    pub ignore: StringList,
    /// Synchronise once before watching.
    #[serde(default, skip_serializing_if = "is_false")]
    pub initial_sync: bool,
    #[serde(
        flatten,
        skip_serializing,
        deserialize_with = "extensions_of::<_, WatchRule>"
    )]
    pub extensions: Extensions,
}

/// The action of a watch rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize, JsonSchema)]
pub enum WatchAction {
    #[serde(rename = "rebuild")]
    Rebuild,
    #[serde(rename = "sync")]
    Sync,
    #[serde(rename = "restart")]
    Restart,
    #[serde(rename = "sync+restart")]
    SyncRestart,
    #[serde(rename = "sync+exec")]
    SyncExec,
}

/// A command run in a service's container at a point of its life.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(default)]
pub struct ServiceHook {
    /// Compose prints the command always, null when unset.
    pub command: Option<Command>,
    #[serde(skip_serializing_if = "crate::compose::model::is_unset_or_empty")]
    pub user: Option<String>,
    #[serde(skip_serializing_if = "is_false")]
    pub privileged: bool,
    #[serde(skip_serializing_if = "crate::compose::model::is_unset_or_empty")]
    pub working_dir: Option<String>,
    #[serde(skip_serializing_if = "Environment::is_empty")]
    pub environment: Environment,
    #[serde(
        flatten,
        skip_serializing,
        deserialize_with = "extensions_of::<_, ServiceHook>"
    )]
    pub extensions: Extensions,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Value;
    use serde_json::json;

    fn read(json: serde_json::Value) -> Result<serde_json::Value, String> {
        let develop = Develop::deserialize(&Value::from_json(&json)).map_err(|e| e.to_string())?;
        serde_json::to_value(develop).map_err(|e| e.to_string())
    }

    #[test]
    fn watch_rules_read_short_lists_and_print_exec_always() {
        assert_eq!(
            read(json!({"watch": [
                {"path": "./src", "action": "sync", "target": "/app", "ignore": "node_modules/"},
                {"path": "./pkg", "action": "sync+exec", "exec": {"command": "echo hi", "environment": ["A=1"]}}
            ]})),
            Ok(json!({"watch": [
                {"path": "./src", "action": "sync", "target": "/app", "exec": {"command": null}, "ignore": ["node_modules/"]},
                {"path": "./pkg", "action": "sync+exec", "exec": {"command": ["echo", "hi"], "environment": {"A": "1"}}}
            ]}))
        );
    }

    #[test]
    fn an_unknown_action_is_named() {
        assert!(read(json!({"watch": [{"path": ".", "action": "copy"}]}))
            .is_err_and(|e| e.starts_with("unknown variant `copy`")));
    }
}
