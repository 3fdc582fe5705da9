//! How services reach each other: container ports and one ClusterIP Service per service,
//! from `ports` and `expose`, or from the image when a well-known server declares neither.
//!
//! In Compose, other services reach a container on its own (target) port, and the host
//! reaches it on the published one. The Service listens on the published port, as the
//! mapping says, and also on the target port when that differs, so that addresses written
//! for Compose (`http://backend:3000`) keep working inside the cluster. Every container
//! port is reachable in Compose, declared or not: a port services name with the service's
//! host (`redis://cache:6379` in an environment, `nc -z cache 6379` in a command, a file
//! copied into a ConfigMap, see `referrers`) is added to the Service too.
//!
//! Planning (which ports, which report lines) is kept apart from building the objects, so
//! that [`reachable_port`] answers from the same plan without reporting twice.

use std::collections::{HashMap, HashSet};

use k8s_openapi::api::core::v1::{ContainerPort, Service as KubeService, ServicePort, ServiceSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::inferred_ports::{local_port_checked, well_known_ports};
use super::names::{dns_label, joined, labels, selector, unique};
use super::referrers::{references, Referrers};
use super::report::Report;
use super::Code;
use super::{Context, Input, PodParts};
use crate::compose::model::{parse_short_port, Port, Protocol, Service};
use crate::manifest::Manifest;
use crate::validation::{is_port_name, is_qualified_name, MAX_PORT_NAME};

/// Adds the service's container ports to its pod and returns its Service, if it has ports.
/// The Service also has the ports of the services that run in the same pod
/// (`network_mode: service:…`, see `shared_pod`).
pub fn attach(
    cx: &mut Context<'_>,
    name: &str,
    service: &Service,
    parts: &mut PodParts,
) -> Vec<Manifest> {
    let plan = PortPlan::new(cx, name, service);
    for note in &plan.notes {
        note.report(&mut cx.report, name);
    }
    parts.ports.extend(container_ports(&plan.ports));
    let (ports, conflicts) = pod_ports(cx, name, plan.ports);
    for (guest, note) in conflicts {
        note.report(&mut cx.report, &guest);
    }
    if ports.is_empty() {
        return Vec::new();
    }
    vec![Manifest::Service(Box::new(kube_service(
        cx.project_name(),
        name,
        service_ports(&ports),
    )))]
}

/// Adds the container ports of a service that runs in another's pod; its Service ports
/// are added to that pod's Service by [`attach`].
pub fn attach_guest(cx: &mut Context<'_>, name: &str, service: &Service, parts: &mut PodParts) {
    let plan = PortPlan::new(cx, name, service);
    for note in &plan.notes {
        note.report(&mut cx.report, name);
    }
    parts.ports.extend(container_ports(&plan.ports));
}

/// The ports of the Service of `owner`'s pod: its own, then those of the services that
/// join its pod. A guest's port that another container of the pod already serves on the
/// same Service port is left out, with a note for that guest.
fn pod_ports(
    cx: &Context<'_>,
    owner: &str,
    own: Vec<PlannedPort>,
) -> (Vec<PlannedPort>, Vec<(String, Note)>) {
    let mut ports = own;
    let mut conflicts = Vec::new();
    for &(guest, definition) in cx.index.pods.guests(owner) {
        for port in PortPlan::new(cx, guest, definition).ports {
            let served = ports
                .iter()
                .find(|p| p.port == port.port && p.protocol == port.protocol);
            match served {
                None => ports.push(port),
                Some(first) if first.target != port.target && !port.implied => {
                    conflicts.push((
                        guest.to_string(),
                        Note::warning(
                            Code::PortConflict,
                            &port.key,
                            format!(
                                "port {}/{} of the Service of {owner} already forwards to \
                                 container port {}; this port is left out of it",
                                port.port, port.protocol, first.target
                            ),
                            None,
                        ),
                    ));
                }
                Some(_) => {}
            }
        }
    }
    (ports, conflicts)
}

/// Where other services reach `service`: the Service of the pod it runs in and the port,
/// its own first port (or, without one, the first of the pod's Service). None when no
/// Service reaches it.
pub fn reachable_port(cx: &Context<'_>, service: &str) -> Option<(String, u16)> {
    let (host, ports) = reachable_ports(cx, service)?;
    ports.first().map(|&(port, _)| (host, port))
}

/// The Service that reaches `service` and its ports, `service`'s own first (a service in
/// another's pod has its own ports on that pod's Service). None when no Service reaches it.
pub fn reachable_ports(cx: &Context<'_>, service: &str) -> Option<(String, Vec<(u16, Protocol)>)> {
    let project = cx.input.project;
    let definition = project.services.get(service)?;
    let owner = cx.index.pods.owner(service);
    let own = PortPlan::new(cx, service, definition).ports;
    let ports: Vec<(u16, Protocol)> = if owner != service && !own.is_empty() {
        own.iter().map(|p| (p.port, p.protocol)).collect()
    } else {
        let owner_definition = project.services.get(owner)?;
        let owner_plan = PortPlan::new(cx, owner, owner_definition).ports;
        pod_ports(cx, owner, owner_plan)
            .0
            .iter()
            .map(|p| (p.port, p.protocol))
            .collect()
    };
    (!ports.is_empty()).then(|| (service_name(owner), ports))
}

/// One port of the Service and the container port behind it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct PlannedPort {
    /// The port the Service listens on.
    port: u16,
    /// The container port it forwards to.
    target: u16,
    protocol: Protocol,
    /// The compose `name`, when it is a valid Kubernetes port name.
    name: Option<String>,
    app_protocol: Option<String>,
    /// The compose key it comes from (`ports[0]`, `expose[1]`).
    key: String,
    /// Added by the translation (the target port of a published one), not written.
    implied: bool,
}

