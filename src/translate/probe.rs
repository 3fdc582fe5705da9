//! Health checks as probes, so that a converted service behaves as Docker ran it.
//!
//! Docker never restarts a container because it is unhealthy: it marks it, and
//! `depends_on: service_healthy` waits for the mark. So by default a health check becomes a
//! readinessProbe only (period = `interval`, timeout = `timeout`, failureThreshold =
//! `retries`): the Service sends traffic to healthy pods, which is also what a dependency
//! waits for. No startup probe is needed for the `start_period`: a pod becomes ready at its
//! first successful check, as Docker marks a container healthy at its first success, and
//! failures before that only keep it unready.
//!
//! A livenessProbe (the same check) is written only when `x-kubernetes.probes.liveness` asks
//! for it, and then with a startupProbe whose budget (periodSeconds × failureThreshold) is at
//! least `start_period + retries × interval`: Kubernetes does not restart the container
//! before Docker would have counted it unhealthy.
//!
//! Docker runs `CMD` tests as they are and `CMD-SHELL` tests (and the string form, which the
//! model reads as `CMD-SHELL`) under the image's shell; Kubernetes runs an exec probe as it
//! is, so a shell test gets an explicit `/bin/sh -c`.
//!
//! A check that calls the service by its own name (`curl http://api/health` inside `api`)
//! would go through the Service, which forwards only to ready pods: the pod could never
//! become ready. Where the name is a whole URL host or the value of `-h`/`--host`, it is
//! rewritten to `localhost`; other mentions as `name:port` are reported.

use k8s_openapi::api::core::v1::{Container, ExecAction, Probe};

use super::alias::alias_names;
use super::network::service_name;
use super::Code;
use super::Context;
use crate::compose::model::{Duration, Healthcheck, Service};
use crate::extension::Liveness;

/// Docker's defaults for a health check that leaves them out (or sets them to zero).
const DEFAULT_INTERVAL: Duration = Duration::from_secs(30);
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
const DEFAULT_RETRIES: u64 = 3;
/// How often Docker checks during the start period when `start_interval` is not set.
const DEFAULT_START_INTERVAL: Duration = Duration::from_secs(5);

/// The probes of one health check.
#[derive(Debug, Clone, PartialEq)]
pub struct HealthProbes {
    pub readiness: Probe,
    /// Only when asked for: Docker does not restart an unhealthy container.
    pub liveness: Option<Probe>,
    /// With a liveness probe: holds it off until Docker would have given up.
    pub startup: Option<Probe>,
}

/// Sets the probes of the service's container from its health check and
/// `x-kubernetes.probes.liveness`, and reports what changed on the way.
pub fn attach(cx: &mut Context<'_>, name: &str, service: &Service, container: &mut Container) {
    let liveness = cx
        .input
        .extensions
        .service(name)
        .probes
        .as_ref()
        .and_then(|p| p.liveness.as_ref());
    let from_healthcheck = matches!(liveness, Some(Liveness::FromHealthcheck(true)));
    let Some(healthcheck) = service.healthcheck.as_ref().filter(|h| !h.disable) else {
        if from_healthcheck {
            cx.report.warn(
                Code::ExtensionSettingUnused,
                name,
                "x-kubernetes.probes.liveness",
                "`true` asks for the health check as a liveness probe, but the service has \
                 no health check: no liveness probe is written",
            );
        }
        return;
    };
    // An explicit liveness probe replaces the health check's (see `extension`), but still
    // needs the startup budget so that it does not restart sooner than Docker would give up.
    let startup_wanted = from_healthcheck || matches!(liveness, Some(Liveness::Probe(_)));
    let own_names = own_names(name, service);
    let test = match rewrite_self_calls(&healthcheck.test, &own_names) {
        SelfCalls::None => healthcheck.test.clone(),
        SelfCalls::Rewritten(test, names) => {
            cx.report.info(
                Code::HealthcheckSelfCall,
                name,
                "healthcheck.test",
                format!(
                    "the check calls the service by its own name ({}); it runs against \
                     localhost instead, as the Service forwards only to ready pods and the \
                     pod could never become ready through it",
                    names.join(", ")
                ),
            );
            test
        }
        SelfCalls::Unsafe(names) => {
            cx.report.warn_with_hint(
                Code::HealthcheckSelfCall,
                name,
                "healthcheck.test",
                format!(
                    "the check calls the service by its own name ({}) through its Service, \
                     which forwards only to ready pods: the pod never becomes ready",
                    names.join(", ")
                ),
                "call localhost in the health check",
            );
            healthcheck.test.clone()
        }
    };
    let healthcheck = Healthcheck {
        test,
        ..healthcheck.clone()
    };
    match health_probes(&healthcheck, from_healthcheck, startup_wanted) {
        Ok(Some(probes)) => {
            container.readiness_probe = Some(probes.readiness);
            container.liveness_probe = probes.liveness;
            container.startup_probe = probes.startup;
        }
        Ok(None) => {}
        Err(reason) => cx
            .report
            .warn(Code::HealthcheckNotTranslated, name, "healthcheck", reason),
    }
}

