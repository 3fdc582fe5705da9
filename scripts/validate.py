#!/usr/bin/env python3
"""Convert every compose project of the corpus and validate every object it writes.

For each compose file that Docker Compose's loader accepts (the others must be refused by
`convert` with exit 1), `compose2k8s convert -o DIR` runs in the file's directory, and:
- it must exit 0 (or 1 only because of --strict, which this script does not pass);
- every object must pass `kubernetes-validate --strict -k 1.33`, where a "couldn't find
  schema" warning counts as a failure;
- every service of the project must become a workload (or a container in another's pod).

With --goldens DIR, the expected output of every golden case under DIR (testdata/convert)
that exits 0 is validated the same way, so the objects the tests pin are valid too.

Usage: scripts/validate.py [--corpus DIR] [--goldens DIR] [--binary PATH] [-v]
Exit status: 0 when every project converts and validates, 1 otherwise.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml  # PyYAML, a dependency of kubernetes-validate

sys.path.insert(0, str(Path(__file__).resolve().parent))
from conformance import candidates, environment, run  # noqa: E402

KUBERNETES_VERSION = "1.33"

# Inputs that are wrong on purpose beyond what the compose loader checks: convert must refuse
# each with exit 1 (a diagnostic naming the key), and the script checks that it does.
EXPECTED_REFUSALS = {
    "kompose/image-pull-policy/compose-files/v12-fail-image-pull-policy.yml":
        "Kompose's own fixture for an invalid kompose.image-pull-policy value",
}
WORKLOAD_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob"}


def loaded_services(path: Path, binary: str):
    """The services of the project as our loader resolves them, or None if it refuses."""
    out, _, code = run([binary, "config", "--format", "json", "-f", path.name], path.parent, environment(path.parent))
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


def check(path: Path, binary: str, expected_refusal: bool):
    services = loaded_services(path, binary)
    if services is None:
        return "refused", None
    with tempfile.TemporaryDirectory() as tmp:
        out_dir = Path(tmp) / "out"
        _, err, code = run(
            [binary, "convert", "-f", path.name, "-o", str(out_dir)],
            path.parent,
            environment(path.parent),
        )
        if expected_refusal:
            if code == 1:
                return "refused", None
            return "failed", f"convert should refuse it with exit 1, exits {code}"
        if code != 0:
            return "failed", f"convert exits {code}: {err.strip().splitlines()[-1:] }"
        files = sorted(out_dir.glob("*.yaml"))
        if not files:
            # A project whose services are all behind inactive profiles has nothing to run.
            return ("valid", 0) if not services else ("failed", "no objects written")
        ok, problems = validate(files)
        if not ok:
            return "failed", "\n".join(problems[:20])
        lost = {dns_label(s) for s in services} - workload_services(out_dir)
        if lost:
            return "failed", f"services without a workload: {sorted(lost)}"
        return "valid", len(files)


def check_goldens(root: Path):
    """Validates the `stdout` of each golden case that exits 0; returns (cases, failures)."""
    cases, failures = 0, 0
    for case in sorted(p for p in root.iterdir() if (p / "cmd").is_file()):
        stdout = case / "stdout"
        if (case / "code").read_text().strip() != "0" or not stdout.read_text().strip():
            continue
        cases += 1
        ok, problems = validate([stdout])
        if not ok:
            failures += 1
            print(f"FAILED golden {case.name}\n" + "\n".join(problems[:20]) + "\n")
    return cases, failures


def main():
    here = Path(__file__).resolve().parent.parent
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=str(here.parent / "shared" / "corpus"))
    parser.add_argument("--binary", default=str(here / "target" / "release" / "compose2k8s"))
    parser.add_argument("--goldens", help="also validate the output of these golden cases")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    golden_failures = 0
    if args.goldens:
        cases, golden_failures = check_goldens(Path(args.goldens))
        print(f"validate: {cases} golden outputs, {golden_failures} with invalid objects")
    corpus = Path(args.corpus)
    counts = {"valid": 0, "refused": 0, "failed": 0}
    objects = 0
    for path in candidates(corpus):
        relative = str(path.relative_to(corpus))
        outcome, detail = check(path, args.binary, relative in EXPECTED_REFUSALS)
        counts[outcome] += 1
        if outcome == "valid":
            objects += detail
        if outcome == "failed":
            print(f"FAILED {path.relative_to(corpus)}\n{detail}\n")
        elif args.verbose:
            print(f"{outcome}: {path.relative_to(corpus)}")
    print(
        f"validate: {counts['valid']} projects converted, {objects} objects valid for "
        f"Kubernetes {KUBERNETES_VERSION}; {counts['refused']} refused (by the loader, or on purpose: "
        f"{len(EXPECTED_REFUSALS)}); "
        f"{counts['failed']} failed"
    )
    return 0 if counts["failed"] == 0 and golden_failures == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