impl PlannedPort {
    /// A TCP port the service was not declared with but is known to listen on (its
    /// image's, the one its health check calls, one other services name).
    fn inferred(port: u16) -> Self {
        PlannedPort {
            port,
            target: port,
            protocol: Protocol::Tcp,
            name: None,
            app_protocol: None,
            key: "expose".to_string(),
            implied: true,
        }
    }
}

/// A report line about the service's ports.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Note {
    Info {
        code: Code,
        key: String,
        message: String,
    },
    Warning {
        code: Code,
        key: String,
        message: String,
        hint: Option<String>,
    },
}

impl Note {
    fn info(code: Code, key: impl Into<String>, message: impl Into<String>) -> Self {
        Note::Info {
            code,
            key: key.into(),
            message: message.into(),
        }
    }

    fn warning(
        code: Code,
        key: impl Into<String>,
        message: impl Into<String>,
        hint: Option<String>,
    ) -> Self {
        Note::Warning {
            code,
            key: key.into(),
            message: message.into(),
            hint,
        }
    }

    fn report(&self, report: &mut Report, service: &str) {
        match self {
            Note::Info { code, key, message } => report.info(*code, service, key, message),
            Note::Warning {
                code,
                key,
                message,
                hint: Some(hint),
            } => report.warn_with_hint(*code, service, key, message, hint),
            Note::Warning {
                code,
                key,
                message,
                hint: None,
            } => report.warn(*code, service, key, message),
        }
    }
}

/// Whether x-kubernetes already opens the service to the outside (a NodePort or
/// LoadBalancer Service, an Ingress), so that host publication needs no note.
fn reachable_from_outside(input: &Input<'_>, name: &str) -> bool {
    use crate::extension::ServiceType;
    let ext = input.extensions.service(name);
    let open_type = ext
        .service
        .as_ref()
        .and_then(|s| s.type_)
        .is_some_and(|t| matches!(t, ServiceType::NodePort | ServiceType::LoadBalancer));
    open_type || ext.ingress.is_some()
}

