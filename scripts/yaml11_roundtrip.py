#!/usr/bin/env python3
"""Strings survive the output as text for a YAML 1.1 reader, as kubectl reads it.

kubectl's YAML reader follows YAML 1.1: there `on`, `0x1F` and `-.inf` are not strings,
U+2028 ends a line, and DEL is refused. This script makes thousands of strings from the
characters and words that trip such readers, puts each into a compose file twice (an
environment value, which lands in a mapping, and a `command` word, which lands in a
sequence), converts it, reads the output back with PyYAML (YAML 1.1) and checks that every
string came back as the same string. The strings are random but the seeds are fixed, so a
run is reproducible.

Usage: scripts/yaml11_roundtrip.py [--binary PATH] [--seeds N] [--strings N]
Exit status: 0 when every string came back, 1 when one did not, 2 when something could not
run.
"""

import argparse
import random
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent

# Characters with a meaning somewhere in YAML 1.1 or 1.2, controls, line breaks that only
# YAML 1.1 has, and a few ordinary ones. `$` is left out: Compose interpolates it.
CHARACTERS = (
    list("aZyYnN0179 -?:,[]{}#&*!|>'\"%@`.+_eExXoObB~<=/\\")
    + ["\t", "\n", "\r", "\x1b", "\x7f", "\n  ", "line\nnext "]
    + ["\u00e9", "\u00a0", "\u0085", "\u009b", "\u2028", "\u2029", "\ufeff", "\ufffe", "\U0001F600"]
)
# Whole words that YAML 1.1 or 1.2 resolve to something other than a string.
WORDS = [
    "yes", "no", "on", "off", "y", "n", "true", "False", "NULL", "null", "~", "<<", "=",
    "---", "...", "1_000", "2001-12-14", "0x1F", "-0xff", "1e5", "-.inf", ".nan", "0b101",
    "0o17", "017", "1:20", "+12", ".5", "2001-12-14t21:59:43.10-05:00",
    "2001-12-14 21:59:43.10 -5",
]


def random_string(rng):
    parts = []
    for _ in range(rng.randint(0, 6)):
        parts.append(rng.choice(WORDS) if rng.random() < 0.2 else rng.choice(CHARACTERS))
    return "".join(parts)


def yaml_double_quoted(text):
    """`text` as a YAML double-quoted scalar that any reader takes as written."""
    out = ['"']
    for c in text:
        code = ord(c)
        if c in '"\\':
            out.append("\\" + c)
        elif 0x20 <= code < 0x7F:
            out.append(c)
        elif code <= 0xFFFF:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    out.append('"')
    return "".join(out)


def compose_file(strings):
    lines = ["services:", "  app:", "    image: example/app:1.0", "    command:"]
    lines += [f"      - {yaml_double_quoted(s)}" for s in strings]
    lines.append("    environment:")
    lines += [f"      V{i:05}: {yaml_double_quoted(s)}" for i, s in enumerate(strings)]
    return "\n".join(lines) + "\n"


def check(binary, strings, work):
    compose = work / "compose.yaml"
    compose.write_text(compose_file(strings), encoding="utf-8")
    done = subprocess.run(
        [str(binary), "convert", "-f", str(compose)], capture_output=True, text=True
    )
    if done.returncode != 0:
        raise RuntimeError(f"convert failed:\n{done.stderr[-2000:]}")
    try:
        documents = list(yaml.safe_load_all(done.stdout))
    except yaml.YAMLError as error:
        return [f"the output is not YAML 1.1: {error}"]
    deployment = next(d for d in documents if d and d.get("kind") == "Deployment")
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    env = {e["name"]: e.get("value", "") for e in container.get("env", [])}
    args = container.get("args") or container.get("command") or []
    problems = []
    for i, text in enumerate(strings):
        value = env.get(f"V{i:05}")
        if value != text:
            problems.append(f"environment value {text!r} came back as {value!r}")
    if args != strings:
        mismatched = [(a, s) for a, s in zip(args, strings) if a != s]
        problems += [f"command word {s!r} came back as {a!r}" for a, s in mismatched[:5]]
        if len(args) != len(strings):
            problems.append(f"{len(strings)} command words came back as {len(args)}")
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--binary", default=str(ROOT / "target/release/compose2k8s"))
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--strings", type=int, default=2000)
    args = parser.parse_args()
    binary = Path(args.binary)
    if not binary.exists():
        print(f"yaml11_roundtrip: {binary} not found (cargo build --release)", file=sys.stderr)
        return 2
    problems = []
    total = 0
    with tempfile.TemporaryDirectory() as work:
        for seed in range(args.seeds):
            rng = random.Random(seed)
            # Empty strings are left out: an empty environment value is written as "".
            strings = [s for s in (random_string(rng) for _ in range(args.strings)) if s]
            total += len(strings)
            try:
                found = check(binary, strings, Path(work))
            except RuntimeError as error:
                print(f"yaml11_roundtrip: seed {seed}: {error}", file=sys.stderr)
                return 2
            problems += [f"seed {seed}: {p}" for p in found]
    for problem in problems[:20]:
        print(problem)
    print(f"yaml11_roundtrip: {total} strings, {len(problems)} not read back as written")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
