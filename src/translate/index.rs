//! Lookups across services, computed once per translation: which services mount each
//! volume, and which are awaited to completion. Each service's translation asks them for
//! itself; scanning every service each time made a translation quadratic in their number.

use std::collections::{HashMap, HashSet};

use crate::compose::model::{MountKind, Project};
use crate::extension::awaited_services;

/// What the per-service steps ask about the whole project.
#[derive(Debug, Clone, Default)]
pub struct ProjectIndex<'a> {
    /// Top-level volume → the services that mount it, in the project's order.
    volume_users: HashMap<&'a str, Vec<&'a str>>,
    /// The services another waits on with `service_completed_successfully`.
    pub awaited: HashSet<&'a str>,
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
        ProjectIndex {
            volume_users,
            awaited: awaited_services(project),
        }
    }

    /// The services that mount the top-level volume `key`.
    pub fn mounting_services(&self, key: &str) -> &[&'a str] {
        self.volume_users.get(key).map_or(&[], Vec::as_slice)
    }
}