/// The port a published compose port's Service listens on: the published port (the first
/// of a range), else the target. Published port 0 asks Docker for any free host port: there
/// is no host port to keep, and 0 is not a port a Service may listen on.
fn service_port(port: &Port) -> u16 {
    match port.published {
        Some(range) if range.start != 0 => range.start,
        _ => port.target,
    }
}

/// The ports of one service's Service and the report lines they lead to.
#[derive(Debug, Default)]
struct PortPlan {
    ports: Vec<PlannedPort>,
    notes: Vec<Note>,
}

impl PortPlan {
    fn new(cx: &Context<'_>, name: &str, service: &Service) -> Self {
        let mut plan = PortPlan::default();
        for (index, port) in service.ports.iter().enumerate() {
            plan.add_published(index, port);
        }
        let owner = cx.index.pods.owner(name);
        if !reachable_from_outside(&cx.input, owner) {
            plan.note_host_publication(owner, service);
        }
        for (index, text) in service.expose.iter().enumerate() {
            plan.add_exposed(index, text);
        }
        plan.add_target_ports();
        let declared = !plan.ports.is_empty();
        // A guest has no Service of its own (`shared_pod` says where it runs), and a port
        // guessed from its image would be a port of the pod it joins.
        if !declared && !cx.index.pods.is_guest(name) {
            plan.add_well_known(name, service);
        }
        if !cx.index.pods.is_guest(name) {
            plan.add_named_by_others(cx, name, declared);
        }
        if plan.ports.is_empty() {
            plan.add_undeclared(cx, name, service);
        }
        plan.remove_duplicates();
        let guest = cx.index.pods.is_guest(name);
        if !plan.ports.is_empty() && service_name(name) != name && !guest {
            plan.notes.push(renamed_host_note(name));
        }
        plan
    }

    fn add_published(&mut self, index: usize, port: &Port) {
        let key = format!("ports[{index}]");
        // The long syntax may leave `target` out, which Compose accepts and reads as 0.
        if port.target == 0 {
            self.notes.push(Note::warning(
                Code::InvalidValue,
                &key,
                "it has no target port: a Service forwards to a container port (1-65535), \
                 so it is left out",
                Some("set `target` to the port the container listens on".into()),
            ));
            return;
        }
        let published = service_port(port);
        if port
            .published
            .is_some_and(|range| range.start == 0 && !range.is_range())
        {
            self.notes.push(Note::info(
                Code::HostPortNotPublished,
                &key,
                format!(
                    "published port 0 lets Docker pick a host port; the Service listens on \
                         the container port, {}",
                    port.target
                ),
            ));
        }
        if let Some(range) = port.published.filter(|range| range.is_range()) {
            self.notes.push(Note::info(
                Code::HostPortNotPublished,
                &key,
                format!(
                    "Compose lets the engine pick a host port from {range}; the Service \
                     listens on the first, {published}"
                ),
            ));
        }
        if let Some(ip) = &port.host_ip {
            self.notes.push(Note::info(
                Code::HostPortNotPublished,
                &key,
                format!(
                    "host_ip {ip}: Compose binds the port to that host address; a ClusterIP \
                     Service has no host address and answers inside the cluster only"
                ),
            ));
        }
        if port.mode == "host" {
            self.notes.push(Note::warning(
                Code::HostPortNotPublished,
                &key,
                "mode: host publishes the port on the node's own address in Compose; the \
                 Service reaches the pod through the cluster network instead",
                Some("a hostPort would tie the pod to one node per port; none is generated".into()),
            ));
        }
        let name = self.valid_name(&key, port.name.as_deref());
        let app_protocol = self.valid_app_protocol(&key, port.app_protocol.as_deref());
        self.ports.push(PlannedPort {
            port: published,
            target: port.target,
            protocol: port.protocol,
            name,
            app_protocol,
            key,
            implied: false,
        });
    }

