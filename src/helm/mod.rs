//! Helm chart output (`convert --helm -o DIR`): a chart whose default values render
//! exactly the objects `convert` writes, but for the Secrets it leaves to the user and
//! Helm's own labels, and one values file per overlay.
//!
//! The chart is made from the same typed objects as `convert`'s output: `extract` turns
//! each object into a skeleton (the object with the exposed fields replaced by
//! placeholders) and the values that fill them, `template` prints skeletons as templates,
//! and `values` holds the values' types, from which `values.schema.json` is generated.
//! Object names and selectors are `convert`'s, so a release can take over objects first
//! applied from `convert`'s output (docs/helm.md says why names are not release-prefixed).
//!
//! An overlay (`--overlay NAME=FILES`) is translated on its own; `values-NAME.yaml` holds
//! what differs between its values and the base's. Whatever the overlay changes outside
//! the values (its skeletons differ from the chart's) is returned as a problem, by object
//! and field, so that it is reported instead of dropped.

mod extract;
pub mod template;
pub mod values;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value as Json};

use crate::manifest::Identity;
use crate::translate::{ProvidedValues, Translation};
use extract::{extract, Skeleton};
use template::{escape_actions, values_expr, Helpers};

/// The version written in `Chart.yaml`; the user's to change.
pub const CHART_VERSION: &str = "0.1.0";

/// A translated project and its services' names as written in the compose files.
pub struct Source<'a> {
    pub services: Vec<String>,
    pub translation: &'a Translation,
}

/// The files of a chart, relative to its directory, and what the overlays change that
/// their values files cannot say.
#[derive(Debug, Clone, Default)]
pub struct Chart {
    pub files: Vec<(String, String)>,
    /// Each change an overlay makes outside the values: the compose key it concerns
    /// (`services.web`, or empty for an object of no one service) and what it is.
    pub unexpressed: Vec<(String, String)>,
    /// The Secrets the chart does not render with its default values.
    pub secrets_left_to_user: Vec<String>,
}

