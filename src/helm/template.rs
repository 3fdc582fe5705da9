//! From an object with placeholders to the text of a Helm template.
//!
//! An object is first serialized as `convert` writes it; the fields the values expose are
//! then replaced by a placeholder string that holds an [`Action`] (see `extract`). That
//! value, the skeleton, is printed with the project's YAML printer, so a template is laid
//! out exactly as `convert`'s file, and each placeholder line is rewritten into the template
//! expression that prints the value: `toJson` for scalars (so a string stays a string and a
//! number a number), `toYaml | nindent` for structures, inside `with` or `if` blocks for
//! fields that `convert` leaves out when they are empty.
//!
//! Text of the object itself that looks like a template action (`{{` in a ConfigMap, say)
//! is escaped, so Helm prints it as it is.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

/// What a placeholder stands for. Serialized into the placeholder, so two skeletons are
/// equal exactly when their objects differ only in what the values express.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Action {
    /// A scalar, always present: `key: {{ toJson EXPR }}`.
    Scalar(String),
    /// A structure, always present: `key: {{- toYaml EXPR | nindent N }}`.
    Yaml(String),
    /// A field written only when its value is not null (`replicas`, `command`).
    IfSet { expr: String, scalar: bool },
    /// A field written only when its value is not empty (`nodeSelector`, `resources`).
    IfNotEmpty { expr: String, scalar: bool },
    /// A `labels` map: Helm's common labels, then the object's own.
    Labels(BTreeMap<String, String>),
    /// A container's image, joined from the values' parts and `global.imageRegistry`.
    Image(String),
    /// A container's `env`: the values' variables merged with the entries the values do
    /// not hold (`valueFrom`), sorted by name as `convert` sorts them.
    Env { values: String, fixed: Vec<Json> },
    /// A pod's `imagePullSecrets`: the service's and the chart's.
    PullSecrets(String),
}

const PREFIX: &str = "\u{1}helm-action:";
/// What a placeholder is printed as before its line is rewritten: plain letters and
/// digits, which the printer writes unquoted.
const PRINTED: &str = "__compose2k8s_helm_";

impl Action {
    /// The placeholder that stands for this action in a skeleton.
    pub fn placeholder(&self) -> Json {
        Json::String(format!(
            "{PREFIX}{}",
            serde_json::to_string(self).unwrap_or_default()
        ))
    }

    fn from_placeholder(text: &str) -> Option<Action> {
        serde_json::from_str(text.strip_prefix(PREFIX)?).ok()
    }
}

/// How the named templates of `_helpers.tpl` are called: `<chart>.labels` and the like.
#[derive(Debug, Clone)]
pub struct Helpers {
    pub chart: String,
}

impl Helpers {
    fn name(&self, helper: &str) -> String {
        format!("{}.{helper}", self.chart)
    }
}