    /// Published ports reach the host in Compose; a ClusterIP Service does not. `owner` is
    /// the service whose Service has the ports (itself, or the one whose pod it runs in).
    fn note_host_publication(&mut self, owner: &str, service: &Service) {
        let mut published: Vec<(u16, Protocol)> = service
            .ports
            .iter()
            // Port 0 is any free host port: none that a user would reach it on. A port
            // without a target is left out.
            .filter(|port| port.target != 0)
            .filter_map(|port| {
                port.published
                    .filter(|range| range.start != 0)
                    .map(|range| (range.start, port.protocol))
            })
            .collect();
        published.sort_by_key(|&(port, protocol)| (port, kube_protocol(protocol)));
        published.dedup();
        if published.is_empty() {
            return;
        }
        let list: Vec<String> = published
            .iter()
            .map(|(port, protocol)| match protocol {
                Protocol::Tcp => port.to_string(),
                other => format!("{port}/{other}"),
            })
            .collect();
        let service_name = service_name(owner);
        // `kubectl port-forward` carries TCP only.
        let first_tcp = published
            .iter()
            .find(|(_, protocol)| *protocol == Protocol::Tcp);
        let from_outside = match first_tcp {
            Some((port, _)) => {
                format!("use `kubectl port-forward service/{service_name} {port}` or an Ingress")
            }
            None => "use a NodePort or LoadBalancer Service (x-kubernetes.service.type); \
                     kubectl port-forward carries TCP only"
                .to_string(),
        };
        self.notes.push(Note::info(
            Code::HostPortNotPublished,
            "ports",
            format!(
                "ports published on the host ({}) are reachable inside the cluster only, \
                 through the ClusterIP Service `{service_name}`; from outside, {from_outside}",
                list.join(", ")
            ),
        ));
    }

    fn add_exposed(&mut self, index: usize, text: &str) {
        let key = format!("expose[{index}]");
        match parse_expose(text) {
            Some(ports) => {
                for (target, protocol) in ports {
                    self.ports.push(PlannedPort {
                        port: target,
                        target,
                        protocol,
                        name: None,
                        app_protocol: None,
                        key: key.clone(),
                        implied: false,
                    });
                }
            }
            None => self.notes.push(Note::warning(Code::InvalidValue,
                &key,
                format!("{text:?} is not a port, a range of ports or either with /protocol; it is left out"),
                Some("write it as 3000, 3000-3005 or 3000/udp".into()),
            )),
        }
    }

    /// The target port of every published port that differs from it: other services reach
    /// a container on that port in Compose.
    fn add_target_ports(&mut self) {
        let implied: Vec<PlannedPort> = self
            .ports
            .iter()
            .filter(|port| port.port != port.target)
            .map(|port| PlannedPort {
                port: port.target,
                name: None,
                app_protocol: port.app_protocol.clone(),
                implied: true,
                ..port.clone()
            })
            .collect();
        self.ports.extend(implied);
    }

    /// No port declared: a well-known image tells them.
    fn add_well_known(&mut self, name: &str, service: &Service) {
        let image = service.image.as_deref().unwrap_or_default();
        let Some((ports, known_as)) = well_known_ports(image) else {
            return;
        };
        self.ports
            .extend(ports.iter().map(|&port| PlannedPort::inferred(port)));
        let list: Vec<String> = ports.iter().map(u16::to_string).collect();
        let quoted: Vec<String> = list.iter().map(|port| format!("\"{port}\"")).collect();
        let (noun, pronoun) = if ports.len() == 1 {
            ("port", "it")
        } else {
            ("ports", "them")
        };
        self.notes.push(Note::info(
            Code::PortInferred,
            "ports",
            format!(
                "no ports or expose: {noun} {} inferred from the image {image} ({known_as}), \
                 so the Service `{}` listens on {pronoun}; state {pronoun} with expose: [{}]",
                list.join(", "),
                service_name(name),
                quoted.join(", ")
            ),
        ));
    }

