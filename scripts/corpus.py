"""The projects that validate.py and check_rules.py convert: each file of the shared corpus on
its own (as conformance.py loads them), each realworld project with the files and flags of
its projects.json, and the golden cases of testdata/convert that convert with exit 0.

A project is run from its directory with its `args` (`-f FILE…` then flags). `accepted` is
true when Docker Compose is known to accept it (realworld projects, goldens): it must
convert. A single corpus file may be no project at all (a Prometheus config, a fixture the
reference refuses); our loader refusing it is checked against the reference by
conformance.py, so here a refusal of such a file is not a failure.
"""

import json
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from conformance import candidates, checkout, environment, golden_environment, run

# Inputs that are wrong on purpose beyond what the compose loader checks: convert must refuse
# each with exit 1 (a diagnostic naming the key).
EXPECTED_REFUSALS = {
    "kompose/image-pull-policy/compose-files/v12-fail-image-pull-policy.yml":
        "Kompose's own fixture for an invalid kompose.image-pull-policy value",
}

# Flags of a golden case's command that say how to print, not what to convert.
OUTPUT_FLAGS_WITH_VALUE = {"--format", "--report", "-o", "--output"}
OUTPUT_FLAGS = {"--strict"}
# Flags that say which project to load, which `config` takes too.
INPUT_FLAGS_WITH_VALUE = {"-f", "--file", "--project-directory", "-p", "--project-name",
                          "--env-file", "--profile"}
CONVERT_FLAGS_WITH_VALUE = {"--namespace", "--wait-image"}


@dataclass(frozen=True)
class Project:
    name: str
    directory: Path
    args: tuple
    accepted: bool
    # None: the minimal environment of conformance.py, PWD set to the project's directory.
    env: dict = field(default=None, compare=False, hash=False)
    # Flags of `convert` alone (`--namespace`, `--network-policies`, …).
    convert_args: tuple = ()
    # The repository the project stands for (see conformance.checkout), when it is not a
    # git work tree of its own.
    allowed: Path = None

    def run(self, command):
        """Runs `BINARY SUBCOMMAND FLAGS…` with the project's args, in its directory."""
        binary, subcommand, *flags = command
        extra = self.convert_args if subcommand == "convert" else ()
        if self.allowed is not None:
            extra = (*extra, "--allow-path", str(self.allowed.resolve()))
        env = self.env if self.env is not None else environment(self.directory)
        return run([binary, subcommand, *flags, *self.args, *extra], self.directory, env)


def corpus_projects(corpus: Path):
    realworld = corpus / "realworld"
    # A corpus without its list would silently check less: fail instead.
    listing = json.loads((realworld / "projects.json").read_text())
    projects = []
    for name, spec in sorted(listing.items()):
        args = [arg for file in spec["files"] for arg in ("-f", file)] + spec["args"]
        projects.append(Project(f"realworld/{name}", realworld / name, tuple(args), True,
                                allowed=realworld / name))
    listed = {(p.directory, p.args) for p in projects}
    # A file that is a listed project as it stands is checked once, as that project.
    singles = [Project(str(path.relative_to(corpus)), path.parent, ("-f", path.name), False,
                       allowed=checkout(corpus, path))
               for path in candidates(corpus)]
    return [p for p in singles if (p.directory, p.args) not in listed] + projects


def golden_projects(root: Path):
    """The golden cases under `root` that run `convert` to stdout and exit 0."""
    for case in sorted(p for p in root.iterdir() if (p / "cmd").is_file()):
        args = [a.strip() for a in (case / "cmd").read_text().splitlines() if a.strip()]
        if args[:1] != ["convert"] or (case / "code").read_text().strip() != "0":
            continue
        if "--kustomize" in args or "--helm" in args:
            continue
        inputs, others, rest = [], [], iter(args[1:])
        for arg in rest:
            if arg in OUTPUT_FLAGS_WITH_VALUE:
                next(rest, None)
            elif arg in INPUT_FLAGS_WITH_VALUE:
                inputs += [arg, next(rest, "")]
            elif arg in CONVERT_FLAGS_WITH_VALUE:
                others += [arg, next(rest, "")]
            elif arg not in OUTPUT_FLAGS:
                others.append(arg)
        yield Project(f"golden/{case.name}", case.resolve(), tuple(inputs), True,
                      golden_environment(case),
                      tuple(others))


def each_in_parallel(function, items):
    """`function` over `items`, a process per core at a time; results in the items' order."""
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        return list(pool.map(function, items))
