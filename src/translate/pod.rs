//! Pod-level settings of a service: name resolution (`extra_hosts`, `dns`, `dns_search`,
//! `dns_opt`, always keeping the cluster's DNS), `hostname` and `domainname`, `platform` as a node selector, and
//! `stop_grace_period`.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::{HostAlias, PodDNSConfig, PodDNSConfigOption};

use super::names::dns_label;
use super::Code;
use super::Context;
use crate::compose::model::Service;
use crate::validation::{is_dns1123_subdomain, is_ip, is_label_value};

/// The most nameservers a pod's resolver has (the kubelet drops the rest).
const MAX_NAMESERVERS: usize = 3;
/// Those left beside the cluster's DNS, which ClusterFirst puts first.
const MAX_EXTRA_NAMESERVERS: usize = MAX_NAMESERVERS - 1;

/// `extra_hosts` as host aliases: one per address, addresses and names sorted.
pub fn host_aliases(cx: &mut Context<'_>, name: &str, service: &Service) -> Option<Vec<HostAlias>> {
    let mut by_address: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (host, addresses) in service.extra_hosts.iter() {
        if !is_dns1123_subdomain(host) {
            cx.report.warn(
                Code::InvalidValue,
                name,
                "extra_hosts",
                format!(
                    "{host:?} is left out: a host alias must be a DNS name (lower-case letters, \
                     digits, `-` and `.`), which the API server checks"
                ),
            );
            continue;
        }
        for address in addresses {
            if !is_ip(address) {
                cx.report.warn(
                    Code::NetworkSettingNotTranslated,
                    name,
                    "extra_hosts",
                    format!(
                        "{host}={address} is not translated: a host alias needs an IP address \
                         (Docker's host-gateway has no Kubernetes equivalent)"
                    ),
                );
                continue;
            }
            by_address
                .entry(address.clone())
                .or_default()
                .insert(host.clone());
        }
    }
    let aliases: Vec<HostAlias> = by_address
        .into_iter()
        .map(|(ip, hosts)| HostAlias {
            ip,
            hostnames: Some(hosts.into_iter().collect()),
        })
        .collect();
    (!aliases.is_empty()).then_some(aliases)
}

/// `dns`, `dns_search` and `dns_opt` as the pod's DNS config, under the default policy
/// (ClusterFirst). Compose replaces the resolver with the named servers, but its embedded
/// DNS still answers service names; a pod with `dnsPolicy: None` would lose the cluster's
/// DNS and no Service name would resolve. So the cluster's resolver stays first and the
/// servers follow it, within the three a pod may have.
pub fn dns_config(cx: &mut Context<'_>, name: &str, service: &Service) -> Option<PodDNSConfig> {
    let mut nameservers: Vec<String> = Vec::new();
    for server in service.dns.iter() {
        if is_ip(server) {
            nameservers.push(server.clone());
        } else {
            cx.report.warn(
                Code::InvalidValue,
                name,
                "dns",
                format!(
                    "{server:?} is not an IP address, which a pod's nameserver must be; left out"
                ),
            );
        }
    }
    if !nameservers.is_empty() {
        let kept = nameservers.len().min(MAX_EXTRA_NAMESERVERS);
        let mut message = format!(
            "the cluster's DNS stays the pod's first nameserver, so that Service names \
             resolve; {} follow it and are asked only when it does not answer",
            nameservers[..kept].join(", ")
        );
        if nameservers.len() > kept {
            message.push_str(&format!(
                "; left out, as a pod has at most {MAX_NAMESERVERS} nameservers with the \
                 cluster's: {}",
                nameservers[kept..].join(", ")
            ));
            nameservers.truncate(kept);
        }
        cx.report
            .warn(Code::DnsSettingChanged, name, "dns", message);
    }
    let searches: Vec<String> = service.dns_search.iter().cloned().collect();
    let options: Vec<PodDNSConfigOption> = service.dns_opt.iter().map(|o| dns_option(o)).collect();
    if nameservers.is_empty() && searches.is_empty() && options.is_empty() {
        return None;
    }
    Some(PodDNSConfig {
        nameservers: (!nameservers.is_empty()).then_some(nameservers),
        searches: (!searches.is_empty()).then_some(searches),
        options: (!options.is_empty()).then_some(options),
    })
}

