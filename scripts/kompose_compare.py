#!/usr/bin/env python3
"""Compare our conversion of Kompose's fixtures with Kompose's own expected output.

For each fixture of ../shared/corpus/kompose that has an expected `output-k8s*.yaml`, the
matching compose file(s) are converted with `compose2k8s convert`, and the objects of both
sides are listed by kind and name. The result is a Markdown table (docs/kompose.md embeds
it) with the objects only Kompose writes, only we write, and those both write.

Usage: scripts/kompose_compare.py [--corpus DIR] [--binary PATH]
"""

import argparse
import re
import subprocess
from pathlib import Path

import yaml  # kubernetes-validate depends on PyYAML, so CI has it

# Expected files whose input is not simply the compose file of the same suffix.
SPECIAL_INPUTS = {
    ("multiple-files", "output-k8s.yaml"): ["first.yaml", "second.yaml"],
    ("healthcheck", "output-healthcheck-k8s.yaml"): ["compose-healthcheck.yaml"],
}
# Expected files whose objects compose2k8s writes only when asked to by a flag.
FLAGS = {
    # Kompose writes a NetworkPolicy per network whenever services name networks.
    ("network-policies", "output-k8s.yaml"): ["--network-policies"],
}
# Expected files made with Kompose flags that have no equivalent here.
SKIPPED = {("change-in-volume", "output-k8s-empty-vols-template.yaml"), ("healthcheck", "output-healthcheck-os.yaml")}


def inputs_for(fixture: Path, expected: Path):
    key = (fixture.name, expected.name)
    if key in SPECIAL_INPUTS:
        return SPECIAL_INPUTS[key]
    suffix = re.sub(r"^output-k8s", "", expected.stem)
    for name in (f"compose{suffix}.yaml", f"docker-compose{suffix}.yaml", f"docker-compose{suffix}.yml"):
        if (fixture / name).is_file():
            return [name]
    return None


def objects(text: str):
    found = []
    for doc in yaml.safe_load_all(text):
        if not doc:
            continue
        items = doc.get("items", [doc]) if doc.get("kind") == "List" else [doc]
        for item in items:
            found.append(f"{item.get('kind')}/{item.get('metadata', {}).get('name')}")
    return sorted(set(found))


def ours(fixture: Path, files, binary: str, flags=()):
    args = [binary, "convert", *flags]
    for f in files:
        args += ["-f", f]
    done = subprocess.run(args, cwd=fixture, capture_output=True, text=True)
    if done.returncode != 0:
        return None, done.stderr.strip().splitlines()[-1:] or ["failed"]
    return objects(done.stdout), None


def main():
    here = Path(__file__).resolve().parent.parent
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=str(here.parent / "shared" / "corpus"))
    parser.add_argument("--binary", default=str(here / "target" / "release" / "compose2k8s"))
    args = parser.parse_args()
    root = Path(args.corpus) / "kompose"
    print("| fixture | expected file | both | only Kompose | only compose2k8s |")
    print("|---|---|---|---|---|")
    for expected in sorted(root.rglob("output-*.yaml")):
        fixture = expected.parent
        name = str(fixture.relative_to(root))
        if (fixture.name, expected.name) in SKIPPED:
            print(f"| {name} | {expected.name} | | | (a Kompose-only flag) |")
            continue
        files = inputs_for(fixture, expected)
        if files is None:
            print(f"| {name} | {expected.name} | | | (no matching input) |")
            continue
        theirs = objects(expected.read_text())
        mine, error = ours(fixture, files, args.binary, FLAGS.get((fixture.name, expected.name), ()))
        if mine is None:
            print(f"| {name} | {expected.name} | | {', '.join(theirs)} | refused: {error[0]} |")
            continue
        both = [o for o in theirs if o in mine]
        only_theirs = [o for o in theirs if o not in mine]
        only_mine = [o for o in mine if o not in theirs]
        print(
            f"| {name} | {expected.name} | {', '.join(both)} | {', '.join(only_theirs)} | {', '.join(only_mine)} |"
        )


if __name__ == "__main__":
    main()
