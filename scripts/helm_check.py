#!/usr/bin/env python3
"""Check the Helm charts of `convert --helm` with a real `helm` (Helm 4).

For each project (scripts/corpus.py: the golden cases that convert with exit 0, and with
--corpus every corpus project that converts):
- `convert --helm -o DIR` exits 0;
- `helm lint --strict DIR` passes;
- `helm template NAME DIR` (default values) gives the objects of `convert`: same kinds,
  names and fields, objects compared parsed, by kind and name, apart from the Secrets the
  chart leaves to the user and Helm's three labels (app.kubernetes.io/instance,
  helm.sh/chart, app.kubernetes.io/managed-by, which replaces convert's);
- no value of a Secret of `convert`'s output appears in any file under DIR (values that
  `convert` itself also writes outside Secrets, and values under 4 characters, are not
  secrets to look for; they are counted).

Then, for each case of testdata/helm and testdata/kustomize (a compose.yaml, override
files, an `overlays` file of NAME=FILE[,FILE…] lines, optional `args` and `environment`):
`helm template -f DIR/values-NAME.yaml` gives the objects of `convert -f compose.yaml -f
FILE…`, unless convert reported what the overlay changes beyond the values (which a case
of testdata/helm must not). For
the expense example: `--set <service>.image.tag=X` changes only that container's image,
and a value of the wrong type (`--set backend.replicas=two`) is refused by the schema.

Usage: scripts/helm_check.py [--corpus DIR] [--binary PATH] [--helm PATH] [-v]
Exit status: 0 when every check passes, 1 otherwise.
"""

import argparse
import base64
import copy
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml  # PyYAML, a dependency of kubernetes-validate

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import corpus_projects, each_in_parallel, golden_projects  # noqa: E402

HELM_LABELS = ("app.kubernetes.io/instance", "helm.sh/chart", "app.kubernetes.io/managed-by")
HERE = Path(__file__).resolve().parent.parent


def without_helm_labels(value):
    """The object with Helm's three labels (and convert's managed-by) removed from every
    `labels` map of its metadata; selectors are left as they are."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key == "metadata" and isinstance(item, dict) and isinstance(item.get("labels"), dict):
                item = dict(item)
                item["labels"] = {k: v for k, v in item["labels"].items() if k not in HELM_LABELS}
            out[key] = without_helm_labels(item)
        return out
    if isinstance(value, list):
        return [without_helm_labels(item) for item in value]
    return value


def objects(stream: str):
    """Objects of a YAML stream by (kind, name), Secrets apart: (objects, secrets)."""
    found, secrets = {}, {}
    for document in yaml.safe_load_all(stream):
        if not document:
            continue
        key = (document.get("kind"), document.get("metadata", {}).get("name"))
        target = secrets if document.get("kind") == "Secret" else found
        if key in target:
            raise ValueError(f"{key} twice")
        target[key] = without_helm_labels(document)
    return found, secrets


def first_difference(a, b, path=""):
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            if a.get(key) != b.get(key):
                return first_difference(a.get(key), b.get(key), f"{path}.{key}")
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            if x != y:
                return first_difference(x, y, f"{path}[{i}]")
    return f"{path}: {str(a)[:200]!r} != {str(b)[:200]!r}"


def compare(expected: str, rendered: str):
    """Problems of a rendering against convert's stream (Secrets aside)."""
    want, _ = objects(expected)
    got, got_secrets = objects(rendered)
    problems = []
    if got_secrets:
        problems.append(f"renders Secrets with the default values: {sorted(got_secrets)}")
    for key in sorted(set(want) | set(got), key=str):
        if key not in got:
            problems.append(f"missing {key}")
        elif key not in want:
            problems.append(f"extra {key}")
        elif want[key] != got[key]:
            problems.append(f"{key} differs at {first_difference(want[key], got[key])}")
    return problems, len(want)


def run(command, cwd=None, env=None):
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
    return done.stdout, done.stderr, done.returncode


def secret_values(stream: str):
    """(values to look for, too short, written elsewhere): the decoded data of convert's
    Secrets, less those too short to mean anything and those convert itself also writes
    outside Secrets (in a variable whose name does not say it is a secret, a command)."""
    values, short, elsewhere_count = set(), 0, 0
    rest = []
    for document in yaml.safe_load_all(stream):
        if not document:
            continue
        if document.get("kind") != "Secret":
            rest.append(yaml.safe_dump(document))
            continue
        for encoded in (document.get("data") or {}).values():
            try:
                values.add(base64.b64decode(encoded).decode())
            except (ValueError, UnicodeDecodeError):
                values.add(encoded)
        values.update(str(v) for v in (document.get("stringData") or {}).values())
    elsewhere = "\n".join(rest)
    kept = set()
    for value in values:
        if len(value.strip()) < 4:
            short += 1
        elif value in elsewhere:
            elsewhere_count += 1
        else:
            kept.add(value)
    return kept, short, elsewhere_count


