#!/usr/bin/env python3
"""Apply what compose2k8s writes to a real API server, as a dry run: the server's own
validation (a volumeMount naming no volume, a selector that does not match its template, a
restartPolicy a Deployment does not allow) runs, which strict schemas do not.

Projects: the golden cases that convert to stdout with exit 0 and, with --corpus, every
project of the corpus that converts (scripts/corpus.py). Each is converted with
`convert -o DIR` and applied with `kubectl apply --dry-run=server -f DIR` into a namespace of
its own (created for it, as are the namespaces its objects name); an object the report says
is too large for a client-side apply (code too-large-for-client-apply) is applied with
`--server-side`, as the report tells the user. Any rejection fails the
run, naming the project, the object and the server's message. Then the expense example is
applied for real and read back: every field written must be in the stored object (the
server adds its defaults).

The cluster is the one `scripts/test-cluster start` runs (KUBECONFIG from
`scripts/test-cluster env`), or any cluster KUBECONFIG points at.

Usage: scripts/server_dry_run.py [--corpus DIR] [--binary PATH] [-v]
Exit status: 0 when the server accepts every object, 1 otherwise.
"""

import argparse
import hashlib
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml  # PyYAML, a dependency of kubernetes-validate

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import corpus_projects, each_in_parallel, golden_projects  # noqa: E402


def kubectl(*args, stdin=None):
    return subprocess.run(["kubectl", *args], input=stdin, capture_output=True, text=True)


def namespace_for(name: str) -> str:
    """A namespace of its own per project: a DNS label, stable across runs."""
    digest = hashlib.sha1(name.encode()).hexdigest()[:10]
    return f"dry-run-{digest}"


def named_namespaces(files):
    """The namespaces the objects name themselves (x-kubernetes.namespace, --namespace)."""
    names = set()
    for file in files:
        for document in yaml.safe_load_all(file.read_text()):
            namespace = ((document or {}).get("metadata") or {}).get("namespace")
            if namespace:
                names.add(namespace)
    return names


def ensure_namespace(name: str):
    created = kubectl("create", "namespace", name)
    if created.returncode != 0 and "AlreadyExists" not in created.stderr:
        raise RuntimeError(f"cannot create namespace {name}: {created.stderr.strip()}")


# How the report names an object that a client-side apply refuses for its size (the code
# too-large-for-client-apply), and tells the user to apply with --server-side.
TOO_LARGE = re.compile(r"the (\w+) `([^`]+)` is \d+ KiB as JSON: a client-side `kubectl apply`")


def too_large_for_client_apply(report: str):
    """(kind, name) of the objects the report says to apply with --server-side."""
    entries = json.loads(report).get("entries", [])
    return {TOO_LARGE.search(e["message"]).groups() for e in entries
            if e.get("code") == "too-large-for-client-apply"}


def object_of(file: Path):
    document = yaml.safe_load(file.read_text()) or {}
    return document.get("kind"), (document.get("metadata") or {}).get("name")


def dry_run(project, binary: str, out_dir: Path):
    """(outcome, detail): applied (detail: object count, of them applied server-side),
    skipped, or rejected."""
    _, err, code = project.run([binary, "convert", "--report", "json", "-o", str(out_dir)])
    if code != 0:
        return "skipped", f"convert exits {code}"
    files = sorted(out_dir.glob("*.yaml"))
    if not files:
        return "skipped", "no objects"
    # Objects that name their namespace go there; the others into one of the project's own.
    named = named_namespaces(files)
    namespace = namespace_for(project.name)
    for name in {namespace, *named}:
        ensure_namespace(name)
    target = [] if named else ["-n", namespace]
    # As users apply them: with a client-side `kubectl apply` (the README's command), but
    # the objects the report says are too large for it with --server-side, as it says.
    large = too_large_for_client_apply(err)
    server_side = [f for f in files if object_of(f) in large]
    client_side = [f for f in files if f not in server_side]
    for how, chosen in ((["apply"], client_side),
                        (["apply", "--server-side", "--field-manager", "dry-run"], server_side)):
        if not chosen:
            continue
        file_args = [arg for f in chosen for arg in ("-f", str(f))]
        applied = kubectl(*how, "--dry-run=server", *target, *file_args)
        if applied.returncode != 0:
            return "rejected", applied.stderr.strip()
    return "applied", (len(files), len(server_side))


