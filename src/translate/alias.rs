//! Network aliases (`networks: {front: {aliases: [api]}}`) and container names
//! (`container_name: my-db`) as extra Services: a Service named after the alias, selecting
//! the same pods on the same ports, so that other services reach it by the alias as they
//! did in Compose, where a container's name resolves on its networks as an alias does.
//!
//! They are written always, not only with `--network-policies`: without them an address
//! that uses the alias does not resolve. A Kubernetes Service name is known to the whole
//! namespace, where a Compose alias is known on its network only; the report says so.
//! Aliases that would give two objects one name were refused before translation
//! ([`check_collisions`]).

use std::collections::{BTreeSet, HashMap};

use indexmap::IndexMap;
use k8s_openapi::api::core::v1::{Service as KubeService, ServicePort, ServiceSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::names::labels;
use super::network::service_name;
use super::shared_pod::pod_owner;
use super::Code;
use super::Context;
use crate::compose::model::{Project, Service};
use crate::diagnostic::Diagnostic;
use crate::extension::group_of;
use crate::manifest::Manifest;
use crate::value::KeyPath;

/// One alias of a service, where it is written.
struct Alias<'p> {
    source: Source<'p>,
    alias: &'p str,
}

/// The key that gives a service an alias.
enum Source<'p> {
    /// `networks.<network>.aliases[<index>]`: known on that network.
    Network { network: &'p str, index: usize },
    /// `container_name`: known on every network of the service.
    ContainerName,
}

impl Alias<'_> {
    fn key(&self) -> String {
        match self.source {
            Source::Network { network, index } => format!("networks.{network}.aliases[{index}]"),
            Source::ContainerName => "container_name".to_string(),
        }
    }

    fn path(&self, service: &str) -> KeyPath {
        let service = KeyPath::root().key("services").key(service);
        match self.source {
            Source::Network { network, index } => service
                .key("networks")
                .key(network)
                .key("aliases")
                .index(index),
            Source::ContainerName => service.key("container_name"),
        }
    }

    /// What kind of name it is, for the report.
    fn kind(&self) -> &'static str {
        match self.source {
            Source::Network { .. } => "alias",
            Source::ContainerName => "container name",
        }
    }

    /// What the alias is, for the report: `the alias "api"`.
    fn described(&self) -> String {
        format!("the {} {:?}", self.kind(), self.alias)
    }

    /// Which pods knew the name in Compose.
    fn known_to(&self) -> String {
        match self.source {
            Source::Network { network, .. } => format!("those on the network {network}"),
            Source::ContainerName => "those on the service's networks".to_string(),
        }
    }
}

/// The aliases of a service as written: its network aliases, then its container name. A
/// container that uses another's network namespace (`network_mode`) is on no network of its
/// own, so its container name resolves nowhere, in Compose too.
fn written_aliases(service: &Service) -> impl Iterator<Item = Alias<'_>> {
    let network_aliases = service
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
                    source: Source::Network { network, index },
                    alias,
                })
        });
    let container_name = service
        .container_name
        .as_deref()
        .filter(|alias| !alias.is_empty() && service.network_mode.is_none())
        .map(|alias| Alias {
            source: Source::ContainerName,
            alias,
        });
    network_aliases.chain(container_name)
}

/// The aliases of a service that name something other than the service itself.
fn aliases<'p>(name: &str, service: &'p Service) -> Vec<Alias<'p>> {
    let own = service_name(name);
    written_aliases(service)
        .filter(|alias| service_name(alias.alias) != own)
        .collect()
}

/// The names, as written, that reach a service besides its own: its network aliases and
/// its container name.
pub(super) fn alias_names(service: &Service) -> impl Iterator<Item = &str> {
    written_aliases(service).map(|alias| alias.alias)
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
        if !resolves_as_written(alias.alias, &alias_name) {
            cx.report.warn_with_hint(
                Code::ServiceRenamed,
                name,
                &alias.key(),
                format!(
                    "{} cannot be a Service name as written; its Service is \
                     `{alias_name}`, so an address that uses {:?} does not resolve",
                    alias.described(),
                    alias.alias
                ),
                format!(
                    "write `{alias_name}` where other services use the {}, in Compose too",
                    alias.kind()
                ),
            );
        }
        let Some(own) = own else {
            // A container name is often set out of habit, on services nobody reaches; the
            // services that do reach it are reported with the service's missing Service.
            if matches!(alias.source, Source::ContainerName) {
                continue;
            }
            cx.report.warn_with_hint(
                Code::NoService,
                name,
                &alias.key(),
                format!(
                    "the service has no ports or expose, so no Service: {} gets none \
                     either, and does not resolve",
                    alias.described()
                ),
                "`expose` the port it listens on",
            );
            continue;
        };
        if !written.insert(alias_name.clone()) {
            continue;
        }
        cx.report.info(
            Code::AliasService,
            name,
            &alias.key(),
            format!(
                "becomes the Service `{alias_name}`, on the same pods and ports as `{own_name}`; \
                 every pod of the namespace resolves it, not only {}",
                alias.known_to()
            ),
        );
        services.push(Manifest::Service(Box::new(alias_service(
            cx.project_name(),
            name,
            &alias_name,
            own,
        ))));
    }
    services.extend(group_member_services(
        cx,
        name,
        own.map(|s| &**s),
        &mut written,
    ));
    services
}