# A project that uses every kind of value the chart's schema describes (claims, an Ingress,
# an autoscaler, a Secret), so that its values.schema.json holds every fixed description.
REFERENCE_COMPOSE = """
name: reference
services:
  web:
    image: registry.example.com/org/web:1.0
    ports: ["80:8080"]
    environment:
      DB_PASSWORD: zq0-reference-only
    volumes: [data:/data]
    deploy:
      resources: {reservations: {cpus: "0.5"}}
    x-kubernetes:
      ingress: {host: web.example.com}
      autoscale: {max: 3, cpu: 80}
volumes:
  data: {}
"""


def schema_descriptions(schema) -> set:
    found = set()
    if isinstance(schema, dict):
        for key, item in schema.items():
            if key == "description" and isinstance(item, str):
                found.add(item)
            else:
                found |= schema_descriptions(item)
    elif isinstance(schema, list):
        for item in schema:
            found |= schema_descriptions(item)
    return found


def without_descriptions(schema, fixed: set):
    """The schema less the descriptions that are fixed text (the doc comments of the values'
    types, the same in every chart): a secret value that happens to be a common word
    ("example") is not leaked by them. A description not in `fixed` is kept and searched."""
    if isinstance(schema, dict):
        return {key: without_descriptions(item, fixed) for key, item in schema.items()
                if not (key == "description" and item in fixed)}
    if isinstance(schema, list):
        return [without_descriptions(item, fixed) for item in schema]
    return schema


def fixed_descriptions(binary) -> set:
    with tempfile.TemporaryDirectory() as tmp:
        project, chart = Path(tmp) / "project", Path(tmp) / "chart"
        project.mkdir()
        (project / "compose.yaml").write_text(REFERENCE_COMPOSE)
        _, err, code = run([binary, "convert", "--helm", "-o", str(chart)], cwd=project)
        if code != 0:
            raise SystemExit(f"helm_check: the reference project does not convert: {err}")
        schema = json.loads((chart / "values.schema.json").read_text())
    return schema_descriptions(schema)


def leaked(directory: Path, values, fixed: set):
    found = []
    for path in sorted(directory.rglob("*")):
        if path.is_file():
            text = path.read_text(errors="replace")
            if path.name == "values.schema.json":
                text = json.dumps(without_descriptions(json.loads(text), fixed))
            found += [f"{path.relative_to(directory)}" for v in values if v in text]
    return found


def check_project(project, binary, helm, tmp: Path, fixed: set):
    """(outcome, detail, objects compared, secret values looked for, (too short, written
    elsewhere by convert))."""
    chart = tmp / "chart"
    expected, err, code = project.run([binary, "convert"])
    if code != 0:
        # validate.py checks which refusals are right; a project Compose accepts must convert.
        outcome = "failed" if project.accepted else "skipped"
        return outcome, f"convert exits {code}: {err[-500:]}", 0, 0, (0, 0)
    _, err, code = project.run([binary, "convert", "--helm", "-o", str(chart)])
    if code != 0:
        return "failed", f"convert --helm exits {code}: {err[-1500:]}", 0, 0, (0, 0)
    out, err, code = run([helm, "lint", "--strict", str(chart)])
    if code != 0:
        return "failed", f"helm lint --strict:\n{out[-1500:]}{err[-1500:]}", 0, 0, (0, 0)
    rendered, err, code = run([helm, "template", "release", str(chart)])
    if code != 0:
        return "failed", f"helm template: {err[-1500:]}", 0, 0, (0, 0)
    problems, count = compare(expected, rendered)
    values, short, elsewhere = secret_values(expected)
    skipped = (short, elsewhere)
    leaks = leaked(chart, values, fixed)
    if leaks:
        problems.append(f"secret values found in {sorted(set(leaks))}")
    if problems:
        return "failed", "\n".join(problems[:20]), count, len(values), skipped
    return "passed", None, count, len(values), skipped


def override_cases(binary, helm, verbose):
    """The override cases of testdata/helm and testdata/kustomize: (cases, overlays that
    render exactly, overlays convert reports changes of that the values cannot say,
    failures). A case of testdata/helm must have none of the second kind."""
    rendered = reported = failures = cases = 0
    for root in [HERE / "testdata" / "helm", HERE / "testdata" / "kustomize"]:
        for case in sorted(p for p in root.iterdir() if p.is_dir()):
            cases += 1
            r, p, f = override_case(case, binary, helm, verbose, strict=root.name == "helm")
            rendered, reported, failures = rendered + r, reported + p, failures + f
    return cases, rendered, reported, failures


