#!/bin/sh
# Seeds fuzz/corpus/<target>/ (not in git) from the test cases and the shared corpus:
# every compose file for `loader`, every interpolation case (its environment, a NUL byte,
# its template) for `interpolation`, every env file for `dotenv`.
# Usage: scripts/fuzz-seed.sh [CORPUS_DIR]   (default: ../shared/corpus)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
shared=${1:-$root/../shared/corpus}
out=$root/fuzz/corpus
mkdir -p "$out/loader" "$out/interpolation" "$out/dotenv"

seed() { # seed TARGET FILE: stores FILE under its content hash, so reruns add nothing twice
    name=$(sha1sum "$2" | cut -c1-40)
    cp "$2" "$1/$name"
}

find "$root/testdata" "$root/examples" "$shared" -type f \( -name '*.yaml' -o -name '*.yml' \) |
    while read -r file; do seed "$out/loader" "$file"; done

tmp=$(mktemp)
for case in "$root"/testdata/interpolate/*/; do
    { cat "$case/env" 2>/dev/null || true; printf '\0'; cat "$case/input.txt"; } >"$tmp"
    seed "$out/interpolation" "$tmp"
done
rm -f "$tmp"

find "$root/testdata" "$shared" -type f \( -name '*.env' -o -name '.env' -o -name 'env' \) |
    while read -r file; do seed "$out/dotenv" "$file"; done

for target in loader interpolation dotenv; do
    echo "$target: $(ls "$out/$target" | wc -l) seeds"
done