    /// The TCP ports services name with this service's host (`cache:6379` in an
    /// environment value, `nc -z cache 6379` in a command, `server cache:6379;` in a file
    /// copied into a ConfigMap) that its Service does not listen on yet: in Compose every
    /// container port is reachable, declared or not. The name resolves to the Service for
    /// every container, those of its own pod and the service itself included (kafka tells
    /// its clients `INTERNAL://kafka:9093`): a Service port nothing listens on is harmless,
    /// a missing one breaks whoever uses it.
    fn add_named_by_others(&mut self, cx: &Context<'_>, name: &str, declared: bool) {
        let referrers = cx.index.referrers.get_or_init(|| Referrers::new(&cx.input));
        for named in referrers.ports_of(name) {
            let served = self
                .ports
                .iter()
                .any(|p| p.port == named.port && p.protocol == Protocol::Tcp);
            if served {
                continue;
            }
            self.ports.push(PlannedPort::inferred(named.port));
            let port = named.port;
            let (who, how) = if named.by == name {
                (
                    format!("its own {}", named.key),
                    format!("its own {} names it with port {port}", named.key),
                )
            } else {
                let by = format!("{} ({})", named.by, named.key);
                (
                    format!("how {by} reaches it"),
                    format!("{by} reaches it on port {port}"),
                )
            };
            let message = if declared {
                format!(
                    "{how}, which ports and expose leave out; every container port is \
                     reachable in Compose, so the Service listens on it too"
                )
            } else {
                format!(
                    "no ports or expose: port {port} inferred from {who}, so the Service `{}` \
                     listens on it; state it with expose: [\"{port}\"]",
                    service_name(name)
                )
            };
            self.notes
                .push(Note::info(Code::PortInferred, "expose", message));
        }
    }

    /// No port at all: say who cannot reach it.
    fn add_undeclared(&mut self, cx: &Context<'_>, name: &str, service: &Service) {
        let image = service.image.as_deref().unwrap_or_default();
        if cx.index.pods.is_guest(name) || guests_have_ports(cx, name) {
            // A guest has no Service of its own (`shared_pod` says where it runs); an owner
            // whose guests have ports has a Service from theirs.
            return;
        }
        let referrers = references(cx, name);
        let checked_port = service
            .healthcheck
            .as_ref()
            .filter(|check| !check.disable)
            .and_then(|check| local_port_checked(&check.test));
        if let (Some(port), false) = (checked_port, referrers.is_empty()) {
            self.ports.push(PlannedPort::inferred(port));
            self.notes.push(Note::info(
                Code::PortInferred,
                "expose",
                format!(
                    "no ports or expose: port {port} inferred from its health check, which \
                     calls it on localhost, as other services need it by name ({}); the \
                     Service `{}` listens on it; state it with expose: [\"{port}\"]",
                    referrers.join(", "),
                    service_name(name)
                ),
            ));
            return;
        }
        if referrers.is_empty() {
            self.notes.push(Note::info(
                Code::NoService,
                "ports",
                "no ports or expose: no Service is created, so other services cannot reach it \
                 by name",
            ));
        } else {
            self.notes.push(Note::warning(
                Code::NoService,
                "expose",
                format!(
                    "no ports or expose, and the port of {} is not known, but other \
                     services reach it by name: {}; no Service is created, so they cannot",
                    if image.is_empty() {
                        "its built image".to_string()
                    } else {
                        format!("the image {image}")
                    },
                    referrers.join(", ")
                ),
                Some("state the port it listens on: expose: [\"<port>\"]".into()),
            ));
        }
    }