/// The probes for `healthcheck`: `Ok(None)` when it disables checking, `Err` with the
/// reason when it cannot become a probe. `liveness` adds the liveness probe, `startup` the
/// startup probe that holds a liveness probe off.
pub fn health_probes(
    healthcheck: &Healthcheck,
    liveness: bool,
    startup: bool,
) -> Result<Option<HealthProbes>, String> {
    if healthcheck.disable {
        return Ok(None);
    }
    let Some(command) = probe_command(&healthcheck.test)? else {
        return Ok(None);
    };
    let interval = or_default(healthcheck.interval, DEFAULT_INTERVAL);
    let retries = healthcheck
        .retries
        .filter(|&retries| retries > 0)
        .unwrap_or(DEFAULT_RETRIES);
    let steady = Probe {
        exec: Some(ExecAction {
            command: Some(command),
        }),
        period_seconds: Some(whole_seconds(interval)),
        timeout_seconds: Some(whole_seconds(or_default(
            healthcheck.timeout,
            DEFAULT_TIMEOUT,
        ))),
        failure_threshold: Some(saturating_i32(retries)),
        ..Default::default()
    };
    let startup = startup.then(|| {
        // Docker checks every `start_interval` during the start period, where failures do
        // not count, then every `interval`: it gives up after `retries` failures past it.
        let start_period = healthcheck
            .start_period
            .filter(|period| period.as_nanos() > 0);
        let period = match start_period {
            Some(_) => or_default(healthcheck.start_interval, DEFAULT_START_INTERVAL),
            None => interval,
        };
        let period_seconds = i64::from(whole_seconds(period));
        let budget = start_period.map_or(0, Duration::as_secs_ceil)
            + i64::from(whole_seconds(interval))
                .saturating_mul(i64::try_from(retries).unwrap_or(i64::MAX));
        Probe {
            period_seconds: Some(saturating_i32(period_seconds)),
            failure_threshold: Some(saturating_i32(
                (budget + period_seconds - 1) / period_seconds,
            )),
            ..steady.clone()
        }
    });
    Ok(Some(HealthProbes {
        liveness: liveness.then(|| steady.clone()),
        readiness: steady,
        startup,
    }))
}

/// The names by which the service could call itself through a Service: its Compose name,
/// its Service's name, its network aliases and its container name.
fn own_names(name: &str, service: &Service) -> Vec<String> {
    let mut names: Vec<String> = [name.to_string(), service_name(name)]
        .into_iter()
        .chain(alias_names(service).map(str::to_string))
        .filter(|n| !n.is_empty())
        .collect();
    names.sort();
    names.dedup();
    names
}

/// What [`rewrite_self_calls`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
enum SelfCalls {
    None,
    /// The test with its own names as hosts replaced by `localhost`, and those names.
    Rewritten(Vec<String>, Vec<String>),
    /// Own names used as `name:port` where a rewrite is not sure to be right.
    Unsafe(Vec<String>),
}