def contains(live, written, path=""):
    """The first field of `written` that `live` does not hold as written, or None."""
    if isinstance(written, dict):
        if not isinstance(live, dict):
            return path or "."
        for key, value in written.items():
            missing = contains(live.get(key), value, f"{path}.{key}")
            if missing:
                return missing
        return None
    if isinstance(written, list):
        if not isinstance(live, list) or len(live) != len(written):
            return path
        for i, (a, b) in enumerate(zip(live, written)):
            missing = contains(a, b, f"{path}[{i}]")
            if missing:
                return missing
        return None
    return None if live == written else path


def apply_example(here: Path, binary: str, out_dir: Path):
    """Applies the expense example for real and reads each object back; the problems."""
    example = here / "testdata" / "convert" / "expense"
    converted = subprocess.run([binary, "convert", "-o", str(out_dir)], cwd=example,
                               capture_output=True, text=True)
    if converted.returncode != 0:
        return [f"convert: {converted.stderr.strip()}"]
    namespace = "expense-applied"
    kubectl("delete", "namespace", namespace, "--wait=false")
    ensure_namespace(namespace)
    applied = kubectl("apply", "-n", namespace, "-f", str(out_dir))
    if applied.returncode != 0:
        return [f"apply: {applied.stderr.strip()}"]
    problems = []
    for file in sorted(out_dir.glob("*.yaml")):
        written = yaml.safe_load(file.read_text())
        read = kubectl("get", "-n", namespace, "-f", str(file), "-o", "json")
        if read.returncode != 0:
            problems.append(f"{file.name}: not read back: {read.stderr.strip()}")
            continue
        live = yaml.safe_load(read.stdout)
        for key in ("spec", "data", "metadata"):
            if key not in written:
                continue
            wanted = dict(written[key])
            if key == "metadata":
                wanted.pop("namespace", None)
            missing = contains(live.get(key), wanted, key)
            if missing:
                problems.append(f"{file.name}: {missing} is not stored as written")
    return problems


def main():
    here = Path(__file__).resolve().parent.parent
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", help="the shared corpus (without it, only the goldens)")
    parser.add_argument("--binary", default=str(here / "target" / "release" / "compose2k8s"))
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    binary = str(Path(args.binary).resolve())
    if kubectl("get", "--raw", "/readyz", "--request-timeout=5s").returncode != 0:
        print("server_dry_run: no API server answers (scripts/test-cluster start)")
        return 1
    projects = [*golden_projects(here / "testdata" / "convert"),
                *golden_projects(here / "testdata" / "cli")]
    if args.corpus:
        projects += corpus_projects(Path(args.corpus))
    counts = {"applied": 0, "skipped": 0, "rejected": 0}
    objects = server_side = 0
    with tempfile.TemporaryDirectory() as tmp:
        outcomes = each_in_parallel(
            lambda pair: dry_run(pair[1], binary, Path(tmp) / str(pair[0])),
            list(enumerate(projects)),
        )
        for project, (outcome, detail) in zip(projects, outcomes):
            counts[outcome] += 1
            if outcome == "applied":
                objects += detail[0]
                server_side += detail[1]
            if outcome == "rejected":
                print(f"REJECTED {project.name}\n{detail}\n")
            elif args.verbose:
                print(f"{outcome}: {project.name} ({detail})")
        problems = apply_example(here, binary, Path(tmp) / "expense")
    for problem in problems:
        print(f"EXPENSE {problem}")
    print(
        f"server_dry_run: {counts['applied']} projects, {objects} objects accepted by the API "
        f"server ({server_side} applied with --server-side, as the report says: too large "
        f"for a client-side apply); {counts['rejected']} rejected; {counts['skipped']} not converted; the "
        f"expense example applied and read back with {len(problems)} problem(s)"
    )
    return 0 if counts["rejected"] == 0 and not problems else 1


if __name__ == "__main__":
    sys.exit(main())