    /// Keeps the first port for each (Service port, protocol); a later one that forwards
    /// elsewhere is reported, an identical one is the same port written twice.
    fn remove_duplicates(&mut self) {
        let mut kept: Vec<PlannedPort> = Vec::new();
        // Where each (port, protocol) was kept: a range of thousands of ports stays linear.
        let mut kept_at: HashMap<(u16, Protocol), usize> = HashMap::new();
        let mut conflicts: Vec<(PlannedPort, PlannedPort)> = Vec::new();
        for port in std::mem::take(&mut self.ports) {
            match kept_at.get(&(port.port, port.protocol)) {
                None => {
                    kept_at.insert((port.port, port.protocol), kept.len());
                    kept.push(port);
                }
                Some(&first) if kept[first].target != port.target && !port.implied => {
                    conflicts.push((kept[first].clone(), port))
                }
                Some(_) => {}
            }
        }
        let mut by_target: HashMap<(u16, Protocol), &PlannedPort> = HashMap::new();
        for port in &kept {
            by_target
                .entry((port.target, port.protocol))
                .or_insert(port);
        }
        for (first, left_out) in conflicts {
            let still_reached = by_target.get(&(left_out.target, left_out.protocol));
            let outcome = match still_reached {
                Some(other) => format!(
                    "the Service reaches container port {} on port {} instead",
                    left_out.target, other.port
                ),
                None => format!(
                    "the Service does not reach container port {}",
                    left_out.target
                ),
            };
            self.notes.push(Note::warning(
                Code::PortConflict,
                &left_out.key,
                format!(
                    "port {}/{} already forwards to container port {} ({}); {outcome}",
                    left_out.port, left_out.protocol, first.target, first.key
                ),
                None,
            ));
        }
        self.ports = kept;
    }

    /// The compose `name` of a port, when Kubernetes accepts it as one.
    fn valid_name(&mut self, key: &str, name: Option<&str>) -> Option<String> {
        let name = name?;
        if is_port_name(name) {
            return Some(name.to_string());
        }
        self.notes.push(Note::info(
            Code::InvalidValue,
            key,
            format!(
                "name {name:?} is not a Kubernetes port name (at most 15 lower-case letters, \
                 digits and single inner dashes, with a letter); a name is generated"
            ),
        ));
        None
    }

    fn valid_app_protocol(&mut self, key: &str, app_protocol: Option<&str>) -> Option<String> {
        let app_protocol = app_protocol?;
        if is_qualified_name(app_protocol) {
            return Some(app_protocol.to_string());
        }
        self.notes.push(Note::warning(
            Code::InvalidValue,
            key,
            format!(
                "app_protocol {app_protocol:?} is not a name Kubernetes accepts as appProtocol; \
                 it is left out"
            ),
            None,
        ));
        None
    }
}

/// The name of a service's Service: its DNS label, which Kubernetes also requires to start
/// with a letter (a DNS-1035 label), so `1st-api` becomes `svc-1st-api`.
pub fn service_name(service: &str) -> String {
    let label = dns_label(service);
    if label.starts_with(|c: char| c.is_ascii_digit()) {
        joined(&["svc", &label])
    } else {
        label
    }
}

/// A Service named `front_end` in Compose is `front-end` in the cluster: host names written
/// for Compose must change.
fn renamed_host_note(name: &str) -> Note {
    let label = service_name(name);
    Note::warning(
        Code::ServiceRenamed,
        "ports",
        format!(
            "other services reach it as `{name}` in Compose, but a Service name cannot hold \
             `_`, `.` or capitals, nor start with a digit: its Service is `{label}`"
        ),
        Some(format!(
            "write `{label}` where other services name it, in Compose too"
        )),
    )
}

/// `3000`, `3000-3005`, `3000/udp`: the container ports and their protocol.
fn parse_expose(text: &str) -> Option<Vec<(u16, Protocol)>> {
    // An exposed port has no published part; the short port grammar would read one.
    if text.contains(':') {
        return None;
    }
    let ports = parse_short_port(text).ok()?;
    Some(ports.iter().map(|p| (p.target, p.protocol)).collect())
}

/// The container ports of the pod: one per (target, protocol), named after the first
/// compose name given to it, else `tcp-8080`.
fn container_ports(ports: &[PlannedPort]) -> Vec<ContainerPort> {
    let mut seen: HashSet<(u16, Protocol)> = HashSet::new();
    let mut wanted: Vec<(Option<&str>, Protocol, u16)> = Vec::new();
    for port in ports {
        if seen.insert((port.target, port.protocol)) {
            wanted.push((port.name.as_deref(), port.protocol, port.target));
        }
    }
    let names = port_names(&wanted);
    wanted
        .iter()
        .zip(names)
        .map(|((_, protocol, target), name)| ContainerPort {
            container_port: i32::from(*target),
            name: Some(name),
            protocol: Some(kube_protocol(*protocol).to_string()),
            ..Default::default()
        })
        .collect()
}

