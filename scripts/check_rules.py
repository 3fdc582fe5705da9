#!/usr/bin/env python3
"""Check that converted projects would run as they did under Compose.

Every project of scripts/corpus.py (each corpus file, each realworld project with its
projects.json flags, and the golden cases of testdata/convert that convert) is converted
with `compose2k8s convert --format json --report json`; `compose2k8s config --format json`
gives its compose model. Each rule below is checked on every object; a project that our
loader accepts but that does not convert, or prints no JSON, is a violation of `convert`.

Rules (the name is what the counts are printed under):
- convert: the project converts (exit 0, JSON objects, a JSON report), and every service
  has a container named after it (which the other rules look at).
- names: every name a container reached in Compose (depends_on, links, network aliases,
  `scheme://host[:port]`, `host:port` and `nc host port` naming a service, alias or
  container_name in environment values, commands, entrypoints, other services' health
  checks and the data of the ConfigMaps of the service) has a Service of that exact name
  exposing that port, or a report warning of the service names it. A service naming itself
  counts: it tells its clients that address (kafka's advertised listeners).
- dns-policy: no pod has `dnsPolicy: None`.
- probe-budget: with a healthcheck, no startup (else liveness) probe can kill the container
  before `start_period + retries × interval`.
- readiness: a readiness probe allows at least the healthcheck's `retries` failures.
- waits: an init container waiting on host:port targets a Service with that TCP port (and a
  `wait-for-…` one says what it waits on).
- modes: a ConfigMap volume of an executable bind-mounted file keeps an executable mode.
- tmpfs: each tmpfs path of a service has its own volumeMount at that path.
- ports: no containerPort (port and protocol) twice in one pod.
- mounts: every volume or bind target of a service is a volumeMount of its container, or a
  report warning of the service names it.
- hpa-replicas: a workload an HPA scales sets no spec.replicas.
- claim-size: a StatefulSet claim template asks for its volume's x-kubernetes size.

Usage: scripts/check_rules.py [--corpus DIR] [--binary PATH] [--summary]
(without --corpus, the golden cases only)
Prints the violations per rule and the first examples; exit 1 when there is any.
"""

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

import yaml  # PyYAML, a dependency of kubernetes-validate

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import EXPECTED_REFUSALS, corpus_projects, each_in_parallel, golden_projects  # noqa: E402

RULES = ("convert", "names", "dns-policy", "probe-budget", "readiness", "waits", "modes",
         "tmpfs", "ports", "mounts", "hpa-replicas", "claim-size")
EXAMPLES = 3


def dns_label(name):
    mapped = "".join(c if c.isascii() and c.isalnum() else "-" for c in name.lower())
    return mapped.strip("-")[:63].rstrip("-") or "x"


def seconds(duration, default):
    """A Go duration as Compose prints it (`1m30s`, `500ms`) in seconds."""
    if duration is None:
        return default
    units = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}
    return sum(float(n) * units[u] for n, u in re.findall(r"([\d.]+)(ns|us|µs|ms|s|m|h)", duration))


class Project:
    """A converted project: the compose model, the objects and the report's entries."""

    def __init__(self, model, objects, report, volume_extensions=None):
        self.services = model.get("services") or {}
        self.volumes = model.get("volumes") or {}
        # Compose's `config` drops the `x-` keys of volumes, so these come from the files.
        self.volume_extensions = volume_extensions or {}
        self.extension = model.get("x-kubernetes") or {}
        self.objects = objects
        self.warnings = [e for e in report if e.get("level") == "warning"]
        self.k8s_services = {o["metadata"]["name"]: o for o in objects if o["kind"] == "Service"}

    def pods(self):
        """(object, pod spec) of every pod template."""
        for o in self.objects:
            spec = o.get("spec") or {}
            if o["kind"] == "CronJob":
                spec = spec["jobTemplate"]["spec"]
            if "template" in spec:
                yield o, spec["template"]["spec"]
            elif o["kind"] == "Pod":
                yield o, spec

    def containers(self, service):
        """(object, pod spec, container) of the service's container(s)."""
        for o, pod in self.pods():
            for c in pod.get("containers", []):
                if c["name"] == dns_label(service):
                    yield o, pod, c

    def reported(self, services, text, key=""):
        """Whether a report warning about one of `services` (under `services.<name>.<key>`
        when given) names `text` as a whole word or path."""
        whole = re.compile(rf"(?<![\w-]){re.escape(text)}(?![\w/-])")
        return any(e.get("service") in services and whole.search(e["message"])
                   and e.get("key", "").startswith(f"services.{e.get('service')}.{key}")
                   for e in self.warnings)

    def serves(self, name, port=None, protocol=None):
        # DNS ignores case: `CACHE` finds the Service `cache`.
        service = self.k8s_services.get(name.lower())
        if service is None:
            return False
        ports = service["spec"].get("ports") or []
        return port is None or any(
            p["port"] == port and protocol in (None, p.get("protocol", "TCP")) for p in ports)


