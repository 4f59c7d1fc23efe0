#!/bin/sh
# Trains and evaluates a Siamese encoder on Omniglot with the same `simdb train` as the face
# model, to show the trainer is not face-specific (docs/training.md).
# Usage: scripts/train-omniglot.sh [DATA] [WORK]
# DATA defaults to ../shared/data, WORK to .build/omniglot; WORK receives symbolic links to the
# character folders (scripts/split-omniglot.py: Greek and Korean held out) and the model file.
set -eu
DATA=${1:-../shared/data}
WORK=${2:-.build/omniglot}
python3 scripts/split-omniglot.py "$DATA" "$WORK"
swift build -c release --product simdb
simdb=.build/release/simdb
$simdb train "$WORK/train" --validation-split 0.1 \
    --architecture reference-bn --input 64x64 --channels 1 --fit stretch --zoom 0.15 \
    --loss triplet --mining semi-hard --margin 0.2 --batch 16x4 --epochs 60 --lr 0.001 \
    --seed 1 --threads 2 --encoder-id omniglot/1 --out "$WORK/omniglot.simdbmodel"
for test in test test-Greek test-Korean; do
    echo "== $test: 20-way one-shot over 1,000 seeded episodes"
    $simdb eval "$WORK/$test" --encoder "$WORK/omniglot.simdbmodel" --way 20
done
