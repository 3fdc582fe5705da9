//! `extends`: a service built on another one, from the same file or another file, in
//! chains. The base is merged under the extending service with the usual override rules;
//! a base from another file has its relative paths resolved against that file's directory
//! first, so they keep pointing where its author meant. Cycles are refused.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::compose::load::{FileContext, Loader};
use crate::compose::{merge, paths};
use crate::diagnostic::Diagnostic;
use crate::value::{KeyPath, Kind, Map, Value};

/// The longest `extends` chain resolved; each link is a level of recursion.
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
        in_chain: HashSet::new(),
    };
    let mut resolved = Vec::with_capacity(extending.len());
    for name in extending {
        let service = resolver
            .resolve(&name, &services, file, &mut Vec::new())
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
    /// The links of `chain`, for a cycle check that does not walk the chain.
    in_chain: HashSet<Link>,
}

impl Resolver<'_> {
    fn resolve(
        &mut self,
        name: &str,
        services: &Map,
        file: &Path,
        chain: &mut Vec<Link>,
    ) -> Result<Value, Diagnostic> {
        let path = KeyPath::root().key("services").key(name);
        let Some(service) = services.get(name) else {
            return Err(Diagnostic::error(format!("service {name:?} not found")).in_file(file));
        };
        let Some(extends) = service.get("extends") else {
            return Ok(service.clone());
        };
        let target = ExtendsTarget::read(extends, &path.key("extends"))?;
        let link = (file.to_path_buf(), name.to_string());
        if let Some(done) = self.resolved.get(&link) {
            return Ok(done.clone());
        }
        if chain.len() >= MAX_CHAIN {
            return Err(Diagnostic::error(format!(
                "the extends chain is longer than {MAX_CHAIN} services"
            ))
            .at_span(&extends.span)
            .at_path(path.key("extends")));
        }
        if self.in_chain.contains(&link) {
            let mut names: Vec<String> = chain.iter().map(|(_, n)| n.clone()).collect();
            names.push(name.to_string());
            return Err(Diagnostic::error(format!(
                "extends cycle detected: {}",
                names.join(" -> ")
            ))
            .at_span(&extends.span)
            .at_path(path.key("extends")));
        }
        chain.push(link.clone());
        self.in_chain.insert(link.clone());
        let base = match &target.file {
            None => {
                if !services.contains_key(&target.service) {
                    return Err(Diagnostic::error(format!(
                        "cannot extend service {name:?}: service {:?} not found",
                        target.service
                    ))
                    .at_span(&extends.span)
                    .at_path(path.key("extends")));
                }
                self.resolve(&target.service, services, file, chain)?
            }
            Some(other) => {
                self.resolve_from_file(name, &target.service, file, other, chain, &extends.span)?
            }
        };
        chain.pop();
        self.in_chain.remove(&link);
        let mut own = service.clone();
        if let Some(map) = own.as_map_mut() {
            map.shift_remove("extends");
        }
        let mut base = base;
        if let Some(map) = base.as_map_mut() {
            map.shift_remove("extends");
        }
        let merged = merge::extend_service(base, own).map_err(|m| {
            Diagnostic::error(m.replace("services.x", &format!("services.{name}")))
                .in_file(file)
                .at_path(path)
        })?;
        self.resolved.insert(link, merged.clone());
        Ok(merged)
    }

    fn resolve_from_file(
        &mut self,
        name: &str,
        base_service: &str,
        file: &Path,
        other: &str,
        chain: &mut Vec<Link>,
        span: &crate::value::Span,
    ) -> Result<Value, Diagnostic> {
        let dir = file.parent().unwrap_or(Path::new("/"));
        let other_file = PathBuf::from(paths::absolute(other, dir, None));
        let documents = self
            .loader
            .read_documents(&other_file, self.context)
            .map_err(|mut d| d.remove(0))?;
        let mut services = Map::new();
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
        let resolved = self.resolve(base_service, &services, &other_file, chain)?;
        let mut wrapper = Value::map(Map::from_iter([(
            "services".to_string(),
            Value::map(Map::from_iter([(base_service.to_string(), resolved)])),
        )]));
        let other_dir = other_file.parent().unwrap_or(Path::new("/"));
        let home = self.context.environment.get("HOME").map(PathBuf::from);
        paths::resolve_relative_paths(&mut wrapper, other_dir, home.as_deref());
        Ok(wrapper
            .get("services")
            .and_then(|s| s.get(base_service))
            .cloned()
            .unwrap_or_else(Value::null))
    }
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