def label(o):
    return f"{o['kind']}/{o['metadata']['name']}"


def hosts_in(value):
    """(host, port or None) of each `scheme://host[:port]` or `host:port` in a value, and of
    the host and port words after `nc` (`nc -z -w 1 app 8065`)."""
    for token in re.split(r"[\s,;]+", value):
        token = token.strip("'\"")
        url = re.match(r"[a-zA-Z][\w+.-]*://(?:[^@/]*@)?([\w.-]+)(?::(\d+))?", token)
        plain = re.fullmatch(r"([\w.-]+):(\d+)", token)
        found = url or plain
        if found:
            yield found.group(1), int(found.group(2)) if found.group(2) else None
    for command in re.split(r"[\n;&|()`]", value):
        words = [w for w in re.split(r"[\s'\"]+", command) if w]
        programs = [i for i, w in enumerate(words) if w.rsplit("/", 1)[-1] in NC_PROGRAMS]
        if programs:
            after = words[programs[0] + 1:]
            for host, port in zip(after, after[1:]):
                if not host.startswith("-") and port.isdigit() and 0 < int(port) < 65536:
                    yield host, int(port)
                    break


NC_PROGRAMS = ("nc", "ncat", "netcat", "telnet")


def environment(service):
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.partition("=")[::2] for item in env)
    return {k: v for k, v in env.items() if isinstance(v, str)}


def words(command):
    """A command or entrypoint as one text (Compose's model has lists; a string stays)."""
    if isinstance(command, list):
        return " ".join(str(w) for w in command)
    return command or ""


def rule_names(p):
    # A service with a network_mode (another's namespace, host, none) has no name of its
    # own in Compose either.
    owner = {name: name for name, service in p.services.items() if not service.get("network_mode")}
    for name, service in p.services.items():
        # A container's name resolves on its networks, as an alias does (not with a
        # network_mode, which puts it on none).
        if service.get("container_name") and not service.get("network_mode"):
            owner.setdefault(service["container_name"], name)
        for network in (service.get("networks") or {}).values():
            for alias in (network or {}).get("aliases") or []:
                owner.setdefault(alias, name)
        for link in service.get("links") or []:
            target, _, alias = link.partition(":")
            if alias and target in p.services:
                owner.setdefault(alias, target)
    by_label = {dns_label(name): name for name in p.services}
    config_data = {}
    for o in p.objects:
        if o["kind"] == "ConfigMap":
            service = by_label.get((o["metadata"].get("labels") or {}).get("app.kubernetes.io/name"))
            for key, value in (o.get("data") or {}).items():
                config_data.setdefault(service, []).append((f"ConfigMap {o['metadata']['name']} {key}", value))
    for name, service in p.services.items():
        # Joining another's namespace (`service:X`) implies a dependency, not a name.
        joined = (service.get("network_mode") or "").removeprefix("service:")
        reached = [(d, None, "depends_on") for d in service.get("depends_on") or {} if d != joined]
        for link in service.get("links") or []:
            reached += [(host, None, "links") for host in link.split(":") if host]
        for network in (service.get("networks") or {}).values():
            reached += [(a, None, "network alias") for a in (network or {}).get("aliases") or []]
        texts = [(f"environment {key}", value) for key, value in environment(service).items()]
        texts += [(key, words(service.get(key))) for key in ("command", "entrypoint")]
        texts += config_data.get(name, [])
        for how, text in texts:
            reached += [(h, port, how) for h, port in hosts_in(text)]
        check = service.get("healthcheck") or {}
        if not check.get("disable"):
            test = check.get("test") or []
            test = " ".join(test[1:]) if isinstance(test, list) else test
            # A health check naming its own service is rewritten to call localhost.
            reached += [(h, port, "healthcheck") for h, port in hosts_in(test)
                        if owner.get(h) != name]
        for host, port, how in reached:
            if host not in owner or p.serves(host, port):
                continue
            if not p.reported({name, owner[host]}, host):
                where = f"{host}:{port}" if port else host
                yield f"service {name}", f"{how} reaches {where}: no Service {host!r}" + (
                    f" with port {port}" if port and host in p.k8s_services else "")


