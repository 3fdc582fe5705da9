//! Who reaches a service by name, and on which port: `depends_on`, `links`, and the host
//! names (the service's, an alias, its container name) in what services are given:
//! environment values and env files, `command`, `entrypoint` and health checks, and the
//! text of the files copied into their ConfigMaps (bind-mounted configuration, `configs`).
//! One scanner reads them all: a URL's host, `host:port`, `nc host port`, and in the
//! environment the value of a host variable such as `DB_HOST`. Only names of the project's
//! services count, and ordinary words are never read as host names. Port planning
//! (`network`) adds the ports named to a Service, and the report says who cannot reach a
//! service that has none.

use std::collections::{HashMap, HashSet};

use super::alias::alias_names;
use super::config::config_bytes;
use super::storage::copied_files;
use super::{Context, Input};
use crate::compose::model::Service;
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
/// then the environment, env files, commands, the health check and copied files. Computed
/// once per translation; asking every service about every other made a large project
/// quadratic.
#[derive(Debug, Clone, Default)]
pub struct Referrers<'a> {
    by_target: HashMap<&'a str, Vec<(&'a str, String)>>,
    /// The ports services name with the host (`cache:6379`, `http://api:8080`), each with
    /// the first service and key that names it, in the project's order. A service naming
    /// its own host counts: it tells others that address (kafka's advertised listeners).
    ports_by_target: HashMap<&'a str, Vec<NamedPort<'a>>>,
}