fn service_ports(ports: &[PlannedPort]) -> Vec<ServicePort> {
    let wanted: Vec<(Option<&str>, Protocol, u16)> = ports
        .iter()
        .map(|p| (p.name.as_deref(), p.protocol, p.port))
        .collect();
    ports
        .iter()
        .zip(port_names(&wanted))
        .map(|(port, name)| ServicePort {
            name: Some(name),
            port: i32::from(port.port),
            target_port: Some(IntOrString::Int(i32::from(port.target))),
            protocol: Some(kube_protocol(port.protocol).to_string()),
            app_protocol: port.app_protocol.clone(),
            ..Default::default()
        })
        .collect()
}

/// Unique port names: the compose name when it is free, else `<protocol>-<port>`.
fn port_names(ports: &[(Option<&str>, Protocol, u16)]) -> Vec<String> {
    let mut names: Vec<String> = Vec::with_capacity(ports.len());
    let mut taken: HashSet<String> = HashSet::with_capacity(ports.len());
    for (name, protocol, number) in ports {
        let name = match name {
            Some(name) if !taken.contains(*name) => name.to_string(),
            _ => unique(
                &format!("{protocol}-{number}"),
                MAX_PORT_NAME,
                |candidate| taken.contains(candidate),
            ),
        };
        taken.insert(name.clone());
        names.push(name);
    }
    names
}

fn kube_service(project: &str, name: &str, ports: Vec<ServicePort>) -> KubeService {
    KubeService {
        metadata: ObjectMeta {
            name: Some(service_name(name)),
            labels: Some(labels(project, name)),
            ..Default::default()
        },
        spec: Some(ServiceSpec {
            type_: Some("ClusterIP".to_string()),
            selector: Some(selector(project, name)),
            ports: Some(ports),
            ..Default::default()
        }),
        ..Default::default()
    }
}

pub(super) fn kube_protocol(protocol: Protocol) -> &'static str {
    match protocol {
        Protocol::Tcp => "TCP",
        Protocol::Udp => "UDP",
        Protocol::Sctp => "SCTP",
    }
}

/// Whether a service that runs in `owner`'s pod has a port for its Service.
fn guests_have_ports(cx: &Context<'_>, owner: &str) -> bool {
    cx.index
        .pods
        .guests(owner)
        .iter()
        .any(|&(guest, definition)| !PortPlan::new(cx, guest, definition).ports.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_names_are_unique_and_prefer_the_compose_name() {
        assert_eq!(
            port_names(&[
                (Some("web"), Protocol::Tcp, 80),
                (None, Protocol::Udp, 53),
                (Some("web"), Protocol::Tcp, 81),
                (Some("tcp-82"), Protocol::Tcp, 9),
                (None, Protocol::Tcp, 82),
            ]),
            ["web", "udp-53", "tcp-81", "tcp-82", "tcp-82-2"]
        );
    }

    #[test]
    fn service_names_are_dns_1035_labels() {
        assert_eq!(service_name("front_end"), "front-end");
        assert_eq!(service_name("1st.API"), "svc-1st-api");
    }

    #[test]
    fn exposed_ports_read_ranges_and_protocols() {
        assert_eq!(parse_expose("3000"), Some(vec![(3000, Protocol::Tcp)]));
        assert_eq!(parse_expose("53/udp"), Some(vec![(53, Protocol::Udp)]));
        assert_eq!(parse_expose("3000-3001").map(|p| p.len()), Some(2));
        assert_eq!(parse_expose("80:80"), None);
        assert_eq!(parse_expose("http"), None);
    }
}