def rule_dns_policy(p):
    for o, pod in p.pods():
        if pod.get("dnsPolicy") == "None":
            yield label(o), "dnsPolicy: None (the pod cannot resolve the cluster's names)"


def healthchecks(p):
    for name, service in p.services.items():
        check = service.get("healthcheck")
        if not check or check.get("disable") or (check.get("test") or ["NONE"])[0] == "NONE":
            continue
        retries = check.get("retries", 3)
        budget = seconds(check.get("start_period"), 0) + retries * seconds(check.get("interval"), 30)
        for o, _, container in p.containers(name):
            yield o, container, retries, budget


def rule_probe_budget(p):
    for o, c, _, budget in healthchecks(p):
        guard = c.get("startupProbe") or c.get("livenessProbe")
        if guard:
            kill = guard.get("initialDelaySeconds", 0) + \
                guard.get("periodSeconds", 10) * guard.get("failureThreshold", 3)
            if kill < budget:
                which = "startup" if c.get("startupProbe") else "liveness"
                yield f"{label(o)} {c['name']}", \
                    f"{which} probe kills after {kill:g}s, the healthcheck allows {budget:g}s"


def rule_readiness(p):
    for o, c, retries, _ in healthchecks(p):
        ready = c.get("readinessProbe")
        if ready and ready.get("failureThreshold", 3) < retries:
            yield f"{label(o)} {c['name']}", \
                f"readiness failureThreshold {ready.get('failureThreshold', 3)} < retries {retries}"


def waits_in(text):
    """(host, port) each `nc … HOST PORT` or `HOST:PORT` of a command waits on."""
    pairs = re.findall(r"\bnc\s+(?:-\w+\s+(?:\d+\s+)?)*([A-Za-z0-9][\w.-]*)\s+(\d+)\b", text)
    pairs += re.findall(r"(?:^|[\s'\"=@/])([A-Za-z][\w.-]*):(\d+)\b", text)
    return {(host.split(".")[0], int(port)) for host, port in pairs}


def rule_waits(p):
    for o, pod in p.pods():
        for c in pod.get("initContainers") or []:
            text = " ".join(c.get("command", []) + c.get("args", []))
            if c["name"].startswith("wait-for-") and not waits_in(text):
                yield f"{label(o)} {c['name']}", f"waits on no host:port that can be read: {text!r}"
            for host, port in sorted(waits_in(text)):
                if not p.serves(host, port, "TCP"):
                    yield f"{label(o)} {c['name']}", f"waits on {host}:{port}: no Service with TCP port {port}"


def mounts_of(service):
    """(type, source, target) of the service's volumes."""
    for v in service.get("volumes") or []:
        yield v.get("type"), v.get("source"), v.get("target")


def executable_files(source):
    """(path in the mount, file) of each executable file of a bind source."""
    path = Path(source)
    files = [path] if path.is_file() else sorted(f for f in path.rglob("*") if f.is_file())
    return [(f.relative_to(path).as_posix() if f != path else path.name, f)
            for f in files if f.stat().st_mode & 0o111]


def config_map_mounts(p, name, target):
    """(object, container, mount, configMap volume) of ConfigMaps mounted at `target`."""
    for o, pod, c in p.containers(name):
        volumes = {v["name"]: v for v in pod.get("volumes") or []}
        for mount in c.get("volumeMounts") or []:
            config_map = volumes.get(mount["name"], {}).get("configMap")
            if mount["mountPath"] == target and config_map is not None:
                yield o, c, mount, config_map


