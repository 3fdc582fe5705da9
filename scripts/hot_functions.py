#!/usr/bin/env python3
"""Writes link/hot-functions.txt: the functions `compose2k8s convert` runs, most used first.

build.rs hands the list to the linker (LLD), which places those functions first and
together, so that a short conversion maps in a few hundred KiB of code instead of touching
most of the binary (see build.rs). The list comes from a profile: the release binary
converts the benchmark's projects of 10 and 100 services (scripts/bench.py) many times under
`perf record`, and every function of the binary that was sampled is listed, by its number of
samples. Rerun it when the code has changed much: names that no longer exist are ignored by
the linker, and new functions are placed after the listed ones.

Needs `perf` with permission to sample user code (perf_event_paranoid 2 or lower).

`--check` (run by .ci/run after the release build) writes nothing: it counts how many of
the listed names the release binary still has, and how many of them follow the one listed
before, and fails when either share is below CHECK_MIN_SHARE. A name
goes missing when its function is renamed, moved or removed (or the compiler changes),
and a list that has drifted far leaves the new code scattered again: at 10 services a run
with a stale list was 9% slower. The check does not see new hot functions that the list
lacks, so rewrite the list after large changes to the code that a conversion runs.

Usage: scripts/hot_functions.py [--runs N]
       scripts/hot_functions.py --check
Exit status: 0 when the list was written (or passes the check), 1 when the check fails,
2 when something could not run.
"""

import argparse
import collections
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "link" / "hot-functions.txt"
SIZES = (10, 100)
# The share of the listed names the binary must still have (--check).
CHECK_MIN_SHARE = 0.9
# Samples per second: perf's usual maximum; a 2 ms run then gives about a hundred samples.
FREQUENCY = 49000


def fail(message, status=2):
    print(f"hot_functions: {message}", file=sys.stderr)
    sys.exit(status)


def run(command, **kwargs):
    try:
        return subprocess.run(command, check=True, capture_output=True, text=True, **kwargs)
    except (OSError, subprocess.CalledProcessError) as error:
        detail = getattr(error, "stderr", "") or ""
        fail(f"{' '.join(map(str, command))} failed: {error}\n{detail}")


def check():
    """Fails when the release binary lacks too many of the listed names, or does not have
    them in the list's order (the linker was not given the list)."""
    binary = ROOT / "target" / "release" / "compose2k8s"
    if not binary.is_file():
        fail(f"{binary.relative_to(ROOT)} not built (cargo build --release)")
    listed = OUTPUT.read_text().split()
    symbols = run(["nm", "--defined-only", str(binary)]).stdout
    address = {}
    for line in symbols.splitlines():
        fields = line.split()
        if len(fields) == 3:
            address[fields[2]] = int(fields[0], 16)
    placed = [address[name] for name in listed if name in address]
    share = len(placed) / len(listed) if listed else 0.0
    pairs = list(zip(placed, placed[1:]))
    # Laid out by the list, each function follows the one listed before it; laid out as
    # usual, about half of them do.
    in_order = sum(later > earlier for earlier, later in pairs) / len(pairs) if pairs else 0.0
    print(f"{OUTPUT.relative_to(ROOT)}: {len(placed)} of {len(listed)} functions in "
          f"{binary.relative_to(ROOT)} ({share:.0%}), {in_order:.0%} of them in the list's order")
    if share < CHECK_MIN_SHARE:
        fail(f"below {CHECK_MIN_SHARE:.0%}: the code has drifted from the list; write it "
             "again with scripts/hot_functions.py", status=1)
    if in_order < CHECK_MIN_SHARE:
        fail(f"below {CHECK_MIN_SHARE:.0%} in order: the linker did not lay out the code by "
             "the list (see build.rs)", status=1)


def build():
    run(["cargo", "build", "--release", "--quiet"], cwd=ROOT)
    return ROOT / "target" / "release" / "compose2k8s"


def profile(binary, project, out, runs, data):
    """Converts `project` into `out` `runs` times under perf; the samples go to `data`."""
    loop = (
        f'for i in $(seq {runs}); do rm -rf "{out}"; '
        f'"{binary}" convert -f compose.yaml -o "{out}" 2>/dev/null; done'
    )
    run(["perf", "record", "-q", "-F", str(FREQUENCY), "-o", str(data), "--", "sh", "-c", loop],
        cwd=project)


def sampled_functions(binary, data):
    """How many samples each function of `binary` got, by its symbol (mangled) name."""
    script = run(["perf", "script", "-i", str(data), "--no-demangle", "-F", "ip,sym,dso"]).stdout
    counts = collections.Counter()
    dso = f"({binary})"
    for line in script.splitlines():
        fields = line.split()
        if len(fields) == 3 and fields[2] == dso and fields[1] != "[unknown]":
            counts[fields[1]] += 1
    return counts


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=150, help="conversions per project")
    parser.add_argument("--check", action="store_true",
                        help="only check the list against the release binary")
    args = parser.parse_args()
    if args.check:
        check()
        return
    if shutil.which("perf") is None:
        fail("perf not found")
    binary = build()
    counts = collections.Counter()
    # Output in memory when there is such a file system, as the benchmark writes it.
    memory = "/dev/shm" if Path("/dev/shm").is_dir() else None
    with tempfile.TemporaryDirectory() as work, tempfile.TemporaryDirectory(dir=memory) as out:
        work = Path(work)
        sizes = ",".join(map(str, SIZES))
        run([sys.executable, str(ROOT / "scripts" / "bench.py"), "--generate-only", str(work),
             "--sizes", sizes])
        for services in SIZES:
            data = work / f"perf-{services}.data"
            profile(binary, work / str(services), Path(out) / "out", args.runs, data)
            counts.update(sampled_functions(binary, data))
    if not counts:
        fail("no samples of the binary (is perf allowed to sample?)")
    OUTPUT.parent.mkdir(exist_ok=True)
    ordered = sorted(counts, key=lambda name: (-counts[name], name))
    OUTPUT.write_text("".join(f"{name}\n" for name in ordered))
    print(f"{OUTPUT.relative_to(ROOT)}: {len(ordered)} functions")


if __name__ == "__main__":
    main()
