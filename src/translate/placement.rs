//! `deploy.placement`: Swarm constraints as required node affinity, spread preferences as
//! topology spread constraints, `max_replicas_per_node: 1` as a pod anti-affinity. What has no node label in
//! Kubernetes (`node.id`, engine labels) is reported.

use k8s_openapi::api::core::v1::{
    Affinity, NodeAffinity, NodeSelector, NodeSelectorRequirement, NodeSelectorTerm,
    PodAffinityTerm, PodAntiAffinity, TopologySpreadConstraint,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

use super::names::selector;
use super::Code;
use super::Context;
use crate::compose::model::Service;
use crate::validation::is_qualified_name;

const KEY: &str = "deploy.placement";

/// The pod's node affinity and topology spread constraints.
pub fn placement(
    cx: &mut Context<'_>,
    name: &str,
    service: &Service,
) -> (Option<Affinity>, Option<Vec<TopologySpreadConstraint>>) {
    let Some(placement) = service.deploy.as_ref().map(|d| &d.placement) else {
        return (None, None);
    };
    let mut requirements = Vec::new();
    for (i, constraint) in placement.constraints.iter().enumerate() {
        match requirement(constraint) {
            Ok(requirement) => requirements.push(requirement),
            Err(reason) => cx.report.warn(
                Code::DeploySettingNotTranslated,
                name,
                &format!("{KEY}.constraints[{i}]"),
                format!("{constraint:?}: {reason}; it is left out"),
            ),
        }
    }
    let affinity = (!requirements.is_empty()).then(|| Affinity {
        node_affinity: Some(NodeAffinity {
            required_during_scheduling_ignored_during_execution: Some(NodeSelector {
                node_selector_terms: vec![NodeSelectorTerm {
                    match_expressions: Some(requirements),
                    ..Default::default()
                }],
            }),
            ..Default::default()
        }),
        ..Default::default()
    });
    let project = cx.project_name().to_string();
    let label_selector = || LabelSelector {
        match_labels: Some(selector(&project, name)),
        ..Default::default()
    };
    let mut spread = Vec::new();
    for (i, preference) in placement.preferences.iter().enumerate() {
        let Some(label) = preference.spread.as_deref() else {
            continue;
        };
        match node_label(label) {
            Some(key) => spread.push(TopologySpreadConstraint {
                max_skew: 1,
                topology_key: key,
                when_unsatisfiable: "ScheduleAnyway".to_string(),
                label_selector: Some(label_selector()),
                ..Default::default()
            }),
            None => cx.report.warn(
                Code::DeploySettingNotTranslated,
                name,
                &format!("{KEY}.preferences[{i}].spread"),
                format!("{label:?} is not a node label; it is left out"),
            ),
        }
    }
    let mut affinity = affinity;
    match placement.max_replicas_per_node {
        0 => {}
        // One per node is a required anti-affinity to the service's own pods.
        1 => {
            affinity
                .get_or_insert_with(Default::default)
                .pod_anti_affinity = Some(PodAntiAffinity {
                required_during_scheduling_ignored_during_execution: Some(vec![PodAffinityTerm {
                    label_selector: Some(label_selector()),
                    topology_key: "kubernetes.io/hostname".to_string(),
                    ..Default::default()
                }]),
                ..Default::default()
            });
        }
        _ => cx.report.warn(
            Code::DeploySettingNotTranslated,
            name,
            &format!("{KEY}.max_replicas_per_node"),
            "Kubernetes caps pods per node only at one (a pod anti-affinity); it is left out",
        ),
    }
    (affinity, (!spread.is_empty()).then_some(spread))
}

/// `node.labels.zone == a` → `zone In [a]`; hostname, OS and architecture use the
/// well-known node labels.
fn requirement(constraint: &str) -> Result<NodeSelectorRequirement, String> {
    let (field, operator, value) = if let Some((f, v)) = constraint.split_once("!=") {
        (f, "NotIn", v)
    } else if let Some((f, v)) = constraint.split_once("==") {
        (f, "In", v)
    } else {
        return Err("expected `==` or `!=`".to_string());
    };
    let field = field.trim();
    let value = value.trim();
    if field == "node.role" {
        let control_plane = "node-role.kubernetes.io/control-plane";
        let manager = match value {
            "manager" => true,
            "worker" => false,
            _ => return Err("a node role is `manager` or `worker`".to_string()),
        };
        let exists = manager == (operator == "In");
        return Ok(NodeSelectorRequirement {
            key: control_plane.to_string(),
            operator: if exists { "Exists" } else { "DoesNotExist" }.to_string(),
            values: None,
        });
    }
    let key = node_label(field).ok_or("no Kubernetes node label corresponds")?;
    let valid_value = value.len() <= 63
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
    if !valid_value {
        return Err(format!("{value:?} is not a valid node label value"));
    }
    let value = match (key.as_str(), value) {
        ("kubernetes.io/arch", "x86_64") => "amd64",
        ("kubernetes.io/arch", "aarch64") => "arm64",
        _ => value,
    };
    Ok(NodeSelectorRequirement {
        key,
        operator: operator.to_string(),
        values: Some(vec![value.to_string()]),
    })
}

fn node_label(field: &str) -> Option<String> {
    match field {
        "node.hostname" => Some("kubernetes.io/hostname".to_string()),
        "node.platform.os" => Some("kubernetes.io/os".to_string()),
        "node.platform.arch" => Some("kubernetes.io/arch".to_string()),
        _ => field
            .strip_prefix("node.labels.")
            .filter(|label| is_qualified_name(label))
            .map(String::from),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(constraint: &str, expected: Result<(&str, &str, Option<&str>), ()>) {
        let actual = requirement(constraint)
            .map(|r| (r.key, r.operator, r.values.map(|v| v.join(","))))
            .map_err(|_| ());
        let expected =
            expected.map(|(k, o, v)| (k.to_string(), o.to_string(), v.map(String::from)));
        assert_eq!(actual, expected, "{constraint}");
    }

    #[test]
    fn constraints_become_node_selector_requirements() {
        check("node.labels.zone == east", Ok(("zone", "In", Some("east"))));
        check("node.labels.ssd!=true", Ok(("ssd", "NotIn", Some("true"))));
        check(
            "node.hostname==n1",
            Ok(("kubernetes.io/hostname", "In", Some("n1"))),
        );
        check(
            "node.platform.arch == x86_64",
            Ok(("kubernetes.io/arch", "In", Some("amd64"))),
        );
        check(
            "node.role == manager",
            Ok(("node-role.kubernetes.io/control-plane", "Exists", None)),
        );
        check(
            "node.role != manager",
            Ok((
                "node-role.kubernetes.io/control-plane",
                "DoesNotExist",
                None,
            )),
        );
        check("node.id == abc", Err(()));
        check("engine.labels.x == y", Err(()));
        check("node.labels.zone", Err(()));
    }
}