/// A resolver option, `name[:value]` as resolv.conf writes it (`ndots:2`, `use-vc`).
fn dns_option(option: &str) -> PodDNSConfigOption {
    let (name, value) = match option.split_once(':') {
        Some((name, value)) => (name, Some(value.to_string())),
        None => (option, None),
    };
    PodDNSConfigOption {
        name: Some(name.to_string()),
        value,
    }
}

/// `hostname` and `domainname` as the pod's hostname and subdomain. A pod's hostname is
/// one DNS label, so a dotted `hostname` without `domainname` (`mail.example.com`) is taken
/// as its two parts would be written (`hostname: mail`, `domainname: example.com`): both
/// spellings give the same pod.
pub fn hostname_and_subdomain(
    cx: &mut Context<'_>,
    name: &str,
    service: &Service,
) -> (Option<String>, Option<String>) {
    let hostname = service.hostname.as_deref().filter(|h| !h.is_empty());
    let domainname = service.domainname.as_deref().filter(|d| !d.is_empty());
    // Docker keeps a dotted hostname whole (`hostname` prints it), which a pod cannot.
    let dotted = match (hostname, domainname) {
        (Some(written), None) => written
            .split_once('.')
            .filter(|(host, domain)| !host.is_empty() && !domain.is_empty()),
        _ => None,
    };
    let (host_label, subdomain, domain_key) = match dotted {
        Some((host, domain)) => {
            let (host_label, subdomain) = (dns_label(host), dns_label(domain));
            if host_label != host || subdomain != domain {
                cx.report.warn(
                    Code::InvalidValue,
                    name,
                    "hostname",
                    format!(
                        "{:?} is not a DNS label; the pod uses the hostname {host_label:?} and \
                         the subdomain {subdomain:?}",
                        hostname.unwrap_or_default()
                    ),
                );
            }
            (Some(host_label), Some(subdomain), "hostname")
        }
        None => (
            hostname.map(|h| as_label(cx, name, "hostname", h)),
            domainname.map(|d| as_label(cx, name, "domainname", d)),
            "domainname",
        ),
    };
    let (host, domain) = dotted.map_or((hostname, domainname), |(h, d)| (Some(h), Some(d)));
    if let (Some(subdomain), Some(domain)) = (&subdomain, domain) {
        // The kubelet's /etc/hosts names the pod <hostname>.<subdomain>.<namespace>.svc.
        // <cluster domain>, which is what `hostname -f` reads, not the name Compose gives.
        let (fqdn_host, written) = match (&host_label, host) {
            (Some(label), Some(host)) => (label.as_str(), format!("{host}.{domain}")),
            _ => ("<pod name>", format!("<container id>.{domain}")),
        };
        cx.report.info(
            Code::DnsSettingChanged,
            name,
            domain_key,
            format!(
                "the pod's subdomain is {subdomain:?}: its name resolves in the cluster only \
                 through a headless Service of that name, and `hostname -f` in the pod prints \
                 {fqdn_host}.{subdomain}.<namespace>.svc.<cluster domain>, not {written}"
            ),
        );
    }
    (host_label, subdomain)
}

/// A pod's hostname and subdomain must be DNS labels; others take the label form.
fn as_label(cx: &mut Context<'_>, name: &str, key: &str, value: &str) -> String {
    let label = dns_label(value);
    if label != value {
        cx.report.warn(
            Code::InvalidValue,
            name,
            key,
            format!("{value:?} is not a DNS label; the pod uses {label:?}"),
        );
    }
    label
}

