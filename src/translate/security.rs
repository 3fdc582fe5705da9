//! Security settings: the container's securityContext (`user`, `privileged`, `cap_add`,
//! `cap_drop`, `read_only`, `security_opt`) and the pod's (`sysctls`, `group_add`).

use k8s_openapi::api::core::v1::{Capabilities, PodSecurityContext, SecurityContext, Sysctl};

use super::Code;
use super::Context;
use crate::compose::model::Service;
use crate::validation::is_sysctl_name;

/// The sysctls every kubelet allows; any other keeps the pod from starting unless the node's
/// kubelet lists it in `--allowed-unsafe-sysctls`.
const SAFE_SYSCTLS: [&str; 10] = [
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.ping_group_range",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_syncookies",
];

/// A user or group as Compose writes it: a number, or a name the image resolves.
/// `root` is the exception: it is uid 0 and gid 0 in every Linux image's /etc/passwd and
/// /etc/group, so it needs no image to resolve and maps as 0 does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Id {
    Number(i64),
    Name(String),
}

impl Id {
    pub fn parse(text: &str) -> Id {
        match text.parse::<u32>() {
            Ok(number) => Id::Number(i64::from(number)),
            Err(_) if text == "root" => Id::Number(0),
            Err(_) => Id::Name(text.to_string()),
        }
    }
}

/// `user[:group]`. A spec that names only a group (`:group`) runs as uid 0 under Docker,
/// its default user, not as the image's USER: the whole spec replaces the image's.
pub fn parse_user(text: &str) -> (Id, Option<Id>) {
    match text.split_once(':') {
        Some(("", group)) => (Id::Number(0), Some(Id::parse(group))),
        Some((user, group)) => (Id::parse(user), Some(Id::parse(group))),
        None => (Id::parse(text), None),
    }
}

/// A capability as Kubernetes names it: upper case, without Docker's optional `CAP_` prefix.
pub fn capability(name: &str) -> String {
    let upper = name.to_ascii_uppercase();
    upper.strip_prefix("CAP_").unwrap_or(&upper).to_string()
}

/// The container's securityContext, if the service sets anything it holds.
pub fn container_context(
    cx: &mut Context<'_>,
    name: &str,
    service: &Service,
) -> Option<SecurityContext> {
    let (run_as_user, run_as_group) = run_as(cx, name, service.user.as_deref());
    let add: Vec<String> = service.cap_add.iter().map(|c| capability(c)).collect();
    let drop: Vec<String> = service.cap_drop.iter().map(|c| capability(c)).collect();
    let capabilities = (!add.is_empty() || !drop.is_empty()).then(|| Capabilities {
        add: (!add.is_empty()).then_some(add.clone()),
        drop: (!drop.is_empty()).then_some(drop),
    });
    let no_new_privileges = no_new_privileges(cx, name, &service.security_opt);
    // Kubernetes refuses allowPrivilegeEscalation: false next to privileges it cannot
    // withhold (Docker accepts the pair and lets privileged win).
    let escalation_needed = service.privileged || add.iter().any(|c| c == "SYS_ADMIN");
    if no_new_privileges && escalation_needed {
        cx.report.warn(
            Code::SecurityOptionNotTranslated,
            name,
            "security_opt",
            "no-new-privileges is not set: Kubernetes refuses it for a privileged container or \
             one with SYS_ADMIN",
        );
    }
    let context = SecurityContext {
        run_as_user,
        run_as_group,
        privileged: service.privileged.then_some(true),
        capabilities,
        read_only_root_filesystem: service.read_only.then_some(true),
        allow_privilege_escalation: (no_new_privileges && !escalation_needed).then_some(false),
        ..Default::default()
    };
    (context != SecurityContext::default()).then_some(context)
}

/// runAsUser and runAsGroup from `user`; names are reported, as only the image knows them.
fn run_as(cx: &mut Context<'_>, name: &str, user: Option<&str>) -> (Option<i64>, Option<i64>) {
    let Some(user) = user.filter(|u| !u.is_empty()) else {
        return (None, None);
    };
    let (uid, gid) = parse_user(user);
    let mut number = |id: Id, what: &str| match id {
        Id::Number(number) => Some(number),
        Id::Name(id_name) => {
            cx.report.warn_with_hint(
                Code::UserNotNumeric,
                name,
                "user",
                format!(
                    "the {what} {id_name:?} is a name, which only the image can resolve; \
                     Kubernetes needs a number, so none is set"
                ),
                "write the numeric id from the image's /etc/passwd or /etc/group",
            );
            None
        }
    };
    let run_as_user = number(uid, "user");
    let run_as_group = gid.filter(|g| *g != Id::Name(String::new()));
    (run_as_user, run_as_group.and_then(|g| number(g, "group")))
}

