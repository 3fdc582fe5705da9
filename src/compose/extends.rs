//! `extends`: a service built on another one, from the same file or another file, in
//! chains. The base is merged under the extending service with the usual override rules;
//! a base from another file has its relative paths resolved against that file's directory
//! first, so they keep pointing where its author meant. Cycles are refused.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::compose::load::{refusal, FileContext, Loader};
use crate::compose::{merge, paths};
use crate::diagnostic::Diagnostic;
use crate::value::{KeyPath, Kind, Map, Value};

/// The longest `extends` chain resolved.
const MAX_CHAIN: usize = 10_000;

/// One link of an extends chain: a service in a file.
type Link = (PathBuf, String);

/// Resolves `extends` for every service of a document read from `file`.
pub fn apply_extends(
    loader: &mut Loader,
    document: &mut Value,
    file: &Path,
    context: &FileContext,
) -> Result<(), Vec<Diagnostic>> {
    let Some(services) = document.get("services").and_then(Value::as_map) else {
        return Ok(());
    };
    // Only services with `extends` change; most projects have none, and copying every
    // service for nothing was a large part of loading a big project.
    let extending: Vec<String> = services
        .iter()
        .filter(|(_, service)| service.get("extends").is_some())
        .map(|(name, _)| name.clone())
        .collect();
    if extending.is_empty() {
        return Ok(());
    }
    // Every service resolves against the services as written, before any is replaced.
    let services = services.clone();
    let mut resolver = Resolver {
        loader,
        context,
        resolved: HashMap::new(),
    };
    let mut resolved = Vec::with_capacity(extending.len());
    for name in extending {
        let service = resolver
            .resolve(&name, &services, file)
            .map_err(|d| vec![d])?;
        resolved.push((name, service));
    }
    if let Some(target) = document.get_mut("services").and_then(Value::as_map_mut) {
        // An existing key keeps its place in the map.
        target.extend(resolved);
    }
    Ok(())
}

struct Resolver<'a> {
    loader: &'a mut Loader,
    context: &'a FileContext,
    /// Services already resolved: in a chain, each link is resolved once, not once per
    /// service built on it (which made long chains cubic).
    resolved: HashMap<Link, Value>,
}

/// A link of a chain being resolved, waiting for its base.
struct Pending {
    link: Link,
    /// The service as written, `extends` included.
    own: Value,
    path: KeyPath,
    /// The base's file and name when it is in another file: its relative paths are
    /// resolved against that file's directory before the merge.
    base_elsewhere: Option<(PathBuf, String)>,
}

/// Where a chain is while it is walked: a service of a file, and which services that file
/// has (the ones passed in, or those of a file an `extends.file` read).
struct Position {
    file: PathBuf,
    name: String,
    scope: Option<usize>,
}

