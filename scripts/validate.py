#!/usr/bin/env python3
"""Convert every compose project of the corpus and validate every object it writes.

Projects (scripts/corpus.py): each compose file of the corpus on its own, and each
realworld project with the files and flags of its projects.json. Each is converted with
`compose2k8s convert --report json -o DIR` in its directory, and:
- the report on stderr must be one JSON document, whatever the exit code;
- convert must exit 0; a file our loader refuses (as Docker Compose's does, which
  conformance.py checks) must be refused by convert with exit 1, and a realworld project,
  which Docker Compose accepts, must never be refused;
- every object must pass `kubernetes-validate --strict -k 1.33`, where a "couldn't find
  schema" warning counts as a failure;
- every service of the project must become a workload (or a container in another's pod).

The expected output of every golden case that converts to stdout with exit 0 (under
testdata/convert and testdata/cli) is always validated the same way, corpus or not, so
the objects the tests pin are valid too.

Usage: scripts/validate.py [--corpus DIR] [--binary PATH] [-v]
Exit status: 0 when every golden output and every project validates, 1 otherwise.
"""

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml  # PyYAML, a dependency of kubernetes-validate

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import EXPECTED_REFUSALS, corpus_projects, each_in_parallel  # noqa: E402

KUBERNETES_VERSION = "1.33"
WORKLOAD_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob"}


def loaded_services(project, binary: str):
    """The services of the project as our loader resolves them, or None if it refuses."""
    out, _, code = project.run([binary, "config", "--format", "json"])
    if code != 0:
        return None
    return set(json.loads(out).get("services", {}).keys())


def workload_services(directory: Path):
    """Container names of the workloads written (PyYAML reads YAML 1.1, as kubectl does)."""
    names = set()
    for file in directory.glob("*.yaml"):
        obj = yaml.safe_load(file.read_text())
        if obj.get("kind") in WORKLOAD_KINDS:
            template = obj["spec"].get("template") or obj["spec"]["jobTemplate"]["spec"]["template"]
            for container in template["spec"]["containers"]:
                names.add(container["name"])
    return names


def dns_label(name: str) -> str:
    mapped = "".join(c if c.isascii() and (c.isalnum()) else "-" for c in name.lower())
    return mapped.strip("-")[:63].rstrip("-") or "x"


def validate(files):
    done = subprocess.run(
        ["kubernetes-validate", "--strict", "-k", KUBERNETES_VERSION, *map(str, files)],
        capture_output=True,
        text=True,
    )
    output = done.stdout + done.stderr
    problems = [
        line
        for line in output.splitlines()
        if line and not line.startswith("INFO ")
    ]
    return done.returncode == 0 and not problems, problems


def report_problem(stderr):
    """Why the `--report json` stderr is not one JSON report, or None if it is."""
    try:
        report = json.loads(stderr or "")
    except json.JSONDecodeError as e:
        return f"the --report json stderr is not one JSON document ({e}): {stderr[:300]!r}"
    if not isinstance(report, dict) or not isinstance(report.get("entries"), list):
        return "the --report json stderr has no `entries` list"
    return None


def convert(project, binary: str, out_dir: Path):
    """(outcome, detail): converted (detail: the files written), refused or failed."""
    services = loaded_services(project, binary)
    _, err, code = project.run([binary, "convert", "--report", "json", "-o", str(out_dir)])
    problem = report_problem(err)
    if problem:
        return "failed", problem
    errors = [e["message"] for e in json.loads(err)["entries"] if e.get("level") == "error"]
    if services is None or project.name in EXPECTED_REFUSALS:
        if project.accepted:
            return "failed", f"refused, but Docker Compose accepts it: {errors[:3]}"
        if code == 1 and errors:
            return "refused", None
        return "failed", f"convert should refuse it with exit 1 and an error, exits {code}"
    if code != 0:
        return "failed", f"convert exits {code}: {errors[:3]}"
    lost = {dns_label(s) for s in services} - workload_services(out_dir)
    if lost:
        return "failed", f"services without a workload: {sorted(lost)}"
    files = sorted(out_dir.glob("*.yaml"))
    if services and not files:
        return "failed", "no objects written"
    # A project whose services are all behind inactive profiles has nothing to run.
    return "converted", files


def validate_all(files, chunk=200):
    """Validates many files in a few runs of the validator (its start-up is most of its
    time); returns the problems, each naming its file."""
    chunks = [files[i:i + chunk] for i in range(0, len(files), chunk)]
    problems = []
    for files_of_chunk, (ok, found) in zip(chunks, each_in_parallel(validate, chunks)):
        if not ok and not found:
            found = [f"ERROR {f} the validator failed" for f in files_of_chunk]
        problems.extend(found)
    return problems


def check_goldens(roots):
    """Validates the `stdout` of each golden case that converts with exit 0, in one run of
    the validator; returns (cases, failures)."""
    outputs = []
    for root in roots:
        for case in sorted(p for p in root.iterdir() if (p / "cmd").is_file()):
            command = (case / "cmd").read_text().split()
            stdout = case / "stdout"
            if command[:1] != ["convert"] or (case / "code").read_text().strip() != "0":
                continue
            if stdout.read_text().strip():
                outputs.append(stdout)
    if not outputs:
        print("validate: no golden outputs found")
        return 0, 1
    ok, problems = validate(outputs)
    failed = {str(o) for o in outputs if any(str(o) in line for line in problems)}
    if not ok and not failed:
        # The validator failed without naming a file: none of them counts as valid.
        failed = {str(o) for o in outputs}
    for line in problems[:40]:
        print(f"FAILED golden: {line}")
    return len(outputs), len(failed)


def main():
    here = Path(__file__).resolve().parent.parent
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", help="the shared corpus (without it, only the goldens)")
    parser.add_argument("--binary", default=str(here / "target" / "release" / "compose2k8s"))
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    binary = str(Path(args.binary).resolve())
    cases, golden_failures = check_goldens([here / "testdata" / "convert", here / "testdata" / "cli"])
    print(f"validate: {cases} golden outputs, {golden_failures} with invalid objects")
    if not args.corpus:
        return 0 if golden_failures == 0 else 1
    projects = list(corpus_projects(Path(args.corpus)))
    counts = {"valid": 0, "refused": 0, "failed": 0}
    objects = 0
    with tempfile.TemporaryDirectory() as tmp:
        out_dirs = [Path(tmp) / str(i) for i in range(len(projects))]
        outcomes = each_in_parallel(
            lambda pair: convert(pair[0], binary, pair[1]), list(zip(projects, out_dirs))
        )
        written = [f for outcome, detail in outcomes if outcome == "converted" for f in detail]
        problems = validate_all(written)
        for project, out_dir, (outcome, detail) in zip(projects, out_dirs, outcomes):
            if outcome == "converted":
                invalid = [line for line in problems if f"{out_dir}/" in line]
                outcome, detail = ("failed", "\n".join(invalid[:20])) if invalid else ("valid", len(detail))
            counts[outcome] += 1
            if outcome == "valid":
                objects += detail
            if outcome == "failed":
                print(f"FAILED {project.name}\n{detail}\n")
            elif args.verbose:
                print(f"{outcome}: {project.name}")
    print(
        f"validate: {counts['valid']} projects converted, {objects} objects valid for "
        f"Kubernetes {KUBERNETES_VERSION}; {counts['refused']} refused (by the loader, or on purpose: "
        f"{len(EXPECTED_REFUSALS)}); "
        f"{counts['failed']} failed"
    )
    return 0 if counts["failed"] == 0 and golden_failures == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