/// Rewrites own names where they are a host for certain: a URL's whole host
/// (`http://api:8080/health`) and the value of `-h`/`--host` (`-h db`, `--host=db`).
/// A remaining `name:port` is reported rather than guessed at.
fn rewrite_self_calls(test: &[String], own: &[String]) -> SelfCalls {
    let is_own = |word: &str| own.iter().any(|n| n.eq_ignore_ascii_case(word));
    let mut rewritten_names: Vec<String> = Vec::new();
    let mut note = |word: &str| {
        if !rewritten_names.iter().any(|n| n == word) {
            rewritten_names.push(word.to_string());
        }
    };
    let mut host_flag_pending = false;
    let mut rewritten = Vec::with_capacity(test.len());
    for (index, item) in test.iter().enumerate() {
        if index == 0 {
            // CMD, CMD-SHELL or NONE.
            rewritten.push(item.clone());
            continue;
        }
        let mut text = String::with_capacity(item.len());
        for (word, space) in words_with_spaces(item) {
            let mut word = word.to_string();
            if host_flag_pending && is_own(&word) {
                note(&word);
                word = "localhost".to_string();
            }
            host_flag_pending = word == "-h" || word == "--host";
            if let Some(value) = word.strip_prefix("--host=").filter(|v| is_own(v)) {
                note(value);
                word = "--host=localhost".to_string();
            }
            word = rewrite_url_hosts(&word, &is_own, &mut note);
            text.push_str(&word);
            text.push_str(space);
        }
        rewritten.push(text);
    }
    if !rewritten_names.is_empty() {
        return SelfCalls::Rewritten(rewritten, rewritten_names);
    }
    let mut unsafe_names: Vec<String> = Vec::new();
    for item in test.iter().skip(1) {
        let tokens = item
            .split(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | ':')));
        for token in tokens {
            if let Some((host, port)) = token.split_once(':') {
                let is_port = !port.is_empty() && port.chars().all(|c| c.is_ascii_digit());
                if is_port && is_own(host) && !unsafe_names.iter().any(|n| n == host) {
                    unsafe_names.push(host.to_string());
                }
            }
        }
    }
    if unsafe_names.is_empty() {
        SelfCalls::None
    } else {
        SelfCalls::Unsafe(unsafe_names)
    }
}

/// The words of a text with the white space after each, so that joining them gives the
/// text back.
fn words_with_spaces(text: &str) -> Vec<(&str, &str)> {
    let mut pieces = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let word_end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let (word, after) = rest.split_at(word_end);
        let space_end = after
            .find(|c: char| !c.is_whitespace())
            .unwrap_or(after.len());
        let (space, next) = after.split_at(space_end);
        pieces.push((word, space));
        rest = next;
    }
    pieces
}

/// Replaces the host of every `scheme://[user@]host[:port]…` in `word` that is an own name.
fn rewrite_url_hosts(
    word: &str,
    is_own: &dyn Fn(&str) -> bool,
    note: &mut dyn FnMut(&str),
) -> String {
    let mut out = String::with_capacity(word.len());
    let mut rest = word;
    while let Some(at) = rest.find("://") {
        let (before, after) = rest.split_at(at + 3);
        out.push_str(before);
        let authority_end = after
            .find(['/', '?', '#', '\'', '"', ')'])
            .unwrap_or(after.len());
        let authority = &after[..authority_end];
        let host_start = authority.rfind('@').map_or(0, |i| i + 1);
        let host_end = authority[host_start..]
            .find(':')
            .map_or(authority.len(), |i| host_start + i);
        let host = &authority[host_start..host_end];
        if is_own(host) {
            note(host);
            out.push_str(&authority[..host_start]);
            out.push_str("localhost");
            out.push_str(&authority[host_end..]);
        } else {
            out.push_str(authority);
        }
        rest = &after[authority_end..];
    }
    out.push_str(rest);
    out
}

/// The command an exec probe runs for a Compose `test`; `None` for `NONE`.
fn probe_command(test: &[String]) -> Result<Option<Vec<String>>, String> {
    match test.split_first() {
        None => Err(
            "the health check has no `test`, so it would run the image's own \
                     HEALTHCHECK, which is not known here"
                .to_string(),
        ),
        Some((kind, _)) if kind == "NONE" => Ok(None),
        Some((kind, program)) if kind == "CMD" && !program.is_empty() => Ok(Some(program.to_vec())),
        Some((kind, line)) if kind == "CMD-SHELL" && !line.is_empty() => {
            // Docker appends every word after CMD-SHELL to the shell's arguments.
            let shell = ["/bin/sh", "-c"].map(String::from);
            Ok(Some(
                shell.into_iter().chain(line.iter().cloned()).collect(),
            ))
        }
        Some((kind, _)) if kind == "CMD" || kind == "CMD-SHELL" => {
            Err(format!("the health check's `{kind}` has no command"))
        }
        Some((kind, _)) => Err(format!(
            "the health check's test starts with {kind:?}; expected NONE, CMD or CMD-SHELL"
        )),
    }
}