def rule_modes(p):
    for name, service in p.services.items():
        for kind, source, target in mounts_of(service):
            if kind != "bind" or not source:
                continue
            # Only what became a ConfigMap is looked at: never a walk of a large host tree.
            for o, c, mount, config_map in config_map_mounts(p, name, target):
                items = {i["path"]: i for i in config_map.get("items") or []}
                default = config_map.get("defaultMode", 0o644)
                for relative, _ in executable_files(source):
                    item = items.get(relative) or items.get(Path(relative).name)
                    if items and item is None:
                        continue  # not carried over: the mounts rule's concern
                    mode = (item or {}).get("mode", default)
                    if not mode & 0o111:
                        yield f"{label(o)} {c['name']}", \
                            f"{source}: {relative} is executable, mounted at {target} with mode {mode:o}"


def tmpfs_targets(service):
    tmpfs = service.get("tmpfs") or []
    paths = [tmpfs] if isinstance(tmpfs, str) else list(tmpfs)
    paths = [t.split(":")[0] for t in paths]
    return paths + [target for kind, _, target in mounts_of(service) if kind == "tmpfs"]


def rule_tmpfs(p):
    for name, service in p.services.items():
        targets = tmpfs_targets(service)
        for o, _, c in p.containers(name) if targets else []:
            mounts = {m["mountPath"]: m["name"] for m in c.get("volumeMounts") or []}
            volumes = [mounts.get(t) for t in targets]
            for target, volume in zip(targets, volumes):
                if volume is None:
                    yield f"{label(o)} {c['name']}", f"tmpfs {target} has no volumeMount"
                elif volumes.count(volume) > 1:
                    yield f"{label(o)} {c['name']}", f"tmpfs {target} shares the volume {volume}"


def rule_ports(p):
    for o, pod in p.pods():
        ports = Counter((port["containerPort"], port.get("protocol", "TCP"))
                        for c in pod.get("containers", []) for port in c.get("ports") or [])
        for (port, protocol), times in sorted(ports.items()):
            if times > 1:
                yield label(o), f"containerPort {port}/{protocol} {times} times"


def rule_mounts(p):
    for name, service in p.services.items():
        for kind, source, target in mounts_of(service):
            for o, _, c in p.containers(name):
                paths = {m["mountPath"] for m in c.get("volumeMounts") or []}
                if target not in paths and not p.reported({name}, target, "volumes"):
                    yield f"{label(o)} {c['name']}", f"{kind} mount {source or ''}:{target} dropped, not reported"


def rule_hpa_replicas(p):
    workloads = {(o["kind"], o["metadata"]["name"]): o for o in p.objects}
    for hpa in (o for o in p.objects if o["kind"] == "HorizontalPodAutoscaler"):
        ref = hpa["spec"]["scaleTargetRef"]
        target = workloads.get((ref["kind"], ref["name"]))
        if target is not None and "replicas" in target["spec"]:
            yield label(target), f"spec.replicas {target['spec']['replicas']} fights {label(hpa)}"


def rule_claim_size(p):
    wanted = {}
    for key in p.volumes:
        size = p.volume_extensions.get(key, {}).get("size") or p.extension.get("volumeSize")
        if size:
            wanted[dns_label(key)] = size
    for o in (o for o in p.objects if o["kind"] == "StatefulSet"):
        for claim in o["spec"].get("volumeClaimTemplates") or []:
            size = wanted.get(claim["metadata"]["name"])
            asked = claim["spec"]["resources"]["requests"]["storage"]
            if size and asked != size:
                yield label(o), f"claim {claim['metadata']['name']} asks {asked}, the volume says {size}"


CHECKS = {
    "names": rule_names, "dns-policy": rule_dns_policy, "probe-budget": rule_probe_budget,
    "readiness": rule_readiness, "waits": rule_waits, "modes": rule_modes, "tmpfs": rule_tmpfs,
    "ports": rule_ports, "mounts": rule_mounts, "hpa-replicas": rule_hpa_replicas,
    "claim-size": rule_claim_size,
}


