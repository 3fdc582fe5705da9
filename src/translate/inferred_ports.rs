//! What a service's image tells without the compose file saying it: the ports a well-known
//! image listens on (mysql 3306; PHP-FPM's 9000 for an `fpm` tag), the port its health
//! check calls on the container itself, and the volumes a well-known image declares. Port
//! planning (`network`) uses the ports when `ports` and `expose` say nothing; `storage`
//! mounts the volumes.

/// Server images whose ports are known, by the end of their repository path. They are
/// matched on whole path components, so `joindevops/mysql` and `registry.local/base/postgres`
/// count, and `mssql/server` needs both components.
const WELL_KNOWN_PORTS: &[(&str, &[u16])] = &[
    ("mysql", &[3306]),
    ("mysql-server", &[3306]),
    ("mariadb", &[3306]),
    ("percona", &[3306]),
    ("percona-server", &[3306]),
    ("postgres", &[5432]),
    ("postgresql", &[5432]),
    ("postgis", &[5432]),
    ("pgvector", &[5432]),
    ("timescaledb", &[5432]),
    ("redis", &[6379]),
    ("redis-stack", &[6379]),
    ("redis-stack-server", &[6379]),
    ("valkey", &[6379]),
    ("keydb", &[6379]),
    ("dragonfly", &[6379]),
    ("mongo", &[27017]),
    ("mongodb", &[27017]),
    ("mongodb-community-server", &[27017]),
    ("rabbitmq", &[5672]),
    ("memcached", &[11211]),
    ("elasticsearch", &[9200]),
    ("opensearch", &[9200]),
    ("cassandra", &[9042]),
    ("scylla", &[9042]),
    ("zookeeper", &[2181]),
    ("cp-zookeeper", &[2181]),
    ("kafka", &[9092]),
    ("cp-kafka", &[9092]),
    ("nats", &[4222]),
    ("eclipse-mosquitto", &[1883]),
    ("influxdb", &[8086]),
    ("couchdb", &[5984]),
    ("minio", &[9000]),
    ("mssql", &[1433]),
    ("mssql/server", &[1433]),
    ("azure-sql-edge", &[1433]),
    ("etcd", &[2379]),
    ("consul", &[8500]),
    ("vault", &[8200]),
    ("prometheus", &[9090]),
    // HTTP and the native protocol: clients use either.
    ("clickhouse-server", &[8123, 9000]),
    ("zulip-postgresql", &[5432]),
    ("php-fpm", &[9000]),
];

/// The `VOLUME`s of Docker's official images that hold data, by image name: Compose gives
/// each container an anonymous volume at each of them unless the service mounts something
/// there. Each entry lists, from the oldest, the first major version (of the tag) that
/// declares the paths. Checked against the images' Dockerfiles (docker-library/postgres,
/// mysql, mongo, redis, rabbitmq, cassandra; MariaDB/mariadb-docker; apache/couchdb-docker).
const DECLARED_VOLUMES: &[(&str, &[VolumesSince])] = &[
    // 18 moved PGDATA under /var/lib/postgresql/18/docker and the VOLUME up to its parent.
    (
        "postgres",
        &[
            (0, &["/var/lib/postgresql/data"]),
            (18, &["/var/lib/postgresql"]),
        ],
    ),
    ("mysql", &[(0, &["/var/lib/mysql"])]),
    ("mariadb", &[(0, &["/var/lib/mysql"])]),
    ("mongo", &[(0, &["/data/db", "/data/configdb"])]),
    ("redis", &[(0, &["/data"])]),
    ("rabbitmq", &[(0, &["/var/lib/rabbitmq"])]),
    ("cassandra", &[(0, &["/var/lib/cassandra"])]),
    ("couchdb", &[(0, &["/opt/couchdb/data"])]),
];

/// The first major version that declares some paths, and the paths.
type VolumesSince = (u32, &'static [&'static str]);