/// The template text of a skeleton. `condition`, when given, wraps the whole object in
/// `{{- if CONDITION }}`.
pub fn render(skeleton: &Json, condition: Option<&str>, helpers: &Helpers) -> String {
    let mut actions = Vec::new();
    let printable = number_placeholders(skeleton, &mut actions);
    let yaml = escape_actions(&crate::yaml::to_string(&printable).unwrap_or_default());
    let mut out = String::new();
    if let Some(condition) = condition {
        out.push_str(&format!("{{{{- if {condition} }}}}\n"));
    }
    for line in yaml.lines() {
        match placeholder_in(line) {
            Some((before, index)) => match actions.get(index) {
                Some(action) => rewrite(before, action, helpers, &mut out),
                None => {
                    out.push_str(line);
                    out.push('\n');
                }
            },
            None => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    if condition.is_some() {
        out.push_str("{{- end }}\n");
    }
    out
}

/// Replaces each placeholder by `__compose2k8s_helm_<n>__`, keeping the actions in order.
fn number_placeholders(value: &Json, actions: &mut Vec<Action>) -> Json {
    match value {
        Json::String(text) => match Action::from_placeholder(text) {
            Some(action) => {
                actions.push(action);
                Json::String(format!("{PRINTED}{}__", actions.len() - 1))
            }
            None => value.clone(),
        },
        Json::Array(items) => Json::Array(
            items
                .iter()
                .map(|item| number_placeholders(&plain_key_first(item), actions))
                .collect(),
        ),
        Json::Object(map) => Json::Object(
            map.iter()
                .map(|(key, item)| (key.clone(), number_placeholders(item, actions)))
                .collect(),
        ),
        _ => value.clone(),
    }
}

/// A list item that is a mapping, with a field that is no placeholder first: the item's
/// `- ` then goes on that field's line, and the blocks of placeholders below it, which
/// reads better than a dash on a line of its own.
fn plain_key_first(item: &Json) -> Json {
    let Json::Object(map) = item else {
        return item.clone();
    };
    let is_placeholder = |value: &Json| value.as_str().is_some_and(|text| text.starts_with(PREFIX));
    let Some((key, value)) = map.iter().find(|(_, value)| !is_placeholder(value)) else {
        return item.clone();
    };
    let mut reordered = serde_json::Map::new();
    reordered.insert(key.clone(), value.clone());
    for (other, item) in map {
        if other != key {
            reordered.insert(other.clone(), item.clone());
        }
    }
    Json::Object(reordered)
}

/// The text before a placeholder that ends `line`, and the placeholder's number.
fn placeholder_in(line: &str) -> Option<(&str, usize)> {
    let rest = line.strip_suffix("__")?;
    let start = rest.rfind(PRINTED)?;
    let index = rest[start + PRINTED.len()..].parse().ok()?;
    Some((&line[..start], index))
}

/// Text that Go templates would read as an action is printed through one.
pub fn escape_actions(text: &str) -> String {
    text.replace("{{", "{{ \"{{\" }}")
}

/// Writes the template lines for one placeholder; `before` is what precedes it on its line
/// (indentation, `- ` of list items, `key: `).
fn rewrite(before: &str, action: &Action, helpers: &Helpers, out: &mut String) {
    let mut indent = before.len() - before.trim_start().len();
    let mut rest = &before[indent..];
    if let Action::Scalar(expr) = action {
        out.push_str(&format!("{before}{{{{ toJson ({expr}) }}}}\n"));
        return;
    }
    // A block cannot follow `- ` on its line: the item's dash gets a line of its own, and
    // the key moves to the item's indentation.
    while let Some(after) = rest.strip_prefix("- ") {
        out.push_str(&format!("{}-\n", " ".repeat(indent)));
        indent += 2;
        rest = after;
    }
    let key = rest.trim_end().trim_end_matches(':');
    let pad = " ".repeat(indent);
    let nested = indent + 2;
    let value = |expr: &str, scalar: bool| {
        if scalar {
            format!("{pad}{key}: {{{{ toJson {expr} }}}}\n")
        } else {
            format!("{pad}{key}: {{{{- toYaml {expr} | nindent {nested} }}}}\n")
        }
    };
    match action {
        Action::Scalar(_) => {}
        Action::Image(image) => out.push_str(&format!(
            "{pad}{key}: {{{{ include \"{}\" (list ({image}) $.Values.global) | toJson }}}}\n",
            helpers.name("image")
        )),
        Action::Yaml(expr) => out.push_str(&value(&format!("({expr})"), false)),
        Action::IfSet { expr, scalar } => {
            out.push_str(&format!(
                "{pad}{{{{- if not (kindIs \"invalid\" ({expr})) }}}}\n"
            ));
            out.push_str(&value(&format!("({expr})"), *scalar));
            out.push_str(&format!("{pad}{{{{- end }}}}\n"));
        }
        Action::IfNotEmpty { expr, scalar } => {
            out.push_str(&format!("{pad}{{{{- with ({expr}) }}}}\n"));
            out.push_str(&value(".", *scalar));
            out.push_str(&format!("{pad}{{{{- end }}}}\n"));
        }
        Action::Labels(own) => {
            out.push_str(&format!("{pad}{key}:\n"));
            out.push_str(&format!(
                "{pad}  {{{{- include \"{}\" $ | nindent {nested} }}}}\n",
                helpers.name("labels")
            ));
            if !own.is_empty() {
                let text = escape_actions(&crate::yaml::to_string(own).unwrap_or_default());
                for line in text.lines() {
                    out.push_str(&format!("{pad}  {line}\n"));
                }
            }
        }
        Action::Env { values, fixed } => {
            let fixed = if fixed.is_empty() {
                "list".to_string()
            } else {
                format!(
                    "fromJsonArray {}",
                    go_string(&Json::Array(fixed.clone()).to_string())
                )
            };
            out.push_str(&format!(
                "{pad}{{{{- with include \"{}\" (list ({values}) ({fixed})) }}}}\n",
                helpers.name("env")
            ));
            out.push_str(&format!(
                "{pad}{key}: {{{{- . | trim | nindent {nested} }}}}\n"
            ));
            out.push_str(&format!("{pad}{{{{- end }}}}\n"));
        }
        Action::PullSecrets(service) => {
            out.push_str(&format!(
                "{pad}{{{{- with include \"{}\" (list ({service}) $.Values.global.imagePullSecrets) }}}}\n",
                helpers.name("pullSecrets")
            ));
            out.push_str(&format!(
                "{pad}{key}: {{{{- . | trim | nindent {nested} }}}}\n"
            ));
            out.push_str(&format!("{pad}{{{{- end }}}}\n"));
        }
    }
}

/// A Go string literal of `text`: raw (backquoted) where it can be, which reads best.
pub fn go_string(text: &str) -> String {
    if text.contains('`') {
        // JSON's string escapes are a subset of Go's.
        serde_json::to_string(text).unwrap_or_default()
    } else {
        format!("`{text}`")
    }
}

/// The expression of a value at `path` under `.Values`: `$.Values.web.image` where every
/// key is an identifier, `(index $.Values "my-app" "image")` otherwise. `$` is the root, so
/// the expression holds inside `with` blocks too.
pub fn values_expr(path: &[&str]) -> String {
    let identifier = |key: &&str| {
        let mut chars = key.chars();
        chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    if path.iter().all(identifier) {
        let mut expr = "$.Values".to_string();
        for key in path {
            expr.push('.');
            expr.push_str(key);
        }
        expr
    } else {
        let keys: Vec<String> = path
            .iter()
            .map(|key| serde_json::to_string(key).unwrap_or_default())
            .collect();
        format!("(index $.Values {})", keys.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn helpers() -> Helpers {
        Helpers {
            chart: "shop".to_string(),
        }
    }

    fn check(skeleton: Json, expected: &str) {
        assert_eq!(render(&skeleton, None, &helpers()), expected);
    }

    #[test]
    fn scalars_keep_their_type_through_to_json() {
        let replicas = Action::Scalar("$.Values.web.replicas".into()).placeholder();
        check(
            json!({"spec": {"replicas": replicas, "paused": false}}),
            "spec:\n  replicas: {{ toJson ($.Values.web.replicas) }}\n  paused: false\n",
        );
    }

    #[test]
    fn optional_blocks_are_left_out_when_empty() {
        let selector = Action::IfNotEmpty {
            expr: "$.Values.web.nodeSelector".into(),
            scalar: false,
        };
        check(
            json!({"spec": {"nodeSelector": selector.placeholder()}}),
            "spec:\n  {{- with ($.Values.web.nodeSelector) }}\n  \
             nodeSelector: {{- toYaml . | nindent 4 }}\n  {{- end }}\n",
        );
    }

    #[test]
    fn a_list_item_starts_with_a_plain_field() {
        let command = Action::IfSet {
            expr: "$.Values.web.command".into(),
            scalar: false,
        };
        check(
            json!({"containers": [{"command": command.placeholder(), "name": "web"}]}),
            "containers:\n- name: web\n  \
             {{- if not (kindIs \"invalid\" ($.Values.web.command)) }}\n  \
             command: {{- toYaml ($.Values.web.command) | nindent 4 }}\n  {{- end }}\n",
        );
    }

    #[test]
    fn a_block_first_in_a_list_item_gets_the_dash_a_line_of_its_own() {
        let host = Action::IfNotEmpty {
            expr: "$.Values.web.host".into(),
            scalar: true,
        };
        check(
            json!({"rules": [{"host": host.placeholder()}]}),
            "rules:\n-\n  {{- with ($.Values.web.host) }}\n  host: {{ toJson . }}\n  \
             {{- end }}\n",
        );
    }

    #[test]
    fn labels_start_with_the_common_ones() {
        let labels = BTreeMap::from([("app.kubernetes.io/name".to_string(), "web".to_string())]);
        check(
            json!({"metadata": {"labels": Action::Labels(labels).placeholder(), "name": "web"}}),
            "metadata:\n  labels:\n    {{- include \"shop.labels\" $ | nindent 4 }}\n    \
             app.kubernetes.io/name: web\n  name: web\n",
        );
    }

    #[test]
    fn template_text_in_the_object_is_escaped() {
        check(
            json!({"data": {"page.html": "<p>{{ name }}</p>"}}),
            // Helm prints `"<p>{{ name }}</p>"`, the printer's quoting intact.
            "data:\n  page.html: \"<p>{{ \"{{\" }} name }}</p>\"\n",
        );
    }

    #[test]
    fn a_wrapped_object_renders_only_under_its_condition() {
        assert_eq!(
            render(
                &json!({"kind": "Service"}),
                Some("$.Values.web.enabled"),
                &helpers()
            ),
            "{{- if $.Values.web.enabled }}\nkind: Service\n{{- end }}\n"
        );
    }

    #[test]
    fn values_of_names_that_are_not_identifiers_are_indexed() {
        assert_eq!(values_expr(&["web", "image"]), "$.Values.web.image");
        assert_eq!(
            values_expr(&["my-app", "env", "A.B"]),
            "(index $.Values \"my-app\" \"env\" \"A.B\")"
        );
    }

    #[test]
    fn env_entries_the_values_do_not_hold_are_passed_as_json() {
        let env = Action::Env {
            values: "$.Values.db.env".into(),
            fixed: vec![
                json!({"name": "P", "valueFrom": {"secretKeyRef": {"key": "P", "name": "db-env"}}}),
            ],
        };
        let text = render(&json!({"env": env.placeholder()}), None, &helpers());
        assert!(text.contains(
            "include \"shop.env\" (list ($.Values.db.env) (fromJsonArray \
             `[{\"name\":\"P\",\"valueFrom\":{\"secretKeyRef\":{\"key\":\"P\",\"name\":\"db-env\"}}}]`))"
        ), "{text}");
    }
}