def unplaced(p):
    """Services without a container named after them: the rules would not see them."""
    for name in p.services:
        if not any(p.containers(name)):
            yield "convert", f"service {name}", "no container named after it in any pod"


def check(project: Project):
    """(rule, object, detail) of every violation."""
    return list(unplaced(project)) + [(rule, where, detail) for rule, function in CHECKS.items()
                                      for where, detail in function(project)]


def convert_and_check(source, binary):
    """(rule, object, detail) of the violations of one corpus project; None when our loader
    refuses a file that is not known to be a project (conformance.py holds that refusal to
    Docker Compose's)."""
    model_text, model_err, code = source.run([binary, "config", "--format", "json", "--report", "json"])
    if code != 0:
        if source.accepted:
            first_line = model_err.strip().splitlines()[:1]
            try:
                first_line = [e["message"] for e in json.loads(model_err)["entries"]][-1:]
            except (json.JSONDecodeError, KeyError, TypeError):
                pass
            return [("convert", "project", f"refused by the loader: {first_line}")]
        return None
    out, err, code = source.run([binary, "convert", "--format", "json", "--report", "json"])
    if source.name in EXPECTED_REFUSALS:
        return [] if code == 1 else [("convert", "project", f"must be refused, exits {code}")]
    try:
        report = json.loads(err)["entries"]
    except (json.JSONDecodeError, KeyError, TypeError):
        return [("convert", "report", f"--report json stderr is not a JSON report: {err[:200]!r}")]
    if code != 0:
        errors = [e["message"] for e in report if e.get("level") == "error"]
        return [("convert", "project", f"exits {code}: {errors[:2]}")]
    try:
        objects = json.loads(out)["items"]
    except (json.JSONDecodeError, KeyError, TypeError):
        return [("convert", "objects", f"stdout is not a JSON List: {out[:200]!r}")]
    return check(Project(json.loads(model_text), objects, report, volume_extensions(source)))


def volume_extensions(source):
    """Each top-level volume's `x-kubernetes`, read from the project's `-f` files in order (a
    later file's settings win); the files are parsed alone, with no interpolation."""
    found = {}
    args = iter(source.args)
    files = [next(args, "") for arg in args if arg in ("-f", "--file")]
    if not files:  # found as Compose finds them
        names = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")
        first = next((n for n in names if (source.directory / n).is_file()), None)
        files = [n for n in (first, first and first.replace(".y", ".override.y"))
                 if n and (source.directory / n).is_file()]
    for file in files:
        try:
            document = yaml.safe_load((source.directory / file).read_text()) or {}
        except (OSError, yaml.YAMLError):
            continue
        volumes = document.get("volumes") if isinstance(document, dict) else None
        for key, volume in (volumes or {}).items() if isinstance(volumes, dict) else ():
            if isinstance(volume, dict) and isinstance(volume.get("x-kubernetes"), dict):
                found.setdefault(key, {}).update(volume["x-kubernetes"])
    return found


def main():
    here = Path(__file__).resolve().parent.parent
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", help="the shared corpus (without it, only the goldens)")
    parser.add_argument("--binary", default=str(here / "target" / "release" / "compose2k8s"))
    parser.add_argument("--summary", action="store_true", help="print only the counts")
    args = parser.parse_args()
    binary = str(Path(args.binary).resolve())
    sources = list(corpus_projects(Path(args.corpus))) if args.corpus else []
    sources += golden_projects(here / "testdata" / "convert")
    results = each_in_parallel(lambda s: convert_and_check(s, binary), sources)
    violations = {rule: [] for rule in RULES}
    for source, found in zip(sources, results):
        for rule, where, detail in found or []:
            violations[rule].append((source.name, where, detail))
    checked = sum(found is not None for found in results)
    print(f"check_rules: {checked} projects checked, {len(sources) - checked} files refused "
          f"by the loader (not projects)")
    for rule in RULES:
        print(f"{rule:14} {len(violations[rule])}")
        if not args.summary:
            for project, where, detail in violations[rule][:EXAMPLES]:
                print(f"    {project}: {where}: {detail}")
    total = sum(map(len, violations.values()))
    print(f"check_rules: {total} violations")
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
