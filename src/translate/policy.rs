//! `networks` as NetworkPolicies (`--network-policies`): in Compose a container reaches only
//! the containers of the networks it shares; in a namespace every pod reaches every pod.
//!
//! Each network in use becomes one NetworkPolicy (`<project>-<network>`) that selects the
//! pods of the services on it, by a label on the pods (`network.compose2k8s.io/<network>:
//! "true"`) and the project's `part-of` label, and lets in connections from pods with the
//! same labels. A pod on several networks is selected by several policies, and Kubernetes
//! lets in what any of them allows. Services without `networks` are on `default`.
//!
//! What Compose opens beyond the networks is opened too: a port published on the host is
//! reachable from anywhere (`<project>-<service>-published`), and so are the ports of a
//! Service that `x-kubernetes` exposes (Ingress, NodePort, LoadBalancer). `network_mode:
//! none` cuts the pod off (`<project>-<service>-isolated`). An external network is shared
//! with other projects: its label is its Docker name and its policy lets in pods of any
//! project in the namespace. A pod only on `internal` networks (no route out in Compose)
//! may connect only to the pods of its networks and to DNS (`<project>-<service>-internal`);
//! a pod also on another network keeps its route out, as in Compose.

use std::collections::BTreeMap;

use indexmap::IndexMap;
use k8s_openapi::api::networking::v1::{
    NetworkPolicy, NetworkPolicyEgressRule, NetworkPolicyIngressRule, NetworkPolicyPeer,
    NetworkPolicyPort, NetworkPolicySpec,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::names::{dns_label, joined, project_labels, selector, UniqueNames};
use super::network::{kube_protocol, service_name};
use super::Code;
use super::Context;
use crate::compose::model::{Project, Protocol, Service};
use crate::diagnostic::Diagnostic;
use crate::extension::ServiceType;
use crate::manifest::Manifest;
use crate::value::KeyPath;

/// The label key prefix that marks a pod as being on a network.
pub const NETWORK_LABEL_PREFIX: &str = "network.compose2k8s.io/";

/// The project-wide label that scopes every selector to the project.
const PART_OF: &str = "app.kubernetes.io/part-of";

/// The label that marks the pods on `network`: after its key, or for an external network
/// after its Docker name, which other projects use too.
fn network_label(project: &Project, network: &str) -> String {
    let definition = project.networks.get(network);
    let name = match definition {
        Some(d) if d.external.is_external => d.name.as_deref().unwrap_or(network),
        _ => network,
    };
    format!("{NETWORK_LABEL_PREFIX}{}", dns_label(name))
}

fn is_external(project: &Project, network: &str) -> bool {
    project
        .networks
        .get(network)
        .is_some_and(|d| d.external.is_external)
}

/// The networks a service's pod is on (a service in another's pod has none of its own).
fn networks_of(service: &Service) -> impl Iterator<Item = &str> {
    service.networks.0.keys().map(String::as_str)
}

/// The labels that put `name`'s pods on their networks; none without `--network-policies`.
pub fn pod_labels(cx: &Context<'_>, service: &Service) -> BTreeMap<String, String> {
    if !cx.options.network_policies {
        return BTreeMap::new();
    }
    networks_of(service)
        .map(|network| (network_label(cx.input.project, network), "true".to_string()))
        .collect()
}

/// Networks whose labels would be the same after the change to a label name: an error
/// naming both, as the policies would mix their pods.
pub fn check_collisions(project: &Project) -> Vec<Diagnostic> {
    let mut errors = Vec::new();
    let mut seen: IndexMap<String, &String> = IndexMap::new();
    for network in project.networks.keys().filter(|n| in_use(project, n)) {
        let label = network_label(project, network);
        match seen.get(&label) {
            Some(first) => errors.push(
                Diagnostic::error(format!(
                    "`networks.{first}` and `networks.{network}` both become the pod label \
                     `{label}` with --network-policies; rename one of them"
                ))
                .at_path(KeyPath::root().key("networks").key(network)),
            ),
            None => {
                seen.insert(label, network);
            }
        }
    }
    errors
}

fn in_use(project: &Project, network: &str) -> bool {
    project
        .services
        .values()
        .any(|s| s.networks.0.contains_key(network))
}

/// The NetworkPolicies of the project, with `--network-policies`; `manifests` are the other
/// objects (the Services whose ports `x-kubernetes` exposes).
pub fn policies(cx: &mut Context<'_>, manifests: &[Manifest]) -> Vec<Manifest> {
    if !cx.options.network_policies {
        return Vec::new();
    }
    let project = cx.input.project;
    let mut names = UniqueNames::default();
    let mut policies = Vec::new();
    for network in project.networks.keys().filter(|n| in_use(project, n)) {
        policies.push(network_policy(cx, &mut names, network));
    }
    for (name, service) in &project.services {
        if cx.index.pods.is_guest(name) {
            continue;
        }
        policies.extend(open_ports_policy(cx, &mut names, name, service, manifests));
        policies.extend(internal_policy(cx, &mut names, name, service));
        policies.extend(network_mode_policy(cx, &mut names, name, service));
    }
    policies
}

fn policy(
    cx: &Context<'_>,
    name: String,
    pods: BTreeMap<String, String>,
    spec: NetworkPolicySpec,
) -> Manifest {
    Manifest::NetworkPolicy(Box::new(NetworkPolicy {
        metadata: ObjectMeta {
            name: Some(name),
            labels: Some(project_labels(cx.project_name())),
            ..Default::default()
        },
        spec: Some(NetworkPolicySpec {
            pod_selector: Some(LabelSelector {
                match_labels: Some(pods),
                ..Default::default()
            }),
            ..spec
        }),
    }))
}

/// The policy of one network: its pods accept connections from its pods.
fn network_policy(cx: &mut Context<'_>, names: &mut UniqueNames, network: &str) -> Manifest {
    let project = cx.input.project;
    let label = network_label(project, network);
    let part_of = dns_label(cx.project_name());
    let mut own_pods = BTreeMap::from([(label.clone(), "true".to_string())]);
    own_pods.insert(PART_OF.to_string(), part_of);
    let external = is_external(project, network);
    let name = names.claim(&joined(&[cx.project_name(), network]));
    let members: Vec<&str> = project
        .services
        .iter()
        .filter(|(_, s)| s.networks.0.contains_key(network))
        .map(|(n, _)| n.as_str())
        .collect();
    let key = format!("networks.{network}");
    cx.report.info_project(
        Code::NetworkPolicy,
        &key,
        format!(
            "becomes the NetworkPolicy `{name}`: the pods of {} (label {label}) accept \
             connections only from pods on the network{}",
            members.join(", "),
            if external {
                ", of any project in the namespace, as the network is external"
            } else {
                ""
            }
        ),
    );
    report_network_options(cx, network, &key);
    policy(
        cx,
        name,
        own_pods,
        NetworkPolicySpec {
            policy_types: Some(vec!["Ingress".to_string()]),
            ingress: Some(vec![NetworkPolicyIngressRule {
                from: Some(vec![peers(cx, network)]),
                ports: None,
            }]),
            ..Default::default()
        },
    )
}

/// The pods on `network`: the project's, or for an external network any project's, whose
/// pods carry the same label.
fn peers(cx: &Context<'_>, network: &str) -> NetworkPolicyPeer {
    let project = cx.input.project;
    let mut labels = BTreeMap::from([(network_label(project, network), "true".to_string())]);
    if !is_external(project, network) {
        labels.insert(PART_OF.to_string(), dns_label(cx.project_name()));
    }
    NetworkPolicyPeer {
        pod_selector: Some(LabelSelector {
            match_labels: Some(labels),
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn is_internal(project: &Project, network: &str) -> bool {
    project.networks.get(network).is_some_and(|d| d.internal)
}

/// A pod whose networks are all `internal` has no route out in Compose: it may connect to
/// the pods of its networks, and to the cluster's DNS on port 53 to find them.
fn internal_policy(
    cx: &mut Context<'_>,
    names: &mut UniqueNames,
    name: &str,
    service: &Service,
) -> Option<Manifest> {
    let project = cx.input.project;
    let networks: Vec<&str> = networks_of(service).collect();
    if networks.is_empty() || !networks.iter().all(|n| is_internal(project, n)) {
        return None;
    }
    let policy_name = names.claim(&joined(&[cx.project_name(), name, "internal"]));
    cx.report.info(
        Code::NetworkPolicy,
        name,
        "networks",
        format!(
            "only on internal networks ({}): the NetworkPolicy `{policy_name}` lets the pod \
             connect only to their pods and to DNS",
            networks.join(", ")
        ),
    );
    let dns = [Protocol::Udp, Protocol::Tcp]
        .into_iter()
        .map(|protocol| policy_port(53, protocol))
        .collect();
    Some(policy(
        cx,
        policy_name,
        selector(cx.project_name(), name),
        NetworkPolicySpec {
            policy_types: Some(vec!["Egress".to_string()]),
            egress: Some(vec![
                NetworkPolicyEgressRule {
                    to: Some(networks.iter().map(|n| peers(cx, n)).collect()),
                    ports: None,
                },
                NetworkPolicyEgressRule {
                    to: None,
                    ports: Some(dns),
                },
            ]),
            ..Default::default()
        },
    ))
}

/// What a NetworkPolicy cannot say about a network.
fn report_network_options(cx: &mut Context<'_>, network: &str, key: &str) {
    let Some(definition) = cx.input.project.networks.get(network) else {
        return;
    };
    let project = cx.input.project;
    let with_route_out: Vec<&str> = project
        .services
        .iter()
        .filter(|(_, s)| s.networks.0.contains_key(network))
        .filter(|(_, s)| networks_of(s).any(|n| !is_internal(project, n)))
        .map(|(n, _)| n.as_str())
        .collect();
    if definition.internal && !with_route_out.is_empty() {
        cx.report.info_project(
            Code::NetworkPolicy,
            &format!("{key}.internal"),
            format!(
                "{} {} also on a network with a route out: {} pods reach outside the cluster, \
                 as in Compose; pods only on internal networks do not",
                with_route_out.join(", "),
                if with_route_out.len() == 1 {
                    "is"
                } else {
                    "are"
                },
                if with_route_out.len() == 1 {
                    "its"
                } else {
                    "their"
                },
            ),
        );
    }
    let mut ignored = Vec::new();
    if definition
        .driver
        .as_deref()
        .is_some_and(|d| !matches!(d, "bridge" | "overlay"))
    {
        ignored.push("driver");
    }
    if !definition.driver_opts.is_empty() {
        ignored.push("driver_opts");
    }
    if !definition.ipam.config.is_empty() || definition.ipam.driver.is_some() {
        ignored.push("ipam");
    }
    if definition.enable_ipv6.is_some() || definition.enable_ipv4.is_some() {
        ignored.push("enable_ipv4/enable_ipv6");
    }
    if !ignored.is_empty() {
        cx.report.info_project(
            Code::NetworkSettingNotTranslated,
            key,
            format!(
                "{}: the cluster network assigns addresses; not carried over",
                ignored.join(", ")
            ),
        );
    }
}

/// The ports anyone may connect to, as in Compose: those published on the host (but not
/// those published on a loopback address, which only the host reaches, and which then
/// admit the service's networks as its other ports do), and the Service ports that
/// `x-kubernetes` opens to the outside (Ingress, NodePort, LoadBalancer).
fn open_ports_policy(
    cx: &mut Context<'_>,
    names: &mut UniqueNames,
    name: &str,
    service: &Service,
    manifests: &[Manifest],
) -> Option<Manifest> {
    let mut open: Vec<(u16, Protocol)> = std::iter::once(service)
        .chain(cx.index.pods.guests(name).iter().map(|&(_, s)| s))
        .flat_map(|s| {
            s.ports
                .iter()
                .filter(|p| !p.published_on_loopback())
                .map(|p| (p.target, p.protocol))
        })
        .collect();
    let extension = cx.input.extensions.service(name);
    let exposed_type = extension
        .service
        .as_ref()
        .and_then(|s| s.type_)
        .is_some_and(|t| matches!(t, ServiceType::NodePort | ServiceType::LoadBalancer));
    if extension.ingress.is_some() || exposed_type {
        open.extend(service_targets(manifests, &service_name(name)));
    }
    let mut seen = Vec::new();
    open.retain(|port| {
        let first = !seen.contains(port);
        seen.push(*port);
        first
    });
    if open.is_empty() || service.networks.0.is_empty() {
        return None;
    }
    let policy_name = names.claim(&joined(&[cx.project_name(), name, "published"]));
    let list: Vec<String> = open
        .iter()
        .map(|(p, proto)| format!("{p}/{proto}"))
        .collect();
    cx.report.info(
        Code::NetworkPolicy,
        name,
        "ports",
        format!(
            "the NetworkPolicy `{policy_name}` lets any pod or client connect to {} (published \
             or exposed), as in Compose; its other ports admit its networks only",
            list.join(", ")
        ),
    );
    let ports = open
        .into_iter()
        .map(|(port, protocol)| policy_port(port, protocol))
        .collect();
    Some(policy(
        cx,
        policy_name,
        selector(cx.project_name(), name),
        NetworkPolicySpec {
            policy_types: Some(vec!["Ingress".to_string()]),
            ingress: Some(vec![NetworkPolicyIngressRule {
                from: None,
                ports: Some(ports),
            }]),
            ..Default::default()
        },
    ))
}

/// The container ports a Service forwards to.
fn service_targets(manifests: &[Manifest], service: &str) -> Vec<(u16, Protocol)> {
    manifests
        .iter()
        .find_map(|m| match m {
            Manifest::Service(s) if s.metadata.name.as_deref() == Some(service) => {
                s.spec.as_ref().and_then(|spec| spec.ports.clone())
            }
            _ => None,
        })
        .unwrap_or_default()
        .into_iter()
        .filter_map(|port| {
            let target = match port.target_port {
                Some(IntOrString::Int(n)) => u16::try_from(n).ok()?,
                _ => u16::try_from(port.port).ok()?,
            };
            let protocol = match port.protocol.as_deref() {
                Some("UDP") => Protocol::Udp,
                Some("SCTP") => Protocol::Sctp,
                _ => Protocol::Tcp,
            };
            Some((target, protocol))
        })
        .collect()
}

/// `network_mode: none` becomes a policy that admits nothing in or out; other modes put the
/// pod on no network of the project, which the report says.
fn network_mode_policy(
    cx: &mut Context<'_>,
    names: &mut UniqueNames,
    name: &str,
    service: &Service,
) -> Option<Manifest> {
    let mode = service.network_mode.as_deref()?;
    if mode != "none" {
        cx.report.info(
            Code::NetworkPolicy,
            name,
            "network_mode",
            format!(
                "{mode:?}: with --network-policies the pod is on none of the project's \
                 networks, so other services' pods let it in only on their published ports"
            ),
        );
        return None;
    }
    let policy_name = names.claim(&joined(&[cx.project_name(), name, "isolated"]));
    cx.report.info(
        Code::NetworkPolicy,
        name,
        "network_mode",
        format!(
            "none: the NetworkPolicy `{policy_name}` admits no traffic in or out of the pod, \
             as Compose gives the container no network"
        ),
    );
    Some(policy(
        cx,
        policy_name,
        selector(cx.project_name(), name),
        NetworkPolicySpec {
            policy_types: Some(vec!["Ingress".to_string(), "Egress".to_string()]),
            ..Default::default()
        },
    ))
}

/// One port of a policy rule.
fn policy_port(port: u16, protocol: Protocol) -> NetworkPolicyPort {
    NetworkPolicyPort {
        port: Some(IntOrString::Int(i32::from(port))),
        protocol: Some(kube_protocol(protocol).to_string()),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Value;
    use serde::Deserialize;

    #[test]
    fn an_external_network_is_labelled_by_its_docker_name() {
        let project = Project::deserialize(&Value::from_json(&serde_json::json!({
            "services": {"a": {"image": "a", "networks": {"shared": null, "Own_Net": null}}},
            "networks": {
                "shared": {"external": true, "name": "infra_shared"},
                "Own_Net": {},
            },
        })))
        .expect("test project");
        assert_eq!(
            network_label(&project, "shared"),
            "network.compose2k8s.io/infra-shared"
        );
        assert_eq!(
            network_label(&project, "Own_Net"),
            "network.compose2k8s.io/own-net"
        );
        assert!(check_collisions(&project).is_empty());
    }
}
