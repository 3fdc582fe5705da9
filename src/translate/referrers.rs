//! Who reaches a service by name, and on which port: `depends_on`, `links`, and the host
//! names (the service's, an alias, its container name) in other services' environment
//! values and env files (a URL's host, `host:port`, the value of a host variable such as
//! `DB_HOST`). Ordinary words are never read as host names. Port planning (`network`) adds the ports others name to a Service, and the report
//! says who cannot reach a service that has none.

use std::collections::{HashMap, HashSet};

use super::alias::alias_names;
use super::{Context, Input};
use crate::extension::WorkloadKind;

/// The other services that reach `name` by name, each with the first key that shows it:
/// `depends_on`, `links`, or an environment value that names it as a host. Those in its own
/// pod reach it without a Service.
pub(super) fn references(cx: &Context<'_>, name: &str) -> Vec<String> {
    let pod = cx.index.pods.owner(name);
    // Nothing waits for a Job through a Service (see `dependencies`).
    let runs_once = matches!(
        cx.workload_kind(name),
        WorkloadKind::Job | WorkloadKind::Cronjob
    );
    let referrers = cx.index.referrers.get_or_init(|| Referrers::new(&cx.input));
    referrers
        .of(name)
        .iter()
        .filter(|(other, _)| cx.index.pods.owner(other) != pod)
        .filter(|(_, key)| !(runs_once && key == "depends_on"))
        .filter({
            let mut seen = HashSet::new();
            move |(other, _)| seen.insert(*other)
        })
        .map(|(other, key)| format!("{other} ({key})"))
        .collect()
}

/// For each service, the others that reach it by name, in the project's order, each with
/// the first key that shows it: links first (Compose also lists a linked service under
/// `depends_on`), then `depends_on` (and after it the first other key, see `references`),
/// then the environment, then env files. Computed once per translation; asking every
/// service about every other made a large project quadratic.
#[derive(Debug, Clone, Default)]
pub struct Referrers<'a> {
    by_target: HashMap<&'a str, Vec<(&'a str, String)>>,
    /// The ports others name with the host (`cache:6379`, `http://api:8080`), each with the
    /// first service and key that names it, in the project's order.
    ports_by_target: HashMap<&'a str, Vec<NamedPort<'a>>>,
}

/// A port another service reaches a service on, by name: `web`'s `environment CACHE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct NamedPort<'a> {
    pub port: u16,
    /// The service that names it.
    pub by: &'a str,
    /// Where: `environment CACHE`.
    pub key: String,
}

impl<'a> Referrers<'a> {
    pub fn new(input: &Input<'a>) -> Self {
        let services = &input.project.services;
        // Environment values name hosts in any case, by the service's name, an alias or its
        // container name.
        let mut by_lowercase: HashMap<String, Vec<&'a str>> = HashMap::new();
        for (name, service) in services {
            for host in std::iter::once(name.as_str()).chain(alias_names(service)) {
                let entry = by_lowercase.entry(host.to_ascii_lowercase()).or_default();
                if !entry.contains(&name.as_str()) {
                    entry.push(name);
                }
            }
        }
        for service in services.values() {
            let link_aliases = service
                .links
                .iter()
                .filter_map(|link| link.split_once(':'))
                .filter_map(|(target, alias)| Some((services.get_key_value(target)?.0, alias)));
            for (target, alias) in link_aliases {
                let entry = by_lowercase.entry(alias.to_ascii_lowercase()).or_default();
                if !entry.contains(&target.as_str()) {
                    entry.push(target);
                }
            }
        }
        let named_as_host = |key: &str, value: &str| -> Vec<(&'a str, Option<u16>)> {
            hosts_named(key, value)
                .into_iter()
                .filter_map(|(host, port)| {
                    let targets = by_lowercase.get(&host.to_ascii_lowercase())?;
                    Some(targets.iter().map(move |target| (*target, port)))
                })
                .flatten()
                .collect()
        };
        let mut referrers = Referrers::default();
        let mut add_port =
            |target: &'a str, port: Option<u16>, by: &'a str, key: &dyn Fn() -> String| {
                let Some(port) = port.filter(|_| target != by) else {
                    return;
                };
                let ports = referrers.ports_by_target.entry(target).or_default();
                if !ports.iter().any(|named| named.port == port) {
                    ports.push(NamedPort {
                        port,
                        by,
                        key: key(),
                    });
                }
            };
        let mut by_target: HashMap<&'a str, Vec<(&'a str, String)>> = HashMap::new();
        for (other, service) in services {
            // The first key per target; after a `depends_on`, also the first other key, as a
            // dependency on a Job does not reach it by name.
            let mut named: HashMap<&str, bool> = HashMap::new();
            let mut add = |target: &'a str, key: &dyn Fn() -> String| {
                if target == other.as_str() {
                    return;
                }
                let key = key();
                let by_dependency_only = named.get(target).copied();
                if by_dependency_only == Some(false)
                    || (by_dependency_only == Some(true) && key == "depends_on")
                {
                    return;
                }
                named.insert(target, key == "depends_on");
                by_target
                    .entry(target)
                    .or_default()
                    .push((other.as_str(), key));
            };
            for link in &service.links {
                let target = link.split(':').next().unwrap_or_default();
                if let Some((target, _)) = services.get_key_value(target) {
                    add(target, &|| "links".to_string());
                }
            }
            for target in service.depends_on.keys() {
                if let Some((target, _)) = services.get_key_value(target) {
                    add(target, &|| "depends_on".to_string());
                }
            }
            let own = service
                .environment
                .0
                .iter()
                .filter_map(|(key, value)| Some((key, value.as_deref()?)));
            for (key, value) in own {
                for (target, port) in named_as_host(key, value) {
                    add(target, &|| format!("environment {key}"));
                    add_port(target, port, other, &|| format!("environment {key}"));
                }
            }
            let files = input.env_files.get(other).into_iter().flatten();
            for (key, value) in files.flat_map(|file| file.variables.iter()) {
                for (target, port) in named_as_host(key, value) {
                    add(target, &|| format!("env_file {key}"));
                    add_port(target, port, other, &|| format!("env_file {key}"));
                }
            }
        }
        referrers.by_target = by_target;
        referrers
    }

    pub(super) fn ports_of(&self, name: &str) -> &[NamedPort<'a>] {
        self.ports_by_target.get(name).map_or(&[], Vec::as_slice)
    }

    fn of(&self, name: &str) -> &[(&'a str, String)] {
        self.by_target.get(name).map_or(&[], Vec::as_slice)
    }
}