/// A Service named after each member of the owner's `kompose.service.group`. In Compose
/// the members are containers of their own, which others reach by name; here they run in
/// the owner's pod, and without a Service of their name that name would not resolve. (A
/// `network_mode: service:…` guest has no name of its own in Compose either.)
fn group_member_services(
    cx: &mut Context<'_>,
    owner: &str,
    own: Option<&KubeService>,
    written: &mut BTreeSet<String>,
) -> Vec<Manifest> {
    let own_name = service_name(owner);
    let members: Vec<&str> = cx
        .index
        .pods
        .guests(owner)
        .iter()
        .filter(|(_, definition)| group_of(definition).is_some())
        .map(|&(guest, _)| guest)
        .collect();
    let mut services = Vec::new();
    for member in members {
        let member_name = service_name(member);
        if member_name == own_name || !written.insert(member_name.clone()) {
            continue;
        }
        let Some(own) = own else {
            cx.report.warn_with_hint(
                Code::NoService,
                member,
                GROUP_KEY,
                format!(
                    "the pod of {owner} has no ports, so no Service: the name `{member}` does \
                     not resolve for the services that reach it by name"
                ),
                "`expose` the port it listens on",
            );
            continue;
        };
        cx.report.info(
            Code::AliasService,
            member,
            GROUP_KEY,
            format!(
                "becomes the Service `{member_name}`, on the pod of {owner} and the ports of \
                 `{own_name}`, so other services still reach it by its name"
            ),
        );
        services.push(Manifest::Service(Box::new(alias_service(
            cx.project_name(),
            owner,
            &member_name,
            own,
        ))));
    }
    services
}

/// Where a group member's report lines go.
const GROUP_KEY: &str = "labels.kompose.service.group";

/// Whether a name as written finds the Service named `service_name` (DNS ignores case).
fn resolves_as_written(written: &str, service_name: &str) -> bool {
    written.eq_ignore_ascii_case(service_name)
}

/// The aliases services give others with `links: ["db:database"]`, computed once. In
/// Compose only the linking container knows the alias; in the cluster it becomes a Service
/// the whole namespace resolves, so one alias name can serve one service only.
#[derive(Debug, Clone, Default)]
pub struct LinkAliases<'a> {
    /// Target service → (linking service, index of the link, alias), in the project's order.
    by_target: HashMap<&'a str, Vec<(&'a str, usize, &'a str)>>,
    /// Service names of the services and their network aliases, with the service each
    /// belongs to.
    taken: HashMap<String, &'a str>,
    /// Alias Service name → the target that gets it: the first link that names it.
    claimed: HashMap<String, &'a str>,
}

impl<'a> LinkAliases<'a> {
    pub fn new(project: &'a Project) -> Self {
        let mut aliases = LinkAliases::default();
        for (name, service) in &project.services {
            aliases.taken.insert(service_name(name), name);
            for alias in self::aliases(name, service) {
                aliases
                    .taken
                    .entry(service_name(alias.alias))
                    .or_insert(name);
            }
        }
        for (other, service) in &project.services {
            for (index, link) in service.links.iter().enumerate() {
                let Some((target, alias)) = link.split_once(':') else {
                    continue;
                };
                let Some((target, _)) = project.services.get_key_value(target) else {
                    continue;
                };
                if alias.is_empty() || service_name(alias) == service_name(target) {
                    continue;
                }
                aliases
                    .claimed
                    .entry(service_name(alias))
                    .or_insert(target.as_str());
                aliases
                    .by_target
                    .entry(target)
                    .or_default()
                    .push((other, index, alias));
            }
        }
        aliases
    }
}