/// `platform` (`os/arch[/variant]`) as a node selector on the well-known node labels.
pub fn node_selector(
    cx: &mut Context<'_>,
    name: &str,
    service: &Service,
) -> Option<BTreeMap<String, String>> {
    let platform = service.platform.as_deref().filter(|p| !p.is_empty())?;
    let mut parts = platform.split('/');
    let mut selector = BTreeMap::new();
    for label in ["kubernetes.io/os", "kubernetes.io/arch"] {
        match parts.next() {
            // An empty part (`linux/`) selects no node: not a value to require.
            Some(value) if !value.is_empty() && is_label_value(value) => {
                selector.insert(label.to_string(), value.to_string());
            }
            Some(value) => cx.report.warn(
                Code::InvalidValue,
                name,
                "platform",
                format!("{value:?} is not a valid value for the node label {label}"),
            ),
            None => {}
        }
    }
    if let Some(variant) = parts.next() {
        cx.report.warn(
            Code::PlatformVariantNotSelected,
            name,
            "platform",
            format!(
                "the variant {variant:?} is not selected: nodes are labelled with their OS \
                 and architecture only"
            ),
        );
    }
    (!selector.is_empty()).then_some(selector)
}

/// `stop_grace_period` in whole seconds, rounded up so that the container gets at least the
/// time Compose gives it.
pub fn termination_grace_period(
    cx: &mut Context<'_>,
    name: &str,
    service: &Service,
) -> Option<i64> {
    let period = service.stop_grace_period?;
    if period.as_nanos() < 0 {
        cx.report.warn(
            Code::InvalidValue,
            name,
            "stop_grace_period",
            format!("{period} is negative; Kubernetes' default grace period applies"),
        );
        return None;
    }
    Some(period.as_secs_ceil())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_options_split_name_and_value() {
        let option = |text| {
            let o = dns_option(text);
            (o.name, o.value)
        };
        assert_eq!(option("ndots:2"), (Some("ndots".into()), Some("2".into())));
        assert_eq!(option("use-vc"), (Some("use-vc".into()), None));
    }

    fn hostname_of(service: serde_json::Value) -> ((Option<String>, Option<String>), String) {
        let project = serde_json::json!({"services": {"mail": service}});
        let (names, report) = crate::translate::test_support::run_one(
            project,
            &Default::default(),
            "mail",
            hostname_and_subdomain,
        );
        (names, report.to_text())
    }

    #[test]
    fn a_dotted_hostname_maps_as_hostname_and_domainname_would() {
        let pair = |h: &str, d: &str| (Some(h.to_string()), Some(d.to_string()));
        let (dotted, dotted_report) =
            hostname_of(serde_json::json!({"image": "x", "hostname": "mail.example.com"}));
        let (split, split_report) = hostname_of(
            serde_json::json!({"image": "x", "hostname": "mail", "domainname": "example.com"}),
        );
        assert_eq!(dotted, pair("mail", "example-com"));
        assert_eq!(split, dotted);
        for report in [&dotted_report, &split_report] {
            assert_eq!(
                report
                    .matches(
                        "`hostname -f` in the pod prints \
                     mail.example-com.<namespace>.svc.<cluster domain>, not mail.example.com"
                    )
                    .count(),
                1,
                "{report}"
            );
        }
        assert!(dotted_report.contains(
            "services.mail.hostname: \"mail.example.com\" is not a DNS label; the pod uses the \
             hostname \"mail\" and the subdomain \"example-com\""
        ));

        // One label, or a domainname of its own: the hostname is not split.
        let (plain, report) = hostname_of(serde_json::json!({"image": "x", "hostname": "mail"}));
        assert_eq!(plain, (Some("mail".to_string()), None));
        assert!(!report.contains("hostname -f"), "{report}");
        let (both, _) =
            hostname_of(serde_json::json!({"image": "x", "hostname": "mail.a", "domainname": "b"}));
        assert_eq!(both, pair("mail-a", "b"));
        let (trailing, _) = hostname_of(serde_json::json!({"image": "x", "hostname": "mail."}));
        assert_eq!(trailing, (Some("mail".to_string()), None));

        // Without a hostname the pod's own name is the first label.
        let (_, report) = hostname_of(serde_json::json!({"image": "x", "domainname": "corp"}));
        assert!(
            report.contains(
                "prints <pod name>.corp.<namespace>.svc.<cluster domain>, not <container id>.corp"
            ),
            "{report}"
        );
    }
}
