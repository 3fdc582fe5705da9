//! Network aliases (`networks: {front: {aliases: [api]}}`) as extra Services: a Service
//! named after the alias, selecting the same pods on the same ports, so that other
//! services reach it by the alias as they did in Compose.
//!
//! They are written always, not only with `--network-policies`: without them an address
//! that uses the alias does not resolve. A Kubernetes Service name is known to the whole
//! namespace, where a Compose alias is known on its network only; the report says so.
//! Aliases that would give two objects one name were refused before translation
//! ([`check_collisions`]).

use std::collections::BTreeSet;

use indexmap::IndexMap;
use k8s_openapi::api::core::v1::{Service as KubeService, ServicePort, ServiceSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::names::labels;
use super::network::service_name;
use super::shared_pod::pod_owner;
use super::Context;
use crate::compose::model::{Project, Service};
use crate::diagnostic::Diagnostic;
use crate::manifest::Manifest;
use crate::value::KeyPath;

/// One alias of a service, where it is written.
struct Alias<'p> {
    network: &'p str,
    index: usize,
    alias: &'p str,
}

impl Alias<'_> {
    fn key(&self) -> String {
        format!("networks.{}.aliases[{}]", self.network, self.index)
    }

    fn path(&self, service: &str) -> KeyPath {
        KeyPath::root()
            .key("services")
            .key(service)
            .key("networks")
            .key(self.network)
            .key("aliases")
            .index(self.index)
    }
}

/// The aliases of a service that name something other than the service itself.
fn aliases<'p>(name: &str, service: &'p Service) -> Vec<Alias<'p>> {
    let own = service_name(name);
    service
        .networks
        .0
        .iter()
        .filter_map(|(network, attachment)| Some((network, attachment.as_ref()?)))
        .flat_map(|(network, attachment)| {
            attachment
                .aliases
                .iter()
                .enumerate()
                .map(move |(index, alias)| Alias {
                    network,
                    index,
                    alias,
                })
        })
        .filter(|alias| service_name(alias.alias) != own)
        .collect()
}

/// The Services of `name`'s aliases, copies of its own Service (`objects` holds it) under
/// the alias's name. Without a Service of its own there is nothing to copy: reported.
pub fn alias_services(
    cx: &mut Context<'_>,
    name: &str,
    service: &Service,
    objects: &[Manifest],
) -> Vec<Manifest> {
    let own_name = service_name(name);
    let own = objects.iter().find_map(|m| match m {
        Manifest::Service(s) if s.metadata.name.as_deref() == Some(&own_name) => Some(s),
        _ => None,
    });
    let mut written = BTreeSet::new();
    let mut services = Vec::new();
    for alias in aliases(name, service) {
        let alias_name = service_name(alias.alias);
        let Some(own) = own else {
            cx.report.warn_with_hint(
                name,
                &alias.key(),
                format!(
                    "the service has no ports or expose, so no Service: the alias {:?} gets \
                     none either, and does not resolve",
                    alias.alias
                ),
                "`expose` the port it listens on",
            );
            continue;
        };
        if !written.insert(alias_name.clone()) {
            continue;
        }
        cx.report.info(
            name,
            &alias.key(),
            format!(
                "becomes the Service `{alias_name}`, on the same pods and ports as `{own_name}`; \
                 every pod of the namespace resolves it, not only those on the network {}",
                alias.network
            ),
        );
        services.push(Manifest::Service(Box::new(alias_service(
            cx.project_name(),
            name,
            &alias_name,
            own,
        ))));
    }
    services
}

/// A copy of the service's own Service under another name: the selector and the ports,
/// headless if it is. It is a ClusterIP Service even when the original is a NodePort or a
/// LoadBalancer: one entry point from outside is enough.
fn alias_service(project: &str, name: &str, alias_name: &str, own: &KubeService) -> KubeService {
    let spec = own.spec.clone().unwrap_or_default();
    let headless = spec.cluster_ip.as_deref() == Some("None");
    KubeService {
        metadata: ObjectMeta {
            name: Some(alias_name.to_string()),
            labels: Some(labels(project, name)),
            ..Default::default()
        },
        spec: Some(ServiceSpec {
            type_: (!headless).then(|| "ClusterIP".to_string()),
            cluster_ip: headless.then(|| "None".to_string()),
            selector: spec.selector,
            ports: spec.ports.map(|ports| {
                ports
                    .into_iter()
                    .map(|port| ServicePort {
                        node_port: None,
                        ..port
                    })
                    .collect()
            }),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// Aliases whose Service name is already taken: by another service's Service, or by an
/// alias of another service. An alias may name a service that runs in its own pod
/// (`network_mode: service:…`), which has no Service of its own.
pub fn check_collisions(project: &Project) -> Vec<Diagnostic> {
    let mut errors = Vec::new();
    let mut taken: IndexMap<String, (String, String)> = IndexMap::new();
    for name in project.services.keys() {
        taken.insert(
            service_name(name),
            (name.clone(), format!("the service `{name}`")),
        );
    }
    for (name, service) in &project.services {
        for alias in aliases(name, service) {
            let alias_name = service_name(alias.alias);
            let path = alias.path(name);
            match taken.get(&alias_name) {
                Some((owner, _)) if owner == name => {}
                Some((owner, _))
                    if project.services.contains_key(owner.as_str())
                        && alias_name == service_name(owner)
                        && pod_owner(project, owner) == name => {}
                Some((_, first)) => errors.push(
                    Diagnostic::error(format!(
                        "the alias {:?} and {first} both become the Service `{alias_name}`; \
                         rename the alias",
                        alias.alias
                    ))
                    .at_path(path.clone()),
                ),
                None => {
                    let first = format!("the alias {:?} at `{path}`", alias.alias);
                    taken.insert(alias_name, (name.clone(), first));
                }
            }
        }
    }
    errors
}