/// Whether `security_opt` asks for no-new-privileges; every other option is reported.
fn no_new_privileges(cx: &mut Context<'_>, name: &str, options: &[String]) -> bool {
    let mut wanted = false;
    for option in options {
        let (key, value) = option
            .split_once([':', '='])
            .unwrap_or((option.as_str(), "true"));
        if key == "no-new-privileges" && matches!(value, "true" | "false") {
            wanted = value == "true";
            continue;
        }
        cx.report.warn_with_hint(
            Code::SecurityOptionNotTranslated,
            name,
            "security_opt",
            format!("{option:?} is not translated"),
            "securityContext.seccompProfile, appArmorProfile and seLinuxOptions hold seccomp, \
             AppArmor and SELinux settings",
        );
    }
    wanted
}

/// The pod's securityContext: `sysctls` (sorted) and numeric `group_add` entries.
pub fn pod_context(
    cx: &mut Context<'_>,
    name: &str,
    service: &Service,
) -> Option<PodSecurityContext> {
    let (valid, invalid): (Vec<_>, Vec<_>) = service
        .sysctls
        .iter()
        .partition(|(key, _)| is_sysctl_name(key));
    for (key, _) in invalid {
        cx.report.warn(
            Code::InvalidValue,
            name,
            "sysctls",
            format!(
                "{key:?} is left out: not a sysctl name (segments of lower-case letters, digits, \
                 `-` and `_`, separated by `.` or `/`), which the API server checks"
            ),
        );
    }
    let mut sysctls: Vec<Sysctl> = valid
        .into_iter()
        .map(|(key, value)| Sysctl {
            name: key.clone(),
            value: value.clone(),
        })
        .collect();
    sysctls.sort_by(|a, b| a.name.cmp(&b.name));
    let unsafe_sysctls: Vec<&str> = sysctls
        .iter()
        .map(|s| s.name.as_str())
        .filter(|s| !SAFE_SYSCTLS.contains(s))
        .collect();
    if !unsafe_sysctls.is_empty() {
        cx.report.info(
            Code::UnsafeSysctl,
            name,
            "sysctls",
            format!(
                "{} outside Kubernetes' safe set: the pod starts only on nodes whose kubelet \
                 allows them (--allowed-unsafe-sysctls)",
                unsafe_sysctls.join(", ")
            ),
        );
    }
    let groups = supplemental_groups(cx, name, &service.group_add);
    let context = PodSecurityContext {
        sysctls: (!sysctls.is_empty()).then_some(sysctls),
        supplemental_groups: (!groups.is_empty()).then_some(groups),
        ..Default::default()
    };
    (context != PodSecurityContext::default()).then_some(context)
}

fn supplemental_groups(cx: &mut Context<'_>, name: &str, groups: &[String]) -> Vec<i64> {
    let mut numbers = Vec::new();
    for group in groups {
        match Id::parse(group) {
            Id::Number(number) => numbers.push(number),
            Id::Name(group) => cx.report.warn_with_hint(
                Code::UserNotNumeric,
                name,
                "group_add",
                format!("the group {group:?} is a name, which only the image can resolve"),
                "write the numeric group id",
            ),
        }
    }
    numbers
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_are_numbers_or_names() {
        let number = Id::Number;
        let name = |n: &str| Id::Name(n.to_string());
        assert_eq!(parse_user("1000"), (number(1000), None));
        assert_eq!(parse_user("1000:50"), (number(1000), Some(number(50))));
        assert_eq!(parse_user("0:0"), (number(0), Some(number(0))));
        assert_eq!(parse_user("www-data"), (name("www-data"), None));
        assert_eq!(
            parse_user("1000:staff"),
            (number(1000), Some(name("staff")))
        );
        assert_eq!(parse_user("-1"), (name("-1"), None));
    }

    #[test]
    fn root_is_zero_as_user_and_as_group() {
        let zero = Id::Number(0);
        assert_eq!(parse_user("root"), (zero.clone(), None));
        assert_eq!(parse_user("root:root"), (zero.clone(), Some(zero.clone())));
        assert_eq!(parse_user("root:0"), (zero.clone(), Some(zero.clone())));
        assert_eq!(parse_user("0:root"), (zero.clone(), Some(zero.clone())));
        // Docker's default user when the spec names none.
        assert_eq!(parse_user(":root"), (zero.clone(), Some(zero.clone())));
        assert_eq!(parse_user(":50"), (zero, Some(Id::Number(50))));
        // Names are case-sensitive: only `root` is known without the image.
        assert_eq!(
            parse_user("Root:admin"),
            (
                Id::Name("Root".to_string()),
                Some(Id::Name("admin".to_string()))
            )
        );
    }

    #[test]
    fn capabilities_lose_the_cap_prefix() {
        assert_eq!(capability("CAP_NET_ADMIN"), "NET_ADMIN");
        assert_eq!(capability("sys_time"), "SYS_TIME");
        assert_eq!(capability("ALL"), "ALL");
    }
}
