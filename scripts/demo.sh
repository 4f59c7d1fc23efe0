#!/usr/bin/env bash
# The README's main job: make sample pictures, enrol five people, identify and verify.
# Uses only pictures the project generates itself; needs no data set.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(swift build -c release --show-bin-path)
simdb() { echo "\$ simdb $*" >&2; "$bin/simdb" "$@"; }

rm -rf demo
"$bin/simdb-samples" demo/people 6 4
export SIMDB_STORE=demo/store

for person in alice bob carol dave erin; do
    simdb add demo/people/$person/1.png demo/people/$person/2.png demo/people/$person/3.png --id "$person"
done
simdb list
echo
echo "# a new picture of carol: identified"
simdb query demo/people/carol/4.png --k 3
echo
echo "# frank was never enrolled: unknown"
simdb query demo/people/frank/1.png --k 3
echo
echo "# is this bob? is this alice?"
simdb verify demo/people/bob/4.png --id bob
simdb verify demo/people/bob/4.png --id alice
echo
simdb info
echo
simdb query demo/people/carol/4.png --k 2 --json
echo
echo "# the audit log (last 5 rows)"
simdb audit --limit 5
