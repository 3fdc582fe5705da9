//! The service's container: image and pull policy, `entrypoint` and `command`, environment,
//! working directory, terminal, lifecycle hooks, resources, security and probes.
//!
//! Kubernetes expands `$(VAR)` in a container's command, args and env values, where Compose
//! passes the text as it is; every `$` that Kubernetes would read specially is escaped.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    Container, EnvVar, EnvVarSource, ExecAction, Lifecycle, LifecycleHandler, SecretKeySelector,
};

use super::names::dns_label;
use super::Code;
use super::{probe, resources, security, Context, PodParts};
use crate::compose::model::{Command, Service, ServiceHook};
use crate::validation::is_env_var_name;

/// The container that runs `service`, with what the other parts contributed.
pub fn main_container(
    cx: &mut Context<'_>,
    name: &str,
    service: &Service,
    parts: &mut PodParts,
) -> Container {
    let (command, args) = command_and_args(cx, name, service);
    let mut container = Container {
        name: dns_label(name),
        image: Some(image(cx, name, service)),
        image_pull_policy: pull_policy(cx, name, service).map(str::to_string),
        command,
        args,
        env: env(cx, name, service, &parts.secret_env),
        env_from: non_empty(std::mem::take(&mut parts.env_from)),
        ports: non_empty(std::mem::take(&mut parts.ports)),
        volume_mounts: non_empty(std::mem::take(&mut parts.mounts)),
        working_dir: service.working_dir.clone().filter(|dir| !dir.is_empty()),
        tty: service.tty.then_some(true),
        stdin: service.stdin_open.then_some(true),
        lifecycle: lifecycle(cx, name, service),
        resources: resources::resources(cx, name, service),
        security_context: security::container_context(cx, name, service),
        ..Default::default()
    };
    probe::attach(cx, name, service, &mut container);
    container
}

fn non_empty<T>(items: Vec<T>) -> Option<Vec<T>> {
    (!items.is_empty()).then_some(items)
}

/// The image, or the name Compose gives the image it builds (`<project>-<service>`). A
/// cluster cannot build images, so a `build` is always reported.
fn image(cx: &mut Context<'_>, name: &str, service: &Service) -> String {
    let built_name = || format!("{}-{name}", cx.project_name()).to_ascii_lowercase();
    let image = service.image.clone().unwrap_or_else(built_name);
    if let Some(build) = &service.build {
        let message = format!(
            "the cluster cannot build images: build {image:?} from {:?} and push it to a \
             registry the cluster pulls from",
            build.context
        );
        if service.image.is_some() {
            cx.report.info(Code::BuildNotRun, name, "build", message);
        } else {
            cx.report.warn_with_hint(
                Code::BuildNotRun,
                name,
                "build",
                message,
                "set `image` to the name it is pushed under",
            );
        }
    }
    image
}