/// The chart of project `name` from its base and overlays.
pub fn render_chart(
    name: &str,
    base: &Source,
    overlays: &[(String, Source)],
) -> Result<Chart, String> {
    for source in std::iter::once(base).chain(overlays.iter().map(|(_, s)| s)) {
        if let Some(service) = source
            .services
            .iter()
            .find(|s| values::RESERVED_KEYS.contains(&s.as_str()))
        {
            return Err(format!(
                "the service `{service}` has the name of the chart's own `{service}` values; \
                 rename the service to write a chart"
            ));
        }
    }
    let helpers = Helpers {
        chart: name.to_string(),
    };
    let base_extracted = extract(&base.services, base.translation);
    let mut objects: Vec<Skeleton> = base_extracted.objects.clone();
    let mut secrets = base_extracted.secrets.clone();
    let mut sources: BTreeMap<Identity, ProvidedValues> = base.translation.provided.clone();
    let mut values = to_json(&base_extracted.values);
    let base_services: BTreeSet<&String> = base.services.iter().collect();
    let base_identities: BTreeSet<Identity> = objects.iter().map(|o| o.identity.clone()).collect();
    // Where each object of the chart is in `objects`: overlays look up every object.
    let mut chart_index: BTreeMap<Identity, usize> = objects
        .iter()
        .enumerate()
        .map(|(i, o)| (o.identity.clone(), i))
        .collect();
    let mut unexpressed = Vec::new();
    let mut overlay_values = Vec::new();
    for (overlay_name, overlay) in overlays {
        let extracted = extract(&overlay.services, overlay.translation);
        let mut problems: Vec<(&Skeleton, String)> = Vec::new();
        let mut added = Vec::new();
        let by_identity: BTreeMap<&Identity, &Skeleton> =
            extracted.objects.iter().map(|o| (&o.identity, o)).collect();
        for object in &objects {
            if !by_identity.contains_key(&object.identity)
                && base_identities.contains(&object.identity)
            {
                problems.push((
                    object,
                    format!(
                        "removes the {} `{}`",
                        object.identity.kind, object.identity.name
                    ),
                ));
            }
        }
        for object in &extracted.objects {
            match chart_index.get(&object.identity).map(|&i| &objects[i]) {
                Some(existing) => {
                    if existing.body != object.body {
                        let paths: Vec<String> =
                            crate::kustomize::json_patch(&existing.body, &object.body)
                                .iter()
                                .filter_map(|op| op["path"].as_str().map(str::to_string))
                                .collect();
                        problems.push((
                            object,
                            format!(
                                "changes {} of the {} `{}`",
                                paths.join(", "),
                                object.identity.kind,
                                object.identity.name
                            ),
                        ));
                    }
                }
                None => {
                    let added_with_its_service = !object.owners.is_empty()
                        && object.owners.iter().all(|o| !base_services.contains(o));
                    if added_with_its_service {
                        added.push(object.clone());
                        if let Some(source) = overlay.translation.provided.get(&object.identity) {
                            sources.insert(object.identity.clone(), source.clone());
                        }
                    } else {
                        problems.push((
                            object,
                            format!(
                                "adds the {} `{}` to services the base has",
                                object.identity.kind, object.identity.name
                            ),
                        ));
                    }
                }
            }
        }
        for (secret, detail) in &extracted.secrets {
            secrets
                .entry(secret.clone())
                .or_insert_with(|| detail.clone());
        }
        let overlay_json = to_json(&extracted.values);
        add_missing(&mut values, &overlay_json);
        for (object, problem) in problems {
            let key = match object.owners.as_slice() {
                [owner] => format!("services.{owner}"),
                _ => String::new(),
            };
            unexpressed.push((
                key,
                format!(
                    "overlay {overlay_name}: the override {problem}, which the chart's values \
                     do not express; values-{overlay_name}.yaml leaves it out"
                ),
            ));
        }
        for object in added {
            chart_index.insert(object.identity.clone(), objects.len());
            objects.push(object);
        }
        overlay_values.push((overlay_name.clone(), overlay_json));
    }
    let service_names: Vec<String> = values
        .as_object()
        .map(|map| {
            map.keys()
                .filter(|k| !values::RESERVED_KEYS.contains(&k.as_str()))
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    let mut files = vec![
        ("Chart.yaml".to_string(), chart_yaml(name)),
        (".helmignore".to_string(), HELMIGNORE.to_string()),
        (
            "values.yaml".to_string(),
            values_file(
                &format!("Default values of the {name} chart: with them, the chart renders what `compose2k8s convert` writes."),
                &values,
            ),
        ),
        (
            "values.schema.json".to_string(),
            serde_json::to_string_pretty(&values::json_schema(&service_names))
                .unwrap_or_default()
                + "\n",
        ),
        ("templates/_helpers.tpl".to_string(), helpers_tpl(name)),
        (
            "templates/NOTES.txt".to_string(),
            notes(name, &values, &secrets, &sources),
        ),
    ];
    for (overlay_name, overlay_json) in &overlay_values {
        let changed = values_diff(&values, overlay_json, true).unwrap_or(Json::Object(Map::new()));
        files.push((
            format!("values-{overlay_name}.yaml"),
            values_file(
                &format!("What the overlay `{overlay_name}` changes: `helm install -f values-{overlay_name}.yaml`."),
                &changed,
            ),
        ));
    }
    // Thousands of templates in a large project: rendered on every core, in order.
    files.extend(crate::parallel::map(&objects, |object| {
        let condition = condition(object);
        (
            object.file.clone(),
            template::render(&object.body, condition.as_deref(), &helpers),
        )
    }));
    Ok(Chart {
        files,
        unexpressed,
        secrets_left_to_user: secrets.keys().cloned().collect(),
    })
}

fn to_json(values: &values::Values) -> Json {
    serde_json::to_value(values).unwrap_or(Json::Null)
}

/// Adds the services, Secrets and claims that only `overlay` has to `base`: the chart has
/// their templates, and the base's values turn the services off.
fn add_missing(base: &mut Json, overlay: &Json) {
    let (Some(base), Some(overlay)) = (base.as_object_mut(), overlay.as_object()) else {
        return;
    };
    for (key, value) in overlay {
        match key.as_str() {
            "secrets" | "persistence" => {
                if let (Some(Json::Object(into)), Json::Object(from)) = (base.get_mut(key), value) {
                    for (name, entry) in from {
                        into.entry(name.clone()).or_insert_with(|| entry.clone());
                    }
                }
            }
            _ if !base.contains_key(key) => {
                let mut service = value.clone();
                service["enabled"] = Json::Bool(false);
                base.insert(key.clone(), service);
            }
            _ => {}
        }
    }
}

/// What `overlay` changes in `base`: the keys whose values differ (lists whole), and null
/// for scalar keys it does not have (an environment variable, `replicas`), which Helm
/// reads as "remove". A whole section it does not have (a `service` when the override
/// removed the ports) stays: the templates that read it are still in the chart, and the
/// object's change is reported as beyond the values. In a `collection` (the top level,
/// `secrets`, `persistence`) an entry only another overlay added is not this overlay's
/// to remove, and is left alone.
fn values_diff(base: &Json, overlay: &Json, collection: bool) -> Option<Json> {
    match (base, overlay) {
        (Json::Object(a), Json::Object(b)) => {
            let mut out = Map::new();
            for (key, new) in b {
                match a.get(key) {
                    Some(old) => {
                        let nested = collection && (key == "secrets" || key == "persistence");
                        if let Some(changed) = values_diff(old, new, nested) {
                            out.insert(key.clone(), changed);
                        }
                    }
                    None => {
                        out.insert(key.clone(), new.clone());
                    }
                }
            }
            if !collection {
                for (key, old) in a.iter().filter(|(k, _)| !b.contains_key(*k)) {
                    if !old.is_object() && !old.is_array() {
                        out.insert(key.clone(), Json::Null);
                    }
                }
            }
            (!out.is_empty()).then_some(Json::Object(out))
        }
        _ if base == overlay => None,
        _ => Some(overlay.clone()),
    }
}

/// `{{- if … }}` of an object: any of its owners enabled, and its own conditions.
fn condition(object: &Skeleton) -> Option<String> {
    let mut all: Vec<String> = Vec::new();
    match object.owners.as_slice() {
        [] => {}
        [one] => all.push(values_expr(&[one, "enabled"])),
        several => all.push(format!(
            "(or {})",
            several
                .iter()
                .map(|o| values_expr(&[o, "enabled"]))
                .collect::<Vec<_>>()
                .join(" ")
        )),
    }
    all.extend(object.conditions.iter().cloned());
    match all.len() {
        0 => None,
        1 => all.pop(),
        _ => Some(format!("and {}", all.join(" "))),
    }
}

fn values_file(title: &str, values: &Json) -> String {
    let body = crate::yaml::to_string(values).unwrap_or_default();
    format!("# {title}\n# Types and keys: values.schema.json; the reference is in compose2k8s's README.\n{body}")
}

fn chart_yaml(name: &str) -> String {
    let chart = serde_json::json!({
        "apiVersion": "v2",
        "name": name,
        "description": format!("The {name} Compose project on Kubernetes"),
        "type": "application",
        "version": CHART_VERSION,
        "appVersion": CHART_VERSION,
    });
    crate::yaml::to_string(&chart).unwrap_or_default()
}

const HELMIGNORE: &str = "\
# Files `helm package` leaves out.
.DS_Store
.git/
.gitignore
*.swp
*.bak
*.tmp
*.orig
*~
.compose2k8s-*
";

/// The named templates the objects' templates call. `labels`: Helm's common labels and
/// `global.labels`; `image`: an image reference from its parts; `env`: a container's
/// variables, sorted by name as `convert` sorts them; `pullSecrets`: a pod's pull Secrets.
fn helpers_tpl(chart: &str) -> String {
    HELPERS_TEMPLATE.replace("CHART", chart)
}

const HELPERS_TEMPLATE: &str = r#"{{/* Helm's common labels, then global.labels. Selectors keep compose2k8s's labels only. */}}
{{- define "CHART.labels" -}}
app.kubernetes.io/instance: {{ $.Release.Name | toJson }}
app.kubernetes.io/managed-by: {{ $.Release.Service | toJson }}
helm.sh/chart: {{ printf "%s-%s" $.Chart.Name $.Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" | toJson }}
{{- with $.Values.global.labels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* An image reference: (list IMAGE GLOBAL). */}}
{{- define "CHART.image" -}}
{{- $image := index . 0 -}}
{{- $registry := $image.registry | default (index . 1).imageRegistry -}}
{{- if $registry }}{{ $registry }}/{{ end }}{{ $image.repository }}
{{- if $image.tag }}:{{ $image.tag }}{{ end }}
{{- if $image.digest }}@{{ $image.digest }}{{ end }}
{{- end -}}

{{/* A container's env entries: (list VALUES FIXED); VALUES maps names to values, FIXED
     holds the entries read from elsewhere (valueFrom). Sorted by name. */}}
{{- define "CHART.env" -}}
{{- $entries := dict -}}
{{- range $name, $value := index . 0 -}}
{{- if not (kindIs "invalid" $value) -}}
{{- $_ := set $entries $name (dict "name" $name "value" (toString $value)) -}}
{{- end -}}
{{- end -}}
{{- range index . 1 -}}
{{- $_ := set $entries .name . -}}
{{- end -}}
{{- range $name := keys $entries | sortAlpha }}
- {{ toJson (index $entries $name) }}
{{- end -}}
{{- end -}}

{{/* A pod's imagePullSecrets: (list SERVICE GLOBAL), each a list of names. */}}
{{- define "CHART.pullSecrets" -}}
{{- range $name := concat (index . 0 | default list) (index . 1 | default list) | uniq }}
- name: {{ toJson $name }}
{{- end -}}
{{- end -}}
"#;

/// `NOTES.txt`: what was installed, how to reach each published port, and the Secrets the
/// user creates (with the `kubectl` command for each).
fn notes(
    chart: &str,
    values: &Json,
    secrets: &BTreeMap<String, (String, Vec<String>)>,
    sources: &BTreeMap<Identity, ProvidedValues>,
) -> String {
    let mut out = format!(
        "The {chart} chart is installed as the release {{{{ .Release.Name }}}} in the \
         namespace {{{{ .Release.Namespace }}}}.\n"
    );
    let empty = Map::new();
    let services = values.as_object().unwrap_or(&empty);
    let mut reachable = String::new();
    for (service, settings) in services {
        if values::RESERVED_KEYS.contains(&service.as_str()) {
            continue;
        }
        let name = crate::translate::names::dns_label(service);
        if settings.get("service").is_some() {
            reachable.push_str(&format!(
                "{{{{- if {enabled} }}}}\n{{{{- range {ports} }}}}\n  \
                 kubectl port-forward --namespace {{{{ $.Release.Namespace }}}} service/{name} \
                 {{{{ .port }}}}:{{{{ .port }}}}\n{{{{- end }}}}\n{{{{- end }}}}\n",
                enabled = values_expr(&[service, "enabled"]),
                ports = values_expr(&[service, "service", "ports"]),
            ));
        }
        if settings.get("ingress").is_some() {
            let ingress = |key: &str| values_expr(&[service, "ingress", key]);
            reachable.push_str(&format!(
                "{{{{- if and {enabled} {on} }}}}\n  {service}: the Ingress `{name}`\
                 {{{{ with {host} }}}} at http://{{{{ . }}}}{{{{ end }}}}{{{{ with {path} }}}}{{{{ . }}}}{{{{ end }}}}\n\
                 {{{{- end }}}}\n",
                enabled = values_expr(&[service, "enabled"]),
                on = ingress("enabled"),
                host = ingress("host"),
                path = ingress("path"),
            ));
        }
    }
    if !reachable.is_empty() {
        out.push_str("\nTo reach the published ports from this machine:\n");
        out.push_str(&reachable);
    }
    if !secrets.is_empty() {
        out.push_str(
            "\nThe chart holds no secret value. Unless `secrets.<name>.create` is true (with \
             `stringData`), create these Secrets before the pods can start:\n",
        );
        for (name, (type_, keys)) in secrets {
            let files: BTreeMap<&str, String> = sources
                .iter()
                .filter(|(identity, _)| identity.kind == "Secret" && &identity.name == name)
                .flat_map(|(_, values)| values)
                .filter_map(|(key, origin)| {
                    let path = origin.file()?;
                    let file = std::path::Path::new(path)
                        .file_name()
                        .map(|f| f.to_string_lossy().into_owned())
                        .unwrap_or_else(|| key.clone());
                    Some((key.as_str(), file))
                })
                .collect();
            let command = match type_.as_str() {
                "kubernetes.io/tls" => {
                    format!("kubectl create secret tls {name} --cert=FILE --key=FILE")
                }
                "kubernetes.io/dockerconfigjson" => format!(
                    "kubectl create secret docker-registry {name} --docker-server=… \
                     --docker-username=… --docker-password=…"
                ),
                _ => {
                    let mut command = format!("kubectl create secret generic {name}");
                    if type_ != "Opaque" {
                        command.push_str(&format!(" --type={type_}"));
                    }
                    for key in keys {
                        match files.get(key.as_str()) {
                            Some(file) => command.push_str(&format!(" --from-file={key}={file}")),
                            None => command.push_str(&format!(" --from-literal={key}=…")),
                        }
                    }
                    command
                }
            };
            out.push_str(&format!(
                "{{{{- if not {create} }}}}\n  {command} --namespace {{{{ $.Release.Namespace }}}}\n{{{{- end }}}}\n",
                create = values_expr(&["secrets", name, "create"]),
                command = escape_actions(&command),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_overlay_values_file_holds_only_what_changes() {
        let base = json!({
            "global": {"labels": {}},
            "secrets": {"db-env": {"create": false}, "extra": {"create": false}},
            "web": {"enabled": true, "replicas": null, "env": {"A": "1", "B": "2"}},
            "monitor": {"enabled": false, "replicas": 1},
        });
        let overlay = json!({
            "global": {"labels": {}},
            "secrets": {"db-env": {"create": false}},
            "web": {"enabled": true, "replicas": 3, "env": {"A": "1"}},
            "monitor": {"enabled": true, "replicas": 1},
        });
        assert_eq!(
            values_diff(&base, &overlay, true),
            Some(json!({
                "web": {"replicas": 3, "env": {"B": null}},
                "monitor": {"enabled": true},
            }))
        );
    }

    #[test]
    fn services_only_an_overlay_has_are_off_in_the_base() {
        let mut base = json!({"secrets": {}, "persistence": {}, "web": {"enabled": true}});
        let overlay = json!({
            "secrets": {"m-env": {"create": false}},
            "persistence": {},
            "web": {"enabled": true, "replicas": 2},
            "monitor": {"enabled": true},
        });
        add_missing(&mut base, &overlay);
        assert_eq!(
            base,
            json!({
                "secrets": {"m-env": {"create": false}},
                "persistence": {},
                "web": {"enabled": true},
                "monitor": {"enabled": false},
            })
        );
    }
}