impl Resolver<'_> {
    /// Resolves one service: walks its chain down to a service without `extends` (or one
    /// already resolved), then merges back up, link by link. A loop, not recursion: a
    /// chain may be 10,000 links long.
    fn resolve(&mut self, name: &str, services: &Map, file: &Path) -> Result<Value, Diagnostic> {
        let mut pending: Vec<Pending> = Vec::new();
        // The links of `pending`, for a cycle check that does not walk the chain.
        let mut in_chain: HashSet<Link> = HashSet::new();
        // The services of the other files the chain reads.
        let mut scopes: Vec<Map> = Vec::new();
        let mut at = Position {
            file: file.to_path_buf(),
            name: name.to_string(),
            scope: None,
        };
        let mut base = loop {
            let scope = at.scope.map_or(services, |i| &scopes[i]);
            let path = KeyPath::root().key("services").key(&at.name);
            let Some(service) = scope.get(&at.name) else {
                return Err(
                    Diagnostic::error(format!("service {:?} not found", at.name)).in_file(&at.file),
                );
            };
            let Some(extends) = service.get("extends") else {
                break service.clone();
            };
            let target = ExtendsTarget::read(extends, &path.key("extends"))?;
            let link = (at.file.clone(), at.name.clone());
            if let Some(done) = self.resolved.get(&link) {
                break done.clone();
            }
            if pending.len() >= MAX_CHAIN {
                return Err(Diagnostic::error(format!(
                    "the extends chain is longer than {MAX_CHAIN} services"
                ))
                .at_span(&extends.span)
                .at_path(path.key("extends")));
            }
            if in_chain.contains(&link) {
                let mut names: Vec<&str> = pending.iter().map(|p| p.link.1.as_str()).collect();
                names.push(&at.name);
                return Err(Diagnostic::error(format!(
                    "extends cycle detected: {}",
                    names.join(" -> ")
                ))
                .at_span(&extends.span)
                .at_path(path.key("extends")));
            }
            let own = service.clone();
            let span = extends.span.clone();
            let next = match &target.file {
                None if !scope.contains_key(&target.service) => {
                    return Err(Diagnostic::error(format!(
                        "cannot extend service {:?}: service {:?} not found",
                        at.name, target.service
                    ))
                    .at_span(&span)
                    .at_path(path.key("extends")));
                }
                None => Position {
                    file: at.file.clone(),
                    name: target.service.clone(),
                    scope: at.scope,
                },
                Some(other) => {
                    let (other_file, found) =
                        self.services_of(&at.name, &target.service, &at.file, other, &span)?;
                    scopes.push(found);
                    Position {
                        file: other_file,
                        name: target.service.clone(),
                        scope: Some(scopes.len() - 1),
                    }
                }
            };
            in_chain.insert(link.clone());
            pending.push(Pending {
                link,
                own,
                path,
                base_elsewhere: target
                    .file
                    .is_some()
                    .then(|| (next.file.clone(), next.name.clone())),
            });
            at = next;
        };
        while let Some(link) = pending.pop() {
            if let Some((base_file, base_name)) = &link.base_elsewhere {
                base = self.with_paths_of(base, base_file, base_name);
            }
            base = extend(base, link.own, &link.link, link.path)?;
            self.resolved.insert(link.link, base.clone());
        }
        Ok(base)
    }

    /// The services of `other` (an `extends.file`, relative to `file`), which must have
    /// `base_service`; and the file's absolute path.
    fn services_of(
        &mut self,
        name: &str,
        base_service: &str,
        file: &Path,
        other: &str,
        span: &crate::value::Span,
    ) -> Result<(PathBuf, Map), Diagnostic> {
        // Standard input has no directory: as in Compose, it is read as if in the project's.
        let dir = if crate::compose::load::is_stdin(file) {
            self.context.working_dir.as_path()
        } else {
            file.parent().unwrap_or(Path::new("/"))
        };
        let other_file = PathBuf::from(paths::absolute(other, dir, None));
        if let Some(message) = refusal(&self.loader.scope, &other_file) {
            let key = KeyPath::root().key("services").key(name).key("extends");
            return Err(Diagnostic::error(message)
                .at_span(span)
                .at_path(key.key("file")));
        }
        let documents = self
            .loader
            .read_documents(&other_file, self.context)
            .map_err(|mut d| d.remove(0))?;
        let mut services = Map::default();
        for document in documents {
            if let Some(found) = document.get("services").and_then(Value::as_map) {
                services.extend(found.clone());
            }
        }
        if !services.contains_key(base_service) {
            return Err(Diagnostic::error(format!(
                "cannot extend service {name:?}: service {base_service:?} not found in {}",
                other_file.display()
            ))
            .at_span(span));
        }
        Ok((other_file, services))
    }

    /// A resolved service of `other_file` with its relative paths resolved against that
    /// file's directory, so that they keep pointing where its author meant.
    fn with_paths_of(&self, resolved: Value, other_file: &Path, name: &str) -> Value {
        let mut wrapper = Value::map(Map::from_iter([(
            "services".to_string(),
            Value::map(Map::from_iter([(name.to_string(), resolved)])),
        )]));
        let other_dir = other_file.parent().unwrap_or(Path::new("/"));
        let home = self.context.environment.get("HOME").map(PathBuf::from);
        paths::resolve_relative_paths(&mut wrapper, other_dir, home.as_deref());
        wrapper
            .get("services")
            .and_then(|s| s.get(name))
            .cloned()
            .unwrap_or_else(Value::null)
    }
}

/// `own` merged over its resolved `base`, neither keeping `extends`.
fn extend(
    mut base: Value,
    mut own: Value,
    link: &Link,
    path: KeyPath,
) -> Result<Value, Diagnostic> {
    for service in [&mut base, &mut own] {
        if let Some(map) = service.as_map_mut() {
            map.shift_remove("extends");
        }
    }
    let (file, name) = link;
    merge::extend_service(base, own).map_err(|m| {
        Diagnostic::error(m.replace("services.x", &format!("services.{name}")))
            .in_file(file)
            .at_path(path)
    })
}

/// `extends: name` or `extends: {service: name, file: path}`.
struct ExtendsTarget {
    service: String,
    file: Option<String>,
}

impl ExtendsTarget {
    fn read(extends: &Value, path: &KeyPath) -> Result<ExtendsTarget, Diagnostic> {
        let invalid = |message: &str| {
            Diagnostic::error(message.to_string())
                .at_span(&extends.span)
                .at_path(path.clone())
        };
        match &extends.kind {
            Kind::String(service) => Ok(ExtendsTarget {
                service: service.clone(),
                file: None,
            }),
            Kind::Map(map) => {
                let service = map
                    .get("service")
                    .and_then(Value::as_str)
                    .ok_or_else(|| invalid("`extends.service` is required and must be a string"))?;
                let file = match map.get("file") {
                    None => None,
                    Some(f) => Some(
                        f.as_str()
                            .ok_or_else(|| invalid("`extends.file` must be a string"))?
                            .to_string(),
                    ),
                };
                Ok(ExtendsTarget {
                    service: service.to_string(),
                    file,
                })
            }
            _ => Err(invalid(
                "expected a service name or a mapping with `service` and `file`",
            )),
        }
    }
}