def override_case(case, binary, helm, verbose, strict):
    overlays = [line.split("=", 1) for line in (case / "overlays").read_text().split()
                if "=" in line]
    env = {"PATH": os.environ.get("PATH", ""), "HOME": "/home/user"}
    if (case / "environment").is_file():
        env.update(line.split("=", 1) for line in (case / "environment").read_text().splitlines()
                   if "=" in line)
    args = (case / "args").read_text().split() if (case / "args").is_file() else []
    rendered = reported = failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        chart = Path(tmp) / "chart"
        flags = [f"--overlay={name}={files}" for name, files in overlays]
        _, err, code = run([binary, "convert", "--helm", "-o", str(chart), *flags, *args],
                           case, env)
        if code != 0:
            print(f"FAILED override case {case.name}: convert --helm exits {code}\n{err}")
            return 0, 0, 1
        for name, files in overlays:
            if f"overlay {name}:" in err:
                if strict:
                    print(f"FAILED override case {case.name}: overlay {name} is not all in "
                          f"values-{name}.yaml:\n{err}")
                    failures += 1
                else:
                    reported += 1
                continue
            inputs = ["-f", "compose.yaml"] + [a for f in files.split(",") for a in ("-f", f)]
            expected, err1, code1 = run([binary, "convert", *inputs, *args], case, env)
            out, err2, code2 = run([helm, "template", "release", str(chart),
                                    "-f", str(chart / f"values-{name}.yaml")])
            problems = [f"exit {code1}/{code2}: {err1}{err2}"] if code1 or code2 else \
                compare(expected, out)[0]
            if problems:
                failures += 1
                print(f"FAILED override case {case.name}, overlay {name}:\n" + "\n".join(problems))
            else:
                rendered += 1
                if verbose:
                    print(f"passed: override case {case.name}, overlay {name}")
    return rendered, reported, failures


def expense_checks(binary, helm):
    """`--set <service>.image.tag` and the schema, on the expense example."""
    failures = []
    case = HERE / "testdata" / "convert" / "expense"
    with tempfile.TemporaryDirectory() as tmp:
        chart = Path(tmp) / "chart"
        _, err, code = run([binary, "convert", "--helm", "-o", str(chart)], case)
        if code != 0:
            return [f"convert --helm exits {code}: {err}"]
        default, _, _ = run([helm, "template", "release", str(chart)])
        changed, err, code = run([helm, "template", "release", str(chart),
                                  "--set", "backend.image.tag=2.0.0"])
        if code != 0:
            failures.append(f"--set backend.image.tag: {err}")
        else:
            before, _ = objects(default)
            after, _ = objects(changed)
            expected = copy.deepcopy(before)
            containers = expected[("Deployment", "backend")]["spec"]["template"]["spec"]["containers"]
            containers[0]["image"] = "joindevops/backend:2.0.0"
            if after != expected:
                failures.append("--set backend.image.tag changes more (or less) than the image: "
                                + "; ".join(first_difference(expected[k], after.get(k))
                                            for k in expected if expected[k] != after.get(k)))
        for wrong in ["backend.replicas=two", "frontend.image.pullPolicy=Sometimes",
                      "mysql.enabled=maybe", "backennd.replicas=2"]:
            _, err, code = run([helm, "template", "release", str(chart), "--set", wrong])
            if code == 0 or "schema" not in err:
                failures.append(f"--set {wrong} is not refused by the schema (exit {code}) {err}")
    return failures


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", help="the shared corpus (without it, only the goldens)")
    parser.add_argument("--binary", default=str(HERE / "target" / "release" / "compose2k8s"))
    parser.add_argument("--helm", default=shutil.which("helm") or str(Path.home() / "go/bin/helm"))
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    binary = str(Path(args.binary).resolve())
    projects = list(golden_projects(HERE / "testdata" / "convert"))
    projects += list(golden_projects(HERE / "testdata" / "cli"))
    if args.corpus:
        projects += [p for p in corpus_projects(Path(args.corpus))]

    fixed = fixed_descriptions(binary)

    def one(project):
        with tempfile.TemporaryDirectory() as tmp:
            return check_project(project, binary, args.helm, Path(tmp), fixed)

    outcomes = each_in_parallel(one, projects)
    counts = {"passed": 0, "failed": 0, "skipped": 0}
    compared = looked_for = short_values = elsewhere_values = 0
    for project, (outcome, detail, count, values, skipped) in zip(projects, outcomes):
        counts[outcome] += 1
        compared += count
        looked_for += values
        short_values += skipped[0]
        elsewhere_values += skipped[1]
        if outcome == "failed":
            print(f"FAILED {project.name}\n{detail}\n")
        elif args.verbose:
            print(f"{outcome}: {project.name} {detail or ''}")
    cases, overlays_rendered, overlays_reported, case_failures = override_cases(
        binary, args.helm, args.verbose)
    expense = expense_checks(binary, args.helm)
    for failure in expense:
        print(f"FAILED expense: {failure}")
    print(
        f"helm_check: {counts['passed']} charts pass lint --strict and render convert's "
        f"{compared} objects; {counts['failed']} failed; {counts['skipped']} projects convert "
        f"refuses; {looked_for} secret values absent from the charts (not looked for: "
        f"{short_values} under 4 characters, {elsewhere_values} that convert also writes "
        f"outside Secrets); {cases} override cases: "
        f"{overlays_rendered} overlays render exactly, {overlays_reported} reported as "
        f"beyond the values, {case_failures} failed; expense checks: {len(expense)} failed"
    )
    return 0 if counts["failed"] == 0 and case_failures == 0 and not expense else 1


if __name__ == "__main__":
    sys.exit(main())