/// A port a service is reached on, by name: `web`'s `environment CACHE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct NamedPort<'a> {
    pub port: u16,
    /// The service that names it (itself, possibly).
    pub by: &'a str,
    /// Where: `environment CACHE`, `command`, `volumes[0] default.conf`.
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
        // Each service a host names, with the port and the host as written.
        let named_as_host = |hosts: Vec<HostPort>| -> Vec<(&'a str, Option<u16>, String)> {
            hosts
                .into_iter()
                .filter_map(|(host, port)| {
                    let targets = by_lowercase.get(&host.to_ascii_lowercase())?;
                    Some(
                        targets
                            .iter()
                            .map(move |target| (*target, port, host.clone())),
                    )
                })
                .flatten()
                .collect()
        };
        let mut referrers = Referrers::default();
        let mut add_port =
            |target: &'a str, port: Option<u16>, by: &'a str, key: &dyn Fn() -> String| {
                let Some(port) = port else {
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
            for (key, hosts) in texts_given(input, other, service) {
                for (target, port, host) in named_as_host(hosts) {
                    // A health check naming its own service calls localhost in the pod
                    // (see `probe`), not the Service.
                    if target == other.as_str() && key == "healthcheck" {
                        continue;
                    }
                    // By another name (an alias, a container name), which the report says:
                    // that is the name that must resolve.
                    if host.eq_ignore_ascii_case(target) {
                        add(target, &|| key.clone());
                    } else {
                        add(target, &|| format!("{key}, as {host}"));
                    }
                    add_port(target, port, other, &|| key.clone());
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

/// A host named in a text, with its port when one is given.
type HostPort = (String, Option<u16>);

/// The hosts named in what `name` is given, by key (`environment DB_HOST`, `command`,
/// `volumes[0] default.conf`), in the order of [`Referrers`].
fn texts_given<'a>(
    input: &Input<'a>,
    name: &str,
    service: &'a Service,
) -> Vec<(String, Vec<HostPort>)> {
    let mut found = Vec::new();
    let own = service
        .environment
        .0
        .iter()
        .filter_map(|(key, value)| Some((key, value.as_deref()?)));
    for (key, value) in own {
        found.push((format!("environment {key}"), hosts_named(key, value)));
    }
    let files = input.env_files.get(name).into_iter().flatten();
    for (key, value) in files.flat_map(|file| file.variables.iter()) {
        found.push((format!("env_file {key}"), hosts_named(key, value)));
    }
    let commands = [
        ("command", &service.command),
        ("entrypoint", &service.entrypoint),
    ];
    for (key, command) in commands {
        if let Some(command) = command {
            found.push((key.to_string(), hosts_in(&command.words().join(" ")).0));
        }
    }
    if let Some(check) = service.healthcheck.as_ref().filter(|check| !check.disable) {
        // The first word says how to run the rest (`CMD`, `CMD-SHELL`).
        let test = check.test.iter().skip(1).cloned().collect::<Vec<_>>();
        found.push(("healthcheck".to_string(), hosts_in(&test.join(" ")).0));
    }
    for (index, mount) in service.volumes.iter().enumerate() {
        for (file, content) in copied_files(input, name, mount) {
            if let Ok(text) = std::str::from_utf8(&content.bytes) {
                found.push((format!("volumes[{index}] {file}"), hosts_in(text).0));
            }
        }
    }
    for (index, reference) in service.configs.iter().enumerate() {
        let text = config_bytes(input, &reference.source).map(std::str::from_utf8);
        if let Some(Ok(text)) = text {
            let key = format!("configs[{index}] {}", reference.source);
            found.push((key, hosts_in(text).0));
        }
    }
    found
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

/// The host names an environment variable gives: those of [`hosts_in`] and, when the
/// variable's name says it holds hosts (`DB_HOST`), its bare items (`mysql`). Ordinary
/// words are never read as host names: `MYSQL_USER=ghost` names no host.
fn hosts_named(key: &str, value: &str) -> Vec<HostPort> {
    let (mut hosts, rest) = hosts_in(value);
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

/// Programs that take a host and then a port as two words: `nc -z db 5432`.
const HOST_PORT_PROGRAMS: &[&str] = &["nc", "ncat", "netcat", "telnet"];

/// The hosts a text names, with their ports, and the text without its URLs: a URL's hosts
/// (`mysql://user:pw@db:5432/app`, `mongodb://a:1,b:2/x`), a `host:port` anywhere
/// (`kafka:9092,kafka2:9092`, a Go DSN's `tcp(db:3306)`, nginx's `server app:8065;`), and
/// the host and port words after `nc` (`nc -z -w 1 app 8065`).
fn hosts_in(text: &str) -> (Vec<HostPort>, String) {
    let mut hosts = Vec::new();
    let mut rest = String::with_capacity(text.len());
    let mut remaining = text;
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
            .find(|c: char| {
                matches!(c, '/' | '?' | '#' | '"' | '\'' | ')' | ';') || c.is_whitespace()
            })
            .unwrap_or(after.len());
        let authority = &after[..end];
        let hosts_part = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        let implied = scheme_port(&before[scheme_start..]);
        hosts.extend(
            hosts_part
                .split(',')
                .map(host_and_port)
                .map(|(host, port)| (host, port.or(implied))),
        );
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
    for command in rest.split(['\n', ';', '&', '|', '(', ')', '`']) {
        let words: Vec<&str> = command
            .split(|c: char| c.is_whitespace() || c == '"' || c == '\'')
            .filter(|word| !word.is_empty())
            .collect();
        let program = words.iter().position(|word| {
            let base = word.rsplit('/').next().unwrap_or_default();
            HOST_PORT_PROGRAMS.contains(&base)
        });
        let Some(program) = program else {
            continue;
        };
        let pair = words[program + 1..].windows(2).find_map(|pair| {
            let port = pair[1].parse::<u16>().ok().filter(|&port| port > 0)?;
            (!pair[0].starts_with('-')).then(|| (pair[0].to_string(), Some(port)))
        });
        hosts.extend(pair);
    }
    (hosts, rest)
}

/// The port a URL of `scheme` means when it names none: `http://exc1/v1` is port 80 of
/// `exc1`, which its Service must then have. `jdbc:mysql` and `postgresql+psycopg` count
/// by their protocol; `mongodb+srv` finds its ports through DNS records, so none.
fn scheme_port(scheme: &str) -> Option<u16> {
    let scheme = scheme.rsplit(':').next().unwrap_or_default();
    if scheme.ends_with("+srv") {
        return None;
    }
    let protocol = scheme.split('+').next().unwrap_or_default();
    let port = match protocol.to_ascii_lowercase().as_str() {
        "http" | "ws" => 80,
        "https" | "wss" => 443,
        "postgres" | "postgresql" => 5432,
        "mysql" | "mariadb" => 3306,
        "redis" | "rediss" => 6379,
        "mongodb" => 27017,
        "amqp" => 5672,
        "amqps" => 5671,
        "nats" => 4222,
        "mqtt" => 1883,
        _ => return None,
    };
    Some(port)
}

/// `db:5432` → (`db`, 5432); anything else as it is, without a port.
fn host_and_port(token: &str) -> HostPort {
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

    #[test]
    fn commands_and_files_name_hosts_with_ports() {
        let ports = |text: &str| -> Vec<(String, u16)> {
            hosts_in(text)
                .0
                .into_iter()
                .filter_map(|(host, port)| Some((host, port?)))
                .collect()
        };
        let pair = |host: &str, port: u16| vec![(host.to_string(), port)];
        assert_eq!(
            ports("sh -c until nc -z app 8065; do sleep 1; done"),
            pair("app", 8065)
        );
        assert_eq!(ports("nc -w 1 -z 'app' 8065"), pair("app", 8065));
        assert_eq!(ports("/usr/bin/ncat db 5432 && echo 1 2"), pair("db", 5432));
        assert_eq!(ports("nc -l -p 8080"), vec![]);
        assert_eq!(ports("sleep 5 app 80"), vec![]);
        assert_eq!(
            ports("relay --backend=http://relay:3000"),
            pair("relay", 3000)
        );
        assert_eq!(
            ports("upstream m {\n  server mattermost:8065;\n}"),
            pair("mattermost", 8065)
        );
        assert_eq!(ports("fastcgi_pass app:9000;"), pair("app", 9000));
        assert_eq!(
            ports("location / { proxy_pass http://relay:3000; }"),
            pair("relay", 3000)
        );
        assert_eq!(
            ports("symbolicator:\n  url: symbolicator:3021\n"),
            pair("symbolicator", 3021)
        );
        assert_eq!(ports("listen 80;\nserver_name _;"), vec![]);
        assert_eq!(ports("app:99999 app:0"), vec![]);
    }

    #[test]
    fn a_url_without_a_port_means_its_scheme_s_port() {
        let ports = |text: &str| -> Vec<HostPort> { hosts_in(text).0 };
        assert_eq!(ports("http://exc1/v1"), [("exc1".to_string(), Some(80))]);
        assert_eq!(ports("wss://hub"), [("hub".to_string(), Some(443))]);
        assert_eq!(
            ports("jdbc:mysql://db/app postgresql+psycopg://u:p@pg/x"),
            [
                ("db".to_string(), Some(3306)),
                ("pg".to_string(), Some(5432))
            ]
        );
        assert_eq!(ports("http://web:8080/"), [("web".to_string(), Some(8080))]);
        assert_eq!(
            ports("mongodb+srv://cluster/db"),
            [("cluster".to_string(), None)]
        );
        assert_eq!(ports("gopher://hole/"), [("hole".to_string(), None)]);
    }
}