/// `pull_policy` as imagePullPolicy, or none to leave Kubernetes' default.
///
/// - unset: Kubernetes' default (Always for `:latest` or no tag, else IfNotPresent), the
///   policy a cluster's users expect; Compose's own default, `missing`, only differs for a
///   moving tag, which a cluster should not pin to whatever a node pulled first.
/// - `missing`/`if_not_present` written in the file: IfNotPresent; `always`: Always.
/// - `never`: Compose uses only an image already on the host. A node has none unless it
///   was preloaded, so Never would fail with ErrImageNeverPull: IfNotPresent (pulled once,
///   then the node's copy), reported.
/// - `build`: Compose builds the image before every start; the cluster pulls what was
///   pushed, with Kubernetes' default policy (a rebuilt `:latest` is pulled again), reported.
/// - `daily`, `weekly`, `every_<duration>`: no refresh interval in Kubernetes: Always,
///   which checks the registry at every start, reported.
fn pull_policy(cx: &mut Context<'_>, name: &str, service: &Service) -> Option<&'static str> {
    let policy = service.pull_policy.as_deref()?;
    match policy {
        "always" => Some("Always"),
        "missing" | "if_not_present" => Some("IfNotPresent"),
        "never" => {
            cx.report.warn_with_hint(
                Code::PullPolicyChanged,
                name,
                "pull_policy",
                "`never`: Compose runs only an image already on the host, but a node has none \
                 unless it was preloaded; IfNotPresent is written (the node pulls it once), \
                 not Never, which would stop the pod with ErrImageNeverPull",
                "push the image to a registry the cluster pulls from; for an image preloaded \
                 on every node, the label `kompose.image-pull-policy: Never` writes Never",
            );
            Some("IfNotPresent")
        }
        "build" => {
            cx.report.warn_with_hint(
                Code::PullPolicyChanged,
                name,
                "pull_policy",
                "`build`: Compose builds the image before every start, the cluster only pulls \
                 it; no imagePullPolicy is written, so Kubernetes' default applies (Always \
                 for `:latest` or no tag, else IfNotPresent)",
                "build and push the image before each deployment",
            );
            None
        }
        refresh => {
            cx.report.warn(
                Code::PullPolicyChanged,
                name,
                "pull_policy",
                format!(
                    "{refresh:?} has no Kubernetes equivalent: Always is written, which checks \
                     the registry at every start"
                ),
            );
            Some("Always")
        }
    }
}

/// `entrypoint` and `command` as the container's command and args.
///
/// An empty list means "not set" to Kubernetes, and to Docker too for `command`. An empty
/// `entrypoint` clears the image's ENTRYPOINT in Docker, which then runs `command` as the
/// program: Kubernetes runs it so when it is the container's command. Without a `command`,
/// the program would be the image's CMD, which only the image knows.
fn command_and_args(
    cx: &mut Context<'_>,
    name: &str,
    service: &Service,
) -> (Option<Vec<String>>, Option<Vec<String>>) {
    for (key, command) in [
        ("entrypoint", &service.entrypoint),
        ("command", &service.command),
    ] {
        if let Some(ignored) = command.as_ref().and_then(Command::ignored) {
            warn_ignored_command_end(
                cx,
                name,
                key,
                command.as_ref().map_or(&[], Command::words),
                ignored,
            );
        }
    }
    let entrypoint = service.entrypoint.as_ref().map(escaped_words);
    let command = service
        .command
        .as_ref()
        .map(escaped_words)
        .and_then(non_empty);
    match (entrypoint, command) {
        (Some(entrypoint), command) if !entrypoint.is_empty() => (Some(entrypoint), command),
        (Some(_), Some(command)) => (Some(command), None),
        (Some(_), None) => {
            cx.report.warn_with_hint(
                Code::CommandChanged,
                name,
                "entrypoint",
                "the empty entrypoint is not translated: Kubernetes cannot clear the image's \
                 ENTRYPOINT, only replace it",
                "set `command` to the program to run",
            );
            (None, None)
        }
        (None, command) => (None, command),
    }
}

/// Compose splits a command string into words without a shell and ends it at the first
/// shell operator; the container runs the same words, so the ignored rest is reported.
fn warn_ignored_command_end(
    cx: &mut Context<'_>,
    name: &str,
    key: &str,
    words: &[String],
    ignored: &str,
) {
    cx.report.warn_with_hint(
        Code::CommandChanged,
        name,
        key,
        format!(
            "`{ignored}` is not run: no shell runs the {key} string; Compose splits it \
             into words and ends it at the first shell operator, so the container runs {:?}, \
             as under Compose",
            words
        ),
        format!("to run the whole line, write the {key} as [\"sh\", \"-c\", \"…\"]"),
    );
}

fn escaped_words(command: &Command) -> Vec<String> {
    command
        .words()
        .iter()
        .map(|w| escape_expansion(w))
        .collect()
}

/// `text` written so that Kubernetes' `$(VAR)` expansion gives it back unchanged.
/// Kubernetes reads `$$` as `$` and `$(` as the start of a reference, and leaves any other
/// `$` alone, so exactly the `$` followed by `$` or `(` are doubled.
pub fn escape_expansion(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        escaped.push(c);
        if c == '$' && matches!(chars.peek(), Some('$' | '(')) {
            escaped.push('$');
        }
    }
    escaped
}

