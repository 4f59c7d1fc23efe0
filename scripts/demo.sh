#!/usr/bin/env bash
# The README's main job: enrol five people, identify and verify, with the embedded defaults.
# With ../shared/data/orl beside the checkout, the people are ORL's held-out faces (s31..s35
# enrolled from three photos each, s36 a stranger) and the encoder is the shipped face model.
# Without it, the demo draws synthetic pictures; they are not faces, so it uses the pixel
# baseline for them and says so. No image is ever copied into the repository.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(swift build -c release --show-bin-path)
simdb() { echo "\$ simdb $*" >&2; "$bin/simdb" "$@"; }

rm -rf demo
mkdir -p demo/people
export SIMDB_STORE=demo/store
orl=../shared/data/orl
if [ -f "$orl/s36/10.pgm" ]; then
    names=(alice bob carol dave erin frank)
    for i in 0 1 2 3 4 5; do
        mkdir -p "demo/people/${names[$i]}"
        for n in 1 2 3 4; do ln -s "$(cd "$orl" && pwd)/s$((31 + i))/$n.pgm" "demo/people/${names[$i]}/$n.pgm"; done
    done
    ext=pgm
    encoder=()
    echo "# faces: ORL s31..s36 (identities the default model never saw), default encoder"
else
    "$bin/simdb-samples" demo/people 6 4
    ext=png
    encoder=(--encoder pixels/1)
    echo "# $orl is absent: synthetic pictures (not faces), so the pixel baseline encoder"
fi

for person in alice bob carol dave erin; do
    simdb add demo/people/$person/1.$ext demo/people/$person/2.$ext demo/people/$person/3.$ext --id "$person" "${encoder[@]}"
done
simdb list
echo
echo "# a new picture of carol: identified"
simdb query demo/people/carol/4.$ext --k 3
echo
echo "# frank was never enrolled: unknown"
simdb query demo/people/frank/1.$ext --k 3
echo
echo "# is this bob? is this alice?"
simdb verify demo/people/bob/4.$ext --id bob
simdb verify demo/people/bob/4.$ext --id alice
echo
simdb info
echo
simdb query demo/people/carol/4.$ext --k 2 --json
echo
echo "# the audit log (last 5 rows)"
simdb audit --limit 5
