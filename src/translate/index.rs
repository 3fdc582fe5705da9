//! Lookups across services, computed once per translation: which pod each service runs
//! in, which pods mount each volume, and which services are awaited to completion. Each service's translation asks them for
//! itself; scanning every service each time made a translation quadratic in their number.

use std::cell::OnceCell;
use std::collections::{HashMap, HashSet};

use super::alias::LinkAliases;
use super::referrers::Referrers;
use super::shared_pod::Pods;
use crate::compose::model::{MountKind, Project};
use crate::extension::awaited_services;

/// What the per-service steps ask about the whole project.
#[derive(Debug, Clone, Default)]
pub struct ProjectIndex<'a> {
    /// Top-level volume → the services that mount it, in the project's order.
    volume_users: HashMap<&'a str, Vec<&'a str>>,
    /// Top-level volume → the services whose pods mount it (see [`Self::mounting_pods`]).
    volume_pods: HashMap<&'a str, Vec<&'a str>>,
    /// Which pod each service runs in (`network_mode: service:…`, kompose groups).
    pub pods: Pods<'a>,
    /// The services another waits on with `service_completed_successfully`.
    pub awaited: HashSet<&'a str>,
    /// Who reaches each service by name, and on which ports.
    pub referrers: OnceCell<Referrers<'a>>,
    /// The aliases of `links: ["db:alias"]`; asked by every service with a Service.
    pub link_aliases: OnceCell<LinkAliases<'a>>,
}

impl<'a> ProjectIndex<'a> {
    pub fn new(project: &'a Project) -> Self {
        let mut volume_users: HashMap<&str, Vec<&str>> = HashMap::new();
        for (name, service) in &project.services {
            let mut sources: Vec<&str> = service
                .volumes
                .iter()
                .filter(|mount| mount.kind == MountKind::Volume)
                .filter_map(|mount| mount.source.as_deref())
                .collect();
            // A service that mounts a volume twice is one user of it.
            sources.sort_unstable();
            sources.dedup();
            for source in sources {
                volume_users.entry(source).or_default().push(name);
            }
        }
        let pods = Pods::new(project);
        let volume_pods = volume_users
            .iter()
            .map(|(&volume, users)| {
                let mut seen = HashSet::new();
                let owners: Vec<&str> = users
                    .iter()
                    .map(|&user| pods.owner(user))
                    .filter(|owner| seen.insert(*owner))
                    .collect();
                (volume, owners)
            })
            .collect();
        ProjectIndex {
            volume_users,
            volume_pods,
            pods,
            awaited: awaited_services(project),
            referrers: OnceCell::new(),
            link_aliases: OnceCell::new(),
        }
    }

    /// The services whose pods mount the top-level volume `key`: those that mount it, or,
    /// for a service in another's pod, that pod's service; each once, in the order of their
    /// first user.
    pub fn mounting_pods(&self, key: &str) -> &[&'a str] {
        self.volume_pods.get(key).map_or(&[], Vec::as_slice)
    }

    /// The services that mount the top-level volume `key`.
    pub fn mounting_services(&self, key: &str) -> &[&'a str] {
        self.volume_users.get(key).map_or(&[], Vec::as_slice)
    }
}