/// The volumes an official image declares (see [`DECLARED_VOLUMES`]). Only Docker's own
/// image counts (`postgres`, `library/postgres`, `docker.io/library/postgres`, a mirror's
/// `…/library/postgres`): another image of the same name declares what its author chose. A
/// tag that names no major version (`latest`, `alpine`) is taken to be the newest.
pub(super) fn declared_volumes(image: &str) -> &'static [&'static str] {
    let repository = image_repository(image);
    let name = repository
        .strip_prefix("docker.io/")
        .or_else(|| repository.strip_prefix("index.docker.io/"))
        .unwrap_or(&repository);
    let name = match name.rfind("/library/") {
        Some(at) => &name[at + "/library/".len()..],
        None => name.strip_prefix("library/").unwrap_or(name),
    };
    let Some((_, versions)) = DECLARED_VOLUMES.iter().find(|(known, _)| *known == name) else {
        return &[];
    };
    let major = image_major_version(image);
    versions
        .iter()
        .rev()
        .find(|(from, _)| major.is_none_or(|major| major >= *from))
        .map_or(&[], |(_, paths)| *paths)
}

/// The major version a tag starts with: `16.2-alpine` → 16; none for `latest`, `alpine`,
/// or an image without a tag.
fn image_major_version(image: &str) -> Option<u32> {
    let without_digest = image.split('@').next().unwrap_or_default();
    let last_slash = without_digest.rfind('/').map_or(0, |i| i + 1);
    let tag = without_digest[last_slash..].split_once(':')?.1;
    let digits: String = tag.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// PHP-FPM listens on 9000 (`php:8-fpm`, `nextcloud:fpm`, `matomo:fpm-alpine`): the images
/// of PHP applications name their FPM variant by a word of the tag, not by the repository.
const FPM_PORTS: &[u16] = &[9000];

/// The ports of a well-known server image, and what matched: the table entry, or the
/// `fpm` word of the tag.
pub(super) fn well_known_ports(image: &str) -> Option<(&'static [u16], &'static str)> {
    let repository = image_repository(image);
    let known = WELL_KNOWN_PORTS
        .iter()
        .find(|(known, _)| {
            repository == *known
                || repository
                    .strip_suffix(known)
                    .is_some_and(|rest| rest.ends_with('/'))
        })
        .map(|(known, ports)| (*ports, *known));
    let fpm = || {
        image_tag(image)
            .split(['-', '.', '_'])
            .any(|word| word.eq_ignore_ascii_case("fpm"))
            .then_some((FPM_PORTS, "PHP-FPM, by its tag"))
    };
    known.or_else(fpm)
}

/// The tag of an image reference, empty without one: `php:8.2-fpm@sha256:…` → `8.2-fpm`.
fn image_tag(image: &str) -> &str {
    let without_digest = image.split('@').next().unwrap_or_default();
    let last_component = &without_digest[without_digest.rfind('/').map_or(0, |i| i + 1)..];
    last_component.split_once(':').map_or("", |(_, tag)| tag)
}

/// An image reference without its digest and tag, in lower case:
/// `registry.local:5000/base/postgres:16@sha256:…` → `registry.local:5000/base/postgres`.
fn image_repository(image: &str) -> String {
    let without_digest = image.split('@').next().unwrap_or_default();
    let last_slash = without_digest.rfind('/').map_or(0, |i| i + 1);
    let without_tag = match without_digest[last_slash..].find(':') {
        Some(colon) => &without_digest[..last_slash + colon],
        None => without_digest,
    };
    without_tag.to_ascii_lowercase()
}

/// The TCP port a health check calls on the container itself: a URL on `localhost`,
/// `127.0.0.1` or `[::1]` with an explicit port (`curl -f http://localhost:3000/health`),
/// or bash's `/dev/tcp/localhost/6666`. The container listens there.
pub(super) fn local_port_checked(test: &[String]) -> Option<u16> {
    const LOCAL: &[&str] = &["localhost", "127.0.0.1", "[::1]"];
    let text = test.iter().skip(1).cloned().collect::<Vec<_>>().join(" ");
    let port_after = |rest: &str| -> Option<u16> {
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        digits.parse::<u16>().ok().filter(|&port| port > 0)
    };
    for (at, _) in text.match_indices("://") {
        let after = &text[at + 3..];
        let host_start = after
            .find(['/', ' '])
            .map_or(after, |end| &after[..end])
            .rfind('@')
            .map_or(0, |i| i + 1);
        let authority = &after[host_start..];
        for local in LOCAL {
            if let Some(port) = authority
                .strip_prefix(local)
                .and_then(|rest| rest.strip_prefix(':'))
                .and_then(port_after)
            {
                return Some(port);
            }
        }
    }
    LOCAL.iter().find_map(|local| {
        let marker = format!("/dev/tcp/{local}/");
        let at = text.find(&marker)?;
        port_after(&text[at + marker.len()..])
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_ports_match_the_last_path_components() {
        for (image, port) in [
            ("mysql", Some(3306)),
            ("joindevops/mysql:1.0.0", Some(3306)),
            ("registry.local/base/postgres:16", Some(5432)),
            ("registry.local:5000/redis@sha256:abc", Some(6379)),
            ("Bitnami/PostgreSQL:latest", Some(5432)),
            ("mcr.microsoft.com/mssql/server:2022-latest", Some(1433)),
            (
                "docker.elastic.co/elasticsearch/elasticsearch:8.1.0",
                Some(9200),
            ),
            ("redis-commander", None),
            ("mymysql", None),
            ("example.com/server", None),
            ("localhost:5000/app", None),
            ("", None),
        ] {
            assert_eq!(
                well_known_ports(image).map(|(p, _)| p),
                port.map(|p| vec![p]).as_deref(),
                "{image}"
            );
        }
    }

    #[test]
    fn some_images_have_several_ports_or_are_known_by_their_tag() {
        for (image, ports) in [
            ("clickhouse/clickhouse-server:24.3", &[8123, 9000][..]),
            ("zulip/zulip-postgresql:14", &[5432]),
            ("php:8-fpm", &[9000]),
            ("nextcloud:fpm", &[9000]),
            ("matomo:fpm-alpine", &[9000]),
            ("php:8.2-FPM-bookworm@sha256:00", &[9000]),
            ("bitnami/php-fpm:8.2", &[9000]),
            ("php:8-apache", &[]),
            ("nextcloud", &[]),
            ("registry.local:5000/fpm", &[]),
            ("fpm-exporter:latest", &[]),
        ] {
            assert_eq!(
                well_known_ports(image).map_or(&[][..], |(p, _)| p),
                ports,
                "{image}"
            );
        }
    }

    #[test]
    fn official_images_declare_their_volumes_by_version() {
        for (image, volumes) in [
            ("postgres:16", &["/var/lib/postgresql/data"][..]),
            ("postgres:17.2-alpine", &["/var/lib/postgresql/data"]),
            ("docker.io/library/postgres:18", &["/var/lib/postgresql"]),
            ("postgres", &["/var/lib/postgresql"]),
            ("postgres:alpine", &["/var/lib/postgresql"]),
            ("library/mongo:7", &["/data/db", "/data/configdb"]),
            ("mirror.gcr.io/library/redis:7@sha256:00", &["/data"]),
            ("docker.io/mariadb:11", &["/var/lib/mysql"]),
            ("bitnami/postgresql:16", &[]),
            ("registry.local/base/postgres:16", &[]),
            ("joindevops/mysql:1.0.0", &[]),
            ("memcached", &[]),
        ] {
            assert_eq!(declared_volumes(image), volumes, "{image}");
        }
    }

    #[test]
    fn repositories_lose_tag_and_digest_but_keep_a_registry_port() {
        assert_eq!(
            image_repository("localhost:5000/a/b:1"),
            "localhost:5000/a/b"
        );
        assert_eq!(image_repository("a@sha256:00"), "a");
        assert_eq!(image_repository("a:1@sha256:00"), "a");
    }

    #[test]
    fn health_checks_tell_the_port_they_call_locally() {
        let port = |test: &[&str]| {
            local_port_checked(&test.iter().map(|s| s.to_string()).collect::<Vec<_>>())
        };
        assert_eq!(
            port(&[
                "CMD-SHELL",
                "curl -f http://localhost:3000/health || exit 1"
            ]),
            Some(3000)
        );
        assert_eq!(
            port(&["CMD", "curl", "-sf", "http://127.0.0.1:3000"]),
            Some(3000)
        );
        assert_eq!(
            port(&["CMD-SHELL", "wget -q http://u:p@[::1]:81/"]),
            Some(81)
        );
        assert_eq!(
            port(&["CMD-SHELL", "/bin/bash -c '</dev/tcp/localhost/6666'"]),
            Some(6666)
        );
        assert_eq!(port(&["CMD-SHELL", "curl -f http://localhost/"]), None);
        assert_eq!(port(&["CMD-SHELL", "curl -f http://db:5432/"]), None);
        assert_eq!(port(&["CMD", "redis-cli", "ping"]), None);
    }
}