/// Docker treats an unset or zero duration as its default.
fn or_default(duration: Option<Duration>, default: Duration) -> Duration {
    duration.filter(|d| d.as_nanos() > 0).unwrap_or(default)
}

/// Probe durations are whole seconds, at least one; rounding up keeps a sub-second Compose
/// value from becoming "no time".
fn whole_seconds(duration: Duration) -> i32 {
    saturating_i32(duration.as_secs_ceil().max(1))
}

fn saturating_i32(value: impl TryInto<i32>) -> i32 {
    value.try_into().unwrap_or(i32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn healthcheck(test: &[&str]) -> Healthcheck {
        Healthcheck {
            test: test.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        }
    }

    fn secs(text: &str) -> Option<Duration> {
        text.parse().ok()
    }

    fn readiness_only(healthcheck: &Healthcheck) -> Result<Option<HealthProbes>, String> {
        health_probes(healthcheck, false, false)
    }

    fn command_of(healthcheck: &Healthcheck) -> Result<Option<Vec<String>>, String> {
        readiness_only(healthcheck)
            .map(|probes| probes.and_then(|p| p.readiness.exec.and_then(|exec| exec.command)))
    }

    fn words(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn cmd_runs_as_it_is() {
        assert_eq!(
            command_of(&healthcheck(&[
                "CMD",
                "mysqladmin",
                "ping",
                "-h",
                "localhost"
            ])),
            Ok(Some(words(&["mysqladmin", "ping", "-h", "localhost"])))
        );
    }

    #[test]
    fn cmd_shell_and_the_string_form_run_under_a_shell() {
        assert_eq!(
            command_of(&healthcheck(&[
                "CMD-SHELL",
                "curl -f http://localhost || exit 1"
            ])),
            Ok(Some(words(&[
                "/bin/sh",
                "-c",
                "curl -f http://localhost || exit 1"
            ])))
        );
        assert_eq!(
            command_of(&healthcheck(&["CMD-SHELL", "exit", "1"])),
            Ok(Some(words(&["/bin/sh", "-c", "exit", "1"])))
        );
    }

    #[test]
    fn none_and_disable_give_no_probe() {
        assert_eq!(command_of(&healthcheck(&["NONE"])), Ok(None));
        let disabled = Healthcheck {
            disable: true,
            ..healthcheck(&["CMD", "true"])
        };
        assert_eq!(health_probes(&disabled, true, true), Ok(None));
    }

    #[test]
    fn tests_that_cannot_run_say_why() {
        let error = |test: &[&str]| readiness_only(&healthcheck(test)).err();
        assert!(error(&[]).is_some_and(|e| e.contains("image's own HEALTHCHECK")));
        assert_eq!(
            error(&["CMD"]).as_deref(),
            Some("the health check's `CMD` has no command")
        );
        assert_eq!(
            error(&["RUN", "x"]).as_deref(),
            Some("the health check's test starts with \"RUN\"; expected NONE, CMD or CMD-SHELL")
        );
    }

    #[test]
    fn by_default_only_a_readiness_probe_with_docker_timings() {
        let probes = readiness_only(&healthcheck(&["CMD", "true"]))
            .ok()
            .flatten();
        let readiness = probes.as_ref().map(|p| &p.readiness);
        assert_eq!(readiness.and_then(|p| p.period_seconds), Some(30));
        assert_eq!(readiness.and_then(|p| p.timeout_seconds), Some(30));
        assert_eq!(readiness.and_then(|p| p.failure_threshold), Some(3));
        assert_eq!(readiness.and_then(|p| p.initial_delay_seconds), None);
        assert_eq!(probes.as_ref().and_then(|p| p.liveness.as_ref()), None);
        assert_eq!(probes.and_then(|p| p.startup), None);
    }

    #[test]
    fn a_start_period_alone_gives_no_startup_probe() {
        let check = Healthcheck {
            start_period: secs("5s"),
            ..healthcheck(&["CMD", "true"])
        };
        let probes = readiness_only(&check).ok().flatten();
        assert_eq!(probes.and_then(|p| p.startup), None);
    }

    #[test]
    fn timings_round_up_to_whole_seconds() {
        let check = Healthcheck {
            interval: secs("1m30s"),
            timeout: secs("500ms"),
            retries: Some(5),
            ..healthcheck(&["CMD", "true"])
        };
        let probes = health_probes(&check, true, false).ok().flatten();
        let liveness = probes.and_then(|p| p.liveness);
        assert_eq!(liveness.as_ref().and_then(|p| p.period_seconds), Some(90));
        assert_eq!(liveness.as_ref().and_then(|p| p.timeout_seconds), Some(1));
        assert_eq!(liveness.and_then(|p| p.failure_threshold), Some(5));
    }

    /// (periodSeconds, failureThreshold) of the startup probe that holds a liveness probe off.
    fn startup_of(
        interval: &str,
        retries: Option<u64>,
        start_period: Option<&str>,
        start_interval: Option<&str>,
    ) -> Option<(i32, i32)> {
        let check = Healthcheck {
            interval: secs(interval),
            retries,
            start_period: start_period.and_then(secs),
            start_interval: start_interval.and_then(secs),
            ..healthcheck(&["CMD", "true"])
        };
        let startup = health_probes(&check, true, true).ok().flatten()?.startup?;
        Some((startup.period_seconds?, startup.failure_threshold?))
    }

    #[test]
    fn the_startup_budget_covers_start_period_and_retries() {
        // 5s + 3 × 10s = 35s at the default start interval of 5s: 7 checks.
        assert_eq!(startup_of("10s", None, Some("5s"), None), Some((5, 7)));
        // 60s + 5 × 10s = 110s every 7s: 16 checks (112s).
        assert_eq!(
            startup_of("10s", Some(5), Some("1m"), Some("7s")),
            Some((7, 16))
        );
        // No start period: 3 × 30s every 30s.
        assert_eq!(startup_of("30s", None, None, None), Some((30, 3)));
        assert_eq!(
            startup_of("10s", None, Some("0s"), Some("2s")),
            Some((10, 3))
        );
    }

    fn own(names: &[&str]) -> Vec<String> {
        words(names)
    }

    #[test]
    fn own_names_as_url_hosts_and_host_flags_become_localhost() {
        let names = own(&["api", "api-alias"]);
        assert_eq!(
            rewrite_self_calls(
                &words(&["CMD-SHELL", "curl -f http://api:8080/health || exit 1"]),
                &names
            ),
            SelfCalls::Rewritten(
                words(&[
                    "CMD-SHELL",
                    "curl -f http://localhost:8080/health || exit 1"
                ]),
                words(&["api"])
            )
        );
        assert_eq!(
            rewrite_self_calls(
                &words(&["CMD", "mysqladmin", "ping", "-h", "API", "--host=api-alias"]),
                &names
            ),
            SelfCalls::Rewritten(
                words(&[
                    "CMD",
                    "mysqladmin",
                    "ping",
                    "-h",
                    "localhost",
                    "--host=localhost"
                ]),
                words(&["API", "api-alias"])
            )
        );
        assert_eq!(
            rewrite_self_calls(
                &words(&["CMD", "wget", "-qO-", "http://user@api/x?y=http://api"]),
                &names
            ),
            SelfCalls::Rewritten(
                words(&[
                    "CMD",
                    "wget",
                    "-qO-",
                    "http://user@localhost/x?y=http://localhost"
                ]),
                words(&["api"])
            )
        );
    }

    #[test]
    fn other_hosts_and_longer_names_stay() {
        let names = own(&["api"]);
        for test in [
            &["CMD-SHELL", "curl -f http://api.example.com/ || exit 1"][..],
            &["CMD-SHELL", "curl -f http://apiserver:80/"],
            &["CMD", "pg_isready", "-d", "api"],
            &["CMD", "api-healthcheck"],
        ] {
            assert_eq!(
                rewrite_self_calls(&words(test), &names),
                SelfCalls::None,
                "{test:?}"
            );
        }
    }

    #[test]
    fn own_names_with_a_port_elsewhere_are_reported() {
        assert_eq!(
            rewrite_self_calls(&words(&["CMD", "nc", "-z", "api:80"]), &own(&["api"])),
            SelfCalls::Unsafe(words(&["api"]))
        );
    }
}
