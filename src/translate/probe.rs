//! Health checks as probes: a Compose `healthcheck` becomes a readiness probe (a Service
//! sends traffic only to healthy pods, which is also what `depends_on: service_healthy`
//! waits for), a liveness probe with the same command, and a startup probe while the
//! `start_period` runs.
//!
//! Docker runs `CMD` tests as they are and `CMD-SHELL` tests (and the string form, which the
//! model reads as `CMD-SHELL`) under the image's shell; Kubernetes runs an exec probe as it
//! is, so a shell test gets an explicit `/bin/sh -c`.

use k8s_openapi::api::core::v1::{ExecAction, Probe};

use crate::compose::model::{Duration, Healthcheck};

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
    pub liveness: Probe,
    /// Only with a `start_period`: until it succeeds, the other two do not run.
    pub startup: Option<Probe>,
}

/// The probes for `healthcheck`: `Ok(None)` when it disables checking, `Err` with the
/// reason when it cannot become a probe.
pub fn health_probes(healthcheck: &Healthcheck) -> Result<Option<HealthProbes>, String> {
    if healthcheck.disable {
        return Ok(None);
    }
    let Some(command) = probe_command(&healthcheck.test)? else {
        return Ok(None);
    };
    let interval = or_default(healthcheck.interval, DEFAULT_INTERVAL);
    let steady = Probe {
        exec: Some(ExecAction {
            command: Some(command),
        }),
        period_seconds: Some(whole_seconds(interval)),
        timeout_seconds: Some(whole_seconds(or_default(
            healthcheck.timeout,
            DEFAULT_TIMEOUT,
        ))),
        failure_threshold: Some(saturating_i32(
            healthcheck
                .retries
                .filter(|&retries| retries > 0)
                .unwrap_or(DEFAULT_RETRIES),
        )),
        ..Default::default()
    };
    let startup = healthcheck
        .start_period
        .filter(|period| period.as_nanos() > 0)
        .map(|start_period| {
            let period = or_default(healthcheck.start_interval, DEFAULT_START_INTERVAL);
            Probe {
                period_seconds: Some(whole_seconds(period)),
                failure_threshold: Some(checks_covering(start_period, period)),
                ..steady.clone()
            }
        });
    Ok(Some(HealthProbes {
        readiness: steady.clone(),
        liveness: steady,
        startup,
    }))
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

/// How many checks `period` apart it takes to cover `span`: at least one.
fn checks_covering(span: Duration, period: Duration) -> i32 {
    let span = span.as_nanos();
    let period = period.as_nanos().max(1);
    saturating_i32((span + period - 1) / period).max(1)
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

    fn command_of(healthcheck: &Healthcheck) -> Result<Option<Vec<String>>, String> {
        health_probes(healthcheck)
            .map(|probes| probes.and_then(|p| p.readiness.exec.and_then(|exec| exec.command)))
    }

    fn words(items: &[&str]) -> Result<Option<Vec<String>>, String> {
        Ok(Some(items.iter().map(|s| s.to_string()).collect()))
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
            words(&["mysqladmin", "ping", "-h", "localhost"])
        );
    }

    #[test]
    fn cmd_shell_and_the_string_form_run_under_a_shell() {
        assert_eq!(
            command_of(&healthcheck(&[
                "CMD-SHELL",
                "curl -f http://localhost || exit 1"
            ])),
            words(&["/bin/sh", "-c", "curl -f http://localhost || exit 1"])
        );
        assert_eq!(
            command_of(&healthcheck(&["CMD-SHELL", "exit", "1"])),
            words(&["/bin/sh", "-c", "exit", "1"])
        );
    }

    #[test]
    fn none_and_disable_give_no_probe() {
        assert_eq!(command_of(&healthcheck(&["NONE"])), Ok(None));
        let disabled = Healthcheck {
            disable: true,
            ..healthcheck(&["CMD", "true"])
        };
        assert_eq!(health_probes(&disabled), Ok(None));
    }

    #[test]
    fn tests_that_cannot_run_say_why() {
        let error = |test: &[&str]| health_probes(&healthcheck(test)).err();
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
    fn timings_default_as_docker_does() {
        let probes = health_probes(&healthcheck(&["CMD", "true"])).ok().flatten();
        let readiness = probes.as_ref().map(|p| &p.readiness);
        assert_eq!(readiness.and_then(|p| p.period_seconds), Some(30));
        assert_eq!(readiness.and_then(|p| p.timeout_seconds), Some(30));
        assert_eq!(readiness.and_then(|p| p.failure_threshold), Some(3));
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
        let probes = health_probes(&check).ok().flatten();
        let liveness = probes.map(|p| p.liveness);
        assert_eq!(liveness.as_ref().and_then(|p| p.period_seconds), Some(90));
        assert_eq!(liveness.as_ref().and_then(|p| p.timeout_seconds), Some(1));
        assert_eq!(liveness.and_then(|p| p.failure_threshold), Some(5));
    }

    #[test]
    fn start_period_gives_a_startup_probe_covering_it() {
        let startup = |start_period: &str, start_interval: Option<&str>| {
            let check = Healthcheck {
                interval: secs("10s"),
                start_period: secs(start_period),
                start_interval: start_interval.and_then(secs),
                ..healthcheck(&["CMD", "true"])
            };
            health_probes(&check)
                .ok()
                .flatten()
                .and_then(|p| p.startup)
                .map(|p| (p.period_seconds, p.failure_threshold))
        };
        assert_eq!(startup("1m", None), Some((Some(5), Some(12))));
        assert_eq!(startup("1m", Some("7s")), Some((Some(7), Some(9))));
        assert_eq!(startup("1s", Some("2s")), Some((Some(2), Some(1))));
        assert_eq!(startup("0s", Some("2s")), None);
    }
}
