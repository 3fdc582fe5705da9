#!/usr/bin/env python3
"""Each rule of check_rules.py catches a violation in a tiny synthetic project, and passes
the same project once it is fixed, so no rule can pass silently.

Run: python3 scripts/test_check_rules.py
"""

import copy
import os
import stat
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import check_rules as rules  # noqa: E402


def deployment(name, containers, **pod):
    return {"kind": "Deployment", "metadata": {"name": name},
            "spec": {"template": {"spec": {"containers": containers, **pod}}}}


def service(name, *ports, protocol="TCP"):
    return {"kind": "Service", "metadata": {"name": name},
            "spec": {"ports": [{"port": p, "protocol": protocol} for p in ports]}}


def project(services, objects, report=(), **model):
    return rules.Project({"services": services, **model}, list(objects), list(report))


class Rules(unittest.TestCase):
    def assertCaught(self, rule, broken, fixed):
        """`rule` finds exactly one violation in `broken` and none in `fixed`."""
        found = list(rules.CHECKS[rule](broken))
        self.assertEqual(len(found), 1, found)
        self.assertEqual(list(rules.CHECKS[rule](fixed)), [])

    def test_names(self):
        services = {"web": {"environment": {"API": "http://api:8080/v1"}}, "api": {}}
        broken = project(services, [service("api", 80)])
        fixed = project(services, [service("api", 80, 8080)])
        self.assertCaught("names", broken, fixed)
        warning = {"level": "warning", "service": "api", "key": "services.api.ports",
                   "message": "no Service: `api` does not resolve"}
        self.assertEqual(list(rules.rule_names(project(services, [], [warning]))), [])
        # A warning naming another word that contains the name does not count.
        warning["message"] = "no Service: `api-v1` does not resolve"
        self.assertEqual(len(list(rules.rule_names(project(services, [], [warning])))), 1)

    def test_names_in_commands_health_checks_and_config_maps(self):
        services = {"web": {"command": ["sh", "-c", "until nc -z -w 1 app 8065; do sleep 1; done"],
                            "entrypoint": "/gw --backend=http://relay:3000"},
                    "app": {}, "relay": {}}
        broken = project(services, [service("app", 80), service("relay", 3000)])
        fixed = project(services, [service("app", 80, 8065), service("relay", 3000)])
        self.assertCaught("names", broken, fixed)
        checked = {"web": {"healthcheck": {"test": ["CMD-SHELL", "curl -f http://app:81/"]}},
                   "app": {"healthcheck": {"test": ["CMD-SHELL", "curl -f http://app:82/"]}}}
        self.assertCaught("names", project(checked, [service("app", 80)]),
                          project(checked, [service("app", 80, 81)]))
        nginx = {"kind": "ConfigMap", "metadata": {
            "name": "web-conf", "labels": {"app.kubernetes.io/name": "web"}},
            "data": {"default.conf": "upstream a {\n  server app:8065;\n}\n"
                                     "location / { fastcgi_pass php:9000; }"}}
        files = {"web": {}, "app": {}, "php": {}}
        broken = project(files, [nginx, service("app", 8065), service("php", 80)])
        fixed = project(files, [nginx, service("app", 8065), service("php", 9000)])
        self.assertCaught("names", broken, fixed)

    def test_names_of_a_service_itself(self):
        # kafka tells its clients to connect to kafka:9093: the Service must listen there.
        services = {"kafka": {"environment": {
            "KAFKA_ADVERTISED_LISTENERS": "PLAINTEXT://kafka:9092,INTERNAL://kafka:9093"}}}
        self.assertCaught("names", project(services, [service("kafka", 9092)]),
                          project(services, [service("kafka", 9092, 9093)]))

    def test_names_of_depends_on_links_and_aliases(self):
        services = {"web": {"depends_on": {"db": {}}, "links": ["cache:memo"]},
                    "db": {"networks": {"back": {"aliases": ["database"]}}}, "cache": {}}
        found = list(rules.rule_names(project(services, [])))
        self.assertEqual(len(found), 4, found)  # db, cache, memo, database
        # A container in another's namespace reaches it as localhost, not by name.
        joined = {"side": {"network_mode": "service:web", "depends_on": {"web": {}}}, "web": {}}
        self.assertEqual(list(rules.rule_names(project(joined, []))), [])

    def test_names_of_container_names(self):
        # A host equal to a container_name resolves only through a Service of that name.
        services = {"app": {"environment": {"DB": "postgres://u:p@my-db:5432/app"}},
                    "db": {"container_name": "my-db"}}
        broken = project(services, [service("db", 5432)])
        fixed = project(services, [service("db", 5432), service("my-db", 5432)])
        self.assertCaught("names", broken, fixed)
        # With a network_mode the container is on no network: its name never resolved.
        services["db"]["network_mode"] = "host"
        self.assertEqual(list(rules.rule_names(project(services, [service("db", 5432)]))), [])

    def test_dns_policy(self):
        self.assertCaught("dns-policy", project({}, [deployment("a", [], dnsPolicy="None")]),
                          project({}, [deployment("a", [], dnsPolicy="ClusterFirst")]))

    def test_probe_budget_and_readiness(self):
        services = {"db": {"healthcheck": {"test": ["CMD", "true"], "interval": "10s",
                                           "retries": 5, "start_period": "1m0s"}}}
        probe = {"periodSeconds": 10, "failureThreshold": 5}

        def with_probes(startup, readiness):
            container = {"name": "db", "livenessProbe": dict(probe), "readinessProbe": readiness,
                         "startupProbe": startup}
            return project(services, [deployment("db", [container])])
        # 110 s allowed: start_period 60 s + 5 × 10 s.
        self.assertCaught("probe-budget", with_probes({"periodSeconds": 10, "failureThreshold": 10}, probe),
                          with_probes({"periodSeconds": 10, "failureThreshold": 11}, probe))
        self.assertCaught("readiness", with_probes(None, {"failureThreshold": 3}),
                          with_probes(None, {"failureThreshold": 5}))

    def test_waits(self):
        wait = {"name": "wait-for-db", "command": ["sh", "-c", "until nc -z -w 2 db 5432; do sleep 2; done"]}
        pod = deployment("web", [], initContainers=[wait])
        self.assertCaught("waits", project({}, [pod, service("db", 5432, protocol="UDP")]),
                          project({}, [pod, service("db", 5432)]))
        unreadable = dict(wait, command=["sh", "-c", "until getent hosts db; do sleep 2; done"])
        blind = deployment("web", [], initContainers=[unreadable])
        self.assertEqual(len(list(rules.rule_waits(project({}, [blind])))), 1)

    def test_every_service_needs_its_container(self):
        services = {"web": {}, "db": {}}
        found = rules.check(project(services, [deployment("web", [{"name": "web"}])]))
        self.assertEqual(found, [("convert", "service db", "no container named after it in any pod")])

    def test_modes(self):
        with tempfile.TemporaryDirectory() as tmp:
            script = Path(tmp) / "init.sh"
            script.write_text("#!/bin/sh\n")
            os.chmod(script, stat.S_IRWXU)
            services = {"db": {"volumes": [{"type": "bind", "source": str(script), "target": "/init.sh"}]}}

            def with_mode(mode):
                container = {"name": "db", "volumeMounts": [{"name": "init", "mountPath": "/init.sh",
                                                             "subPath": "init.sh"}]}
                volume = {"name": "init", "configMap": {"name": "db-init", "defaultMode": mode}}
                return project(services, [deployment("db", [container], volumes=[volume])])
            self.assertCaught("modes", with_mode(0o644), with_mode(0o755))

    def test_tmpfs(self):
        services = {"app": {"tmpfs": ["/run", "/tmp:size=64m"]}}

        def with_mounts(*mounts):
            container = {"name": "app", "volumeMounts": [{"name": n, "mountPath": p} for n, p in mounts]}
            return project(services, [deployment("app", [container])])
        self.assertCaught("tmpfs", with_mounts(("run", "/run")),
                          with_mounts(("run", "/run"), ("tmp", "/tmp")))
        shared = list(rules.rule_tmpfs(with_mounts(("t", "/run"), ("t", "/tmp"))))
        self.assertEqual(len(shared), 2, shared)

    def test_ports(self):
        def pod(second):
            return project({}, [deployment("web", [
                {"name": "web", "ports": [{"containerPort": 80}]},
                {"name": "side", "ports": [{"containerPort": 80, "protocol": second}]}])])
        self.assertCaught("ports", pod("TCP"), pod("UDP"))

    def test_mounts(self):
        services = {"db": {"volumes": [{"type": "volume", "source": "data", "target": "/var/lib/db"}]}}

        def with_mounts(*paths):
            container = {"name": "db", "volumeMounts": [{"name": "v", "mountPath": p} for p in paths]}
            return project(services, [deployment("db", [container])])
        self.assertCaught("mounts", with_mounts("/other"), with_mounts("/var/lib/db"))
        warning = {"level": "warning", "service": "db", "key": "services.db.volumes[0]",
                   "message": "nothing is mounted at /var/lib/db"}
        reported = with_mounts("/other")
        reported.warnings = [warning]
        self.assertEqual(list(rules.rule_mounts(reported)), [])
        warning["message"] = "nothing is mounted at /var/lib/db2"
        self.assertEqual(len(list(rules.rule_mounts(reported))), 1)

    def test_hpa_replicas(self):
        hpa = {"kind": "HorizontalPodAutoscaler", "metadata": {"name": "web"},
               "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "web"}}}
        broken = deployment("web", [])
        broken["spec"]["replicas"] = 2
        self.assertCaught("hpa-replicas", project({}, [broken, hpa]),
                          project({}, [deployment("web", []), hpa]))

    def test_claim_size(self):
        def statefulset(size):
            claim = {"metadata": {"name": "data"}, "spec": {"resources": {"requests": {"storage": size}}}}
            workload = deployment("db", [])
            workload.update(kind="StatefulSet")
            workload["spec"]["volumeClaimTemplates"] = [claim]
            checked = project({}, [workload], volumes={"data": {}})
            checked.volume_extensions = {"data": {"size": "5Gi"}}
            return checked
        self.assertCaught("claim-size", statefulset("1Gi"), statefulset("5Gi"))


class Source:
    """A corpus project whose commands give fixed outputs."""

    def __init__(self, outputs, accepted=True):
        self.name, self.accepted, self.outputs = "fake", accepted, outputs
        self.args, self.directory = (), Path("/nonexistent")

    def run(self, command):
        return self.outputs[command[1]]


class Conversion(unittest.TestCase):
    def test_a_failed_conversion_is_a_violation(self):
        model = ('{"services": {}}', "", 0)
        report = '{"entries": [{"level": "error", "message": "boom"}]}'
        failed = rules.convert_and_check(Source({"config": model, "convert": ("", report, 1)}), "c2k")
        self.assertEqual([v[0] for v in failed], ["convert"])
        text = rules.convert_and_check(Source({"config": model, "convert": ("{}", "warning: x\n{}", 0)}), "c2k")
        self.assertEqual([v[0] for v in text], ["convert"])
        garbled = rules.convert_and_check(Source({"config": model, "convert": ("apiVersion: v1", "{\"entries\": []}", 0)}), "c2k")
        self.assertEqual([v[0] for v in garbled], ["convert"])
        refused = Source({"config": ("", "error: no", 1)})
        self.assertEqual([v[0] for v in rules.convert_and_check(refused, "c2k")], ["convert"])

    def test_a_fixed_project_passes(self):
        outputs = {"config": ('{"services": {}}', "", 0),
                   "convert": ('{"items": []}', '{"entries": []}', 0)}
        self.assertEqual(rules.convert_and_check(Source(copy.deepcopy(outputs)), "c2k"), [])


if __name__ == "__main__":
    unittest.main()