/// Whether the variable `key` set to `value` names `host` as a host (see [`hosts_named`]).
#[cfg(test)]
fn mentions_host(key: &str, value: &str, host: &str) -> bool {
    hosts_named(key, value)
        .iter()
        .any(|(token, _)| token.eq_ignore_ascii_case(host))
}

/// Variable names whose value is a host (the last `_`-separated word of the name):
/// `DB_HOST=mysql`, `KAFKA_SERVERS=kafka-1,kafka-2`.
const HOST_VARIABLE_WORDS: &[&str] = &[
    "HOST", "HOSTS", "HOSTNAME", "SERVER", "SERVERS", "ADDR", "ADDRESS", "ENDPOINT", "URL", "URI",
];

/// The host names an environment variable gives: a URL's hosts
/// (`mysql://user:pw@db:5432/app`, `mongodb://a:1,b:2/x`), a `host:port` anywhere
/// (`kafka:9092,kafka2:9092`, a Go DSN's `tcp(db:3306)`), and, when the variable's name
/// says it holds hosts (`DB_HOST`), its bare items (`mysql`). Ordinary words are never read
/// as host names: `MYSQL_USER=ghost` names no host.
fn hosts_named(key: &str, value: &str) -> Vec<(String, Option<u16>)> {
    let mut hosts = Vec::new();
    let mut rest = String::with_capacity(value.len());
    let mut remaining = value;
    while let Some(at) = remaining.find("://") {
        let before = &remaining[..at];
        // The scheme (`postgres`, `jdbc:mysql`) is not a host.
        let scheme_start = before
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | '-' | ':')))
            .map_or(0, |i| i + 1);
        rest.push_str(&before[..scheme_start]);
        rest.push(' ');
        let after = &remaining[at + 3..];
        let end = after
            .find(|c: char| matches!(c, '/' | '?' | '#' | '"' | '\'' | ')') || c.is_whitespace())
            .unwrap_or(after.len());
        let authority = &after[..end];
        let hosts_part = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        hosts.extend(hosts_part.split(',').map(host_and_port));
        remaining = &after[end..];
    }
    rest.push_str(remaining);
    let tokens =
        rest.split(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | ':')));
    for token in tokens {
        let (host, port) = host_and_port(token);
        if port.is_some() && !host.is_empty() && !host.contains(':') {
            hosts.push((host, port));
        }
    }
    let host_variable = key.rsplit('_').next().is_some_and(|word| {
        HOST_VARIABLE_WORDS
            .iter()
            .any(|w| w.eq_ignore_ascii_case(word))
    });
    if host_variable {
        let items = rest.split(|c: char| c == ',' || c == ';' || c.is_whitespace());
        hosts.extend(items.map(host_and_port).filter(|(host, _)| {
            !host.is_empty()
                && host
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        }));
    }
    hosts
}

/// `db:5432` → (`db`, 5432); anything else as it is, without a port.
fn host_and_port(token: &str) -> (String, Option<u16>) {
    let host = without_port(token);
    let port = token
        .get(host.len() + 1..)
        .and_then(|port| port.parse::<u16>().ok())
        .filter(|&port| port > 0);
    (host.to_string(), port)
}

/// `db:5432` → `db`; anything else as it is.
fn without_port(token: &str) -> &str {
    match token.rsplit_once(':') {
        Some((host, port)) if !port.is_empty() && port.chars().all(|c| c.is_ascii_digit()) => host,
        _ => token,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_values_name_hosts() {
        for (key, value, host, named) in [
            ("DB_HOST", "mysql", "mysql", true),
            ("DB_HOST", "MYSQL", "mysql", true),
            ("REDIS_URL", "redis", "redis", true),
            ("KAFKA_SERVERS", "kafka-1, kafka-2", "kafka-2", true),
            ("MYSQL_USER", "ghost", "ghost", false),
            ("GREETING", "hello api", "api", false),
            ("DSN", "db:5432", "db", true),
            ("DSN", "postgres://user:secret@db:5432/app", "db", true),
            (
                "DSN",
                "postgres://user:secret@db:5432/app",
                "postgres",
                false,
            ),
            ("DSN", "postgres://user:1234@db/app", "user", false),
            ("DSN", "jdbc:mysql://db/app?ssl=false", "db", true),
            ("DSN", "jdbc:mysql://db/app", "mysql", false),
            ("MONGO", "mongodb://a:1,b:2/x", "b", true),
            ("BROKERS", "kafka-1:9092,kafka-2:9092", "kafka-2", true),
            ("DSN", "user:pw@tcp(mysql:3306)/app", "mysql", true),
            ("API", "http://api.internal:8080", "api", false),
            ("DB_HOST", "mysqldb", "mysql", false),
            ("TIME", "12:30", "12", true),
            ("DB_HOST", "", "db", false),
        ] {
            assert_eq!(
                mentions_host(key, value, host),
                named,
                "{key}={value} / {host}"
            );
        }
    }
}
