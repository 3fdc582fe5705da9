//! Kubernetes' own rules for names and values, one function per rule, as apimachinery's
//! validation package and the core API's validation state them (`IsDNS1123Label`,
//! `IsDNS1123Subdomain`, `IsQualifiedName`, `IsValidLabelValue`, `IsValidPortName`,
//! `IsEnvVarName`, `IsValidSysctlName`, resource quantities). Everything that checks a
//! value against what the API server accepts calls these: the `x-kubernetes` checks and
//! the translation alike. A leaf module: it imports nothing of this crate.

/// The longest DNS-1123 label, and the longest name part of a qualified name.
pub const MAX_LABEL: usize = 63;
/// The longest DNS-1123 subdomain.
pub const MAX_SUBDOMAIN: usize = 253;
/// The longest port name (an IANA service name).
pub const MAX_PORT_NAME: usize = 15;

/// Why `text` is not a DNS label (see [`is_dns1123_label`]), in the words of every message
/// about one; `None` when it is one.
pub fn dns_label_problem(text: &str) -> Option<String> {
    (!is_dns1123_label(text)).then(|| {
        format!(
            "{text:?} is not a DNS label: expected at most 63 lower-case letters, digits and `-`"
        )
    })
}

/// `[a-z0-9]([-a-z0-9]*[a-z0-9])?`, at most 63 characters: Service and namespace names.
pub fn is_dns1123_label(text: &str) -> bool {
    (1..=MAX_LABEL).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !text.starts_with('-')
        && !text.ends_with('-')
}

/// DNS-1123 labels joined by `.`, at most 253 characters: most object names, host names.
pub fn is_dns1123_subdomain(text: &str) -> bool {
    (1..=MAX_SUBDOMAIN).contains(&text.len()) && text.split('.').all(is_dns1123_label)
}

/// A label or annotation key: an optional DNS subdomain prefix and `/`, then 1 to 63
/// letters, digits, `-`, `_` or `.`, a letter or digit at both ends.
pub fn is_qualified_name(text: &str) -> bool {
    let (prefix, name) = match text.split_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, text),
    };
    !name.is_empty() && is_name_part(name) && prefix.is_none_or(is_dns1123_subdomain)
}

/// A label value: empty, or what the name part of a qualified name may be.
pub fn is_label_value(text: &str) -> bool {
    text.is_empty() || is_name_part(text)
}

fn is_name_part(text: &str) -> bool {
    text.len() <= MAX_LABEL
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        && text.starts_with(|c: char| c.is_ascii_alphanumeric())
        && text.ends_with(|c: char| c.is_ascii_alphanumeric())
}

/// An IANA service name, as Kubernetes checks port names: 1 to 15 characters of `a-z`,
/// `0-9` and `-`, at least one letter, no dash at either end and no two in a row.
pub fn is_port_name(text: &str) -> bool {
    (1..=MAX_PORT_NAME).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && text.bytes().any(|b| b.is_ascii_lowercase())
        && !text.starts_with('-')
        && !text.ends_with('-')
        && !text.contains("--")
}

/// An environment variable name: printable ASCII other than `=`. (The rule since
/// Kubernetes 1.32 made it the default; before, a C identifier with `-` and `.`.)
pub fn is_env_var_name(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|b| (b' '..=b'~').contains(&b) && b != b'=')
}

/// A sysctl name: segments of `a-z`, `0-9`, `-` and `_` (a letter or digit at both ends)
/// separated by `.` or `/`, at most 253 characters.
pub fn is_sysctl_name(text: &str) -> bool {
    text.len() <= MAX_SUBDOMAIN
        && text.split(['.', '/']).all(|segment| {
            !segment.is_empty()
                && segment
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-_".contains(&b))
                && segment.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
                && segment.ends_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
}

/// An IPv4 or IPv6 address, as a pod's DNS nameservers and host aliases must be.
pub fn is_ip(text: &str) -> bool {
    text.parse::<std::net::IpAddr>().is_ok()
}

/// The suffix of a positive quantity written as a number with an optional binary or
/// decimal suffix (`5Gi`, `500M`, `0.5`): `Some("")` for a bare number, `None` when `text`
/// is not one.
pub fn quantity_suffix(text: &str) -> Option<&str> {
    const SUFFIXES: &[&str] = &[
        "", "k", "M", "G", "T", "P", "E", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei",
    ];
    let number_end = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, suffix) = text.split_at(number_end);
    (number.parse::<f64>().is_ok_and(|n| n > 0.0) && SUFFIXES.contains(&suffix)).then_some(suffix)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(rule: fn(&str) -> bool, valid: &[&str], invalid: &[&str]) {
        for text in valid {
            assert!(rule(text), "{text:?} should be valid");
        }
        for text in invalid {
            assert!(!rule(text), "{text:?} should be invalid");
        }
    }

    #[test]
    fn dns1123_labels_and_subdomains() {
        let long = "a".repeat(64);
        check(
            is_dns1123_label,
            &["a", "web-1", "a--b", "0"],
            &["", "-a", "a-", "A", "a.b", "a_b", &long],
        );
        check(
            is_dns1123_subdomain,
            &["a", "a.b-c.d", "xmpp.meet.jitsi"],
            &["", "a..b", ".a", "A.b", "a_b"],
        );
    }

    #[test]
    fn qualified_names_and_label_values() {
        check(
            is_qualified_name,
            &[
                "http",
                "kubernetes.io/h2c",
                "app.kubernetes.io/name",
                "A_b.c",
            ],
            &["", "h2c/", "/a", "a b", "-a", "Example.com/a", "a/b/c"],
        );
        check(
            is_label_value,
            &["", "v1.2_3", "Web"],
            &["-a", "a-", "a b", &"a".repeat(64)],
        );
    }

    #[test]
    fn port_names_follow_iana_rules() {
        check(
            is_port_name,
            &["http", "tcp-8080", "web-admin-port1"],
            &[
                "web-admin-port12",
                "8080",
                "Http",
                "http_alt",
                "-http",
                "a--b",
                "",
            ],
        );
    }

    #[test]
    fn env_var_and_sysctl_names() {
        check(
            is_env_var_name,
            &["PATH", "1BAD", "a.b-c", "with space"],
            &["", "A=B", "é", "a\tb"],
        );
        check(
            is_sysctl_name,
            &[
                "net.core.somaxconn",
                "kernel.shm_rmid_forced",
                "net/ipv4/ip_forward",
                "net.ipv4.conf.eth0.forwarding",
            ],
            &["", "net..x", "net.", "Net.core", "net.core-"],
        );
    }

    #[test]
    fn ips_and_quantities() {
        check(
            is_ip,
            &["1.1.1.1", "::1", "2001:db8::1"],
            &["not-an-ip", "1.1.1", ""],
        );
        assert_eq!(quantity_suffix("5Gi"), Some("Gi"));
        assert_eq!(quantity_suffix("0.5"), Some(""));
        assert_eq!(quantity_suffix("0Gi"), None);
        assert_eq!(quantity_suffix("5GB"), None);
    }
}