/// The Services of the link aliases that name `name` (`objects` holds its own Service).
/// An alias whose name another service or alias has, or another link gave first, gets
/// none: reported on the linking service.
pub fn link_alias_services(
    cx: &mut Context<'_>,
    name: &str,
    objects: &[Manifest],
) -> Vec<Manifest> {
    let own_name = service_name(name);
    let own = objects.iter().find_map(|m| match m {
        Manifest::Service(s) if s.metadata.name.as_deref() == Some(&own_name) => Some(s),
        _ => None,
    });
    let project = cx.input.project;
    let links = cx
        .index
        .link_aliases
        .get_or_init(|| LinkAliases::new(project));
    let links_to: Vec<(&str, usize, &str)> = links.by_target.get(name).cloned().unwrap_or_default();
    let mut written = BTreeSet::new();
    let mut services = Vec::new();
    for (other, index, alias) in links_to {
        let key = format!("links[{index}]");
        let alias_name = service_name(alias);
        let links = cx
            .index
            .link_aliases
            .get_or_init(|| LinkAliases::new(project));
        let taken_by = links.taken.get(&alias_name).copied();
        let claimed_by = links.claimed.get(&alias_name).copied();
        if !resolves_as_written(alias, &alias_name) {
            cx.report.warn_with_hint(
                Code::ServiceRenamed,
                other,
                &key,
                format!(
                    "the link alias {alias:?} cannot be a Service name as written; its \
                     Service is `{alias_name}`, so an address that uses {alias:?} does not \
                     resolve"
                ),
                format!("write `{alias_name}` where {other} uses the alias"),
            );
        }
        match taken_by {
            // A network alias of the same service: its Service is written already.
            Some(owner) if owner == name => continue,
            Some(owner) => {
                cx.report.warn(
                    Code::LinkAliasConflict,
                    other,
                    &key,
                    format!(
                        "the link alias {alias:?} names the Service of {owner}, which the \
                         whole namespace resolves: {other} reaches {owner} by it, not {name}"
                    ),
                );
                continue;
            }
            None => {}
        }
        if claimed_by != Some(name) {
            let first = claimed_by.unwrap_or_default();
            cx.report.warn(
                Code::LinkAliasConflict,
                other,
                &key,
                format!(
                    "the link alias {alias:?} is also given to {first} by an earlier link, and \
                     its Service reaches {first}: {other} reaches {first} by it, not {name}"
                ),
            );
            continue;
        }
        let Some(own) = own else {
            cx.report.warn_with_hint(
                Code::NoService,
                other,
                &key,
                format!(
                    "{name} has no Service (no ports or expose), so its link alias {alias:?} \
                     gets none either, and does not resolve"
                ),
                format!("`expose` the port {name} listens on"),
            );
            continue;
        };
        let newly = written.insert(alias_name.clone());
        cx.report.info(
            Code::AliasService,
            other,
            &key,
            format!(
                "the link alias {alias:?} becomes the Service `{alias_name}`, on the same pods \
                 and ports as `{own_name}`; every pod of the namespace resolves it, not only \
                 {other}"
            ),
        );
        if newly {
            services.push(Manifest::Service(Box::new(alias_service(
                cx.project_name(),
                name,
                &alias_name,
                own,
            ))));
        }
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

/// Aliases (and container names) whose Service name is already taken: by another service's
/// Service, or by an alias of another service. An alias may name a service that runs in its own pod
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
                        "{} and {first} both become the Service `{alias_name}`; rename the \
                         {}",
                        alias.described(),
                        match alias.source {
                            Source::Network { .. } => "alias",
                            Source::ContainerName => "container",
                        }
                    ))
                    .at_path(path.clone()),
                ),
                None => {
                    let first = format!("{} at `{path}`", alias.described());
                    taken.insert(alias_name, (name.clone(), first));
                }
            }
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;
    use crate::value::Value;

    fn project(json: serde_json::Value) -> Project {
        Project::deserialize(&Value::from_json(&json)).expect("test project")
    }

    #[test]
    fn link_aliases_go_to_the_first_link_that_names_them() {
        let project = project(serde_json::json!({
            "name": "p",
            "services": {
                "web": {"image": "w", "links": ["db:database", "cache:store", "db:db"]},
                "worker": {"image": "w", "links": ["db:store", "cache"]},
                "db": {"image": "d", "networks": {"default": {"aliases": ["main-db"]}}},
                "cache": {"image": "c"},
            }
        }));
        let links = LinkAliases::new(&project);
        assert_eq!(
            links.by_target.get("db"),
            Some(&vec![("web", 0, "database"), ("worker", 0, "store")])
        );
        assert_eq!(
            links.by_target.get("cache"),
            Some(&vec![("web", 1, "store")])
        );
        assert_eq!(links.claimed.get("store").copied(), Some("cache"));
        assert_eq!(links.taken.get("main-db").copied(), Some("db"));
    }

    #[test]
    fn a_container_name_is_an_alias_unless_the_service_has_a_network_mode() {
        let project = project(serde_json::json!({
            "name": "p",
            "services": {
                "db": {
                    "image": "d",
                    "container_name": "my-db",
                    "networks": {"default": {"aliases": ["main"]}},
                },
                "same": {"image": "s", "container_name": "SAME"},
                "side": {"image": "s", "container_name": "side-car", "network_mode": "service:db"},
            }
        }));
        let aliases_of = |name: &str| -> Vec<(String, &str)> {
            aliases(name, &project.services[name])
                .iter()
                .map(|alias| (alias.key(), alias.alias))
                .collect()
        };
        assert_eq!(
            aliases_of("db"),
            vec![
                ("networks.default.aliases[0]".to_string(), "main"),
                ("container_name".to_string(), "my-db"),
            ]
        );
        assert_eq!(aliases_of("same"), vec![]);
        assert_eq!(aliases_of("side"), vec![]);
    }

    #[test]
    fn names_resolve_as_written_only_in_their_service_form() {
        assert!(resolves_as_written("API", "api"));
        assert!(!resolves_as_written("xmpp.meet.jitsi", "xmpp-meet-jitsi"));
        assert!(!resolves_as_written("api_v1", "api-v1"));
    }
}