/// `environment` as env, sorted by name. A variable without a value is unset in Compose
/// unless an env file sets it (then the env file's ConfigMap provides it): it gets no entry,
/// and when no env file sets it either, a report line. A variable in `from_secret` (name →
/// Secret) is read from that Secret, under its name (see `env_secrets`).
fn env(
    cx: &mut Context<'_>,
    name: &str,
    service: &Service,
    from_secret: &BTreeMap<String, String>,
) -> Option<Vec<EnvVar>> {
    // An EnvVar is 280 bytes, mostly the unused valueFrom: sized exactly, a list of ten
    // takes 2.8 KiB instead of the 4.5 KiB that growing by doubling leaves.
    let mut variables: Vec<EnvVar> = Vec::with_capacity(service.environment.len());
    for (variable, value) in service.environment.iter() {
        if !is_env_var_name(variable) {
            cx.report.warn(
                Code::InvalidValue,
                name,
                &format!("environment.{variable}"),
                "is left out: an environment variable name is printable ASCII other than `=`, \
                 which the API server checks",
            );
            continue;
        }
        match value {
            Some(_) if from_secret.contains_key(variable) => variables.push(EnvVar {
                name: variable.clone(),
                value_from: Some(EnvVarSource {
                    secret_key_ref: Some(SecretKeySelector {
                        name: from_secret[variable].clone(),
                        key: variable.clone(),
                        optional: None,
                    }),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            Some(value) => variables.push(EnvVar {
                name: variable.clone(),
                value: Some(escape_expansion(value)),
                ..Default::default()
            }),
            None if set_by_env_file(cx, name, variable) => {}
            None => cx.report.warn_with_hint(
                Code::UnsetVariable,
                name,
                &format!("environment.{variable}"),
                "has no value and was not set when converting, so the container does not get it",
                "give it a value, or set it in the environment when converting",
            ),
        }
    }
    variables.sort_by(|a, b| a.name.cmp(&b.name));
    non_empty(variables)
}

fn set_by_env_file(cx: &Context<'_>, name: &str, variable: &str) -> bool {
    cx.input
        .env_files
        .get(name)
        .is_some_and(|files| files.iter().any(|f| f.variables.contains_key(variable)))
}

/// `post_start` and `pre_stop` as lifecycle exec handlers. Kubernetes runs one command per
/// hook, as the container's user, in its working directory and environment: a hook that
/// needs more is reported instead.
fn lifecycle(cx: &mut Context<'_>, name: &str, service: &Service) -> Option<Lifecycle> {
    let post_start = hook_handler(cx, name, "post_start", &service.post_start);
    let pre_stop = hook_handler(cx, name, "pre_stop", &service.pre_stop);
    (post_start.is_some() || pre_stop.is_some()).then_some(Lifecycle {
        post_start,
        pre_stop,
        ..Default::default()
    })
}

fn hook_handler(
    cx: &mut Context<'_>,
    name: &str,
    key: &str,
    hooks: &[ServiceHook],
) -> Option<LifecycleHandler> {
    let hook = match hooks {
        [] => return None,
        [hook] => hook,
        _ => {
            cx.report.warn_with_hint(
                Code::HookNotTranslated,
                name,
                key,
                format!(
                    "{} hooks are not translated: Kubernetes runs one",
                    hooks.len()
                ),
                "combine them into one command",
            );
            return None;
        }
    };
    let command = hook
        .command
        .as_ref()
        .map(Command::words)
        .unwrap_or_default();
    let unsupported = [
        (hook.user.is_some(), "user"),
        (hook.privileged, "privileged"),
        (hook.working_dir.is_some(), "working_dir"),
        (!hook.environment.is_empty(), "environment"),
    ];
    let settings: Vec<&str> = unsupported
        .iter()
        .filter(|(set, _)| *set)
        .map(|(_, setting)| *setting)
        .collect();
    if command.is_empty() || !settings.is_empty() {
        let reason = if command.is_empty() {
            "it has no command".to_string()
        } else {
            format!("Kubernetes cannot set its {}", settings.join(", "))
        };
        cx.report.warn(
            Code::HookNotTranslated,
            name,
            key,
            format!("the hook is not translated: {reason}"),
        );
        return None;
    }
    if let Some(ignored) = hook.command.as_ref().and_then(Command::ignored) {
        warn_ignored_command_end(cx, name, &format!("{key}[0].command"), command, ignored);
    }
    Some(LifecycleHandler {
        exec: Some(ExecAction {
            command: Some(command.to_vec()),
        }),
        ..Default::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dollars_kubernetes_would_expand_are_doubled() {
        let cases = [
            ("echo $(date)", "echo $$(date)"),
            ("$HOME", "$HOME"),
            ("cost: 5$", "cost: 5$"),
            ("$$", "$$$"),
            ("$$(x)", "$$$$(x)"),
            ("${A} $(B)", "${A} $$(B)"),
            ("plain", "plain"),
        ];
        for (text, escaped) in cases {
            assert_eq!(escape_expansion(text), escaped, "{text}");
        }
    }
}
