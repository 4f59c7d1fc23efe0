#!/bin/sh
# Reproduces the shipped default face model (docs/model-card.md).
# Usage: scripts/train-default-model.sh [DATA] [WORK]   (RESUME=1 continues an interrupted run)
# DATA defaults to ../shared/data, WORK to .build/default-model; WORK receives symbolic links to
# the identity folders (the seeded split of scripts/split-default-data.py) and the model file.
# The shipped file was made by this script at commit 75fb717, whose detector searched once; later
# ones search again where no face is found and drop overlapping faces, so a few pictures are cut
# differently (model card).
set -eu
DATA=${1:-../shared/data}
WORK=${2:-.build/default-model}
python3 scripts/split-default-data.py "$DATA" "$WORK"
swift build -c release --product simdb
.build/release/simdb train "$WORK/train/orl" "$WORK/train/yale" "$WORK/train/lfw" \
    --validate "$WORK/lfw-val" \
    --architecture vgg-bn --input 64x64 --channels 1 --fit crop --crop 0.9 --zoom 0.25 \
    --loss triplet --mining semi-hard --margin 0.2 --batch 16x4 --epochs 100 --lr 0.001 \
    --seed 1 --threads 2 --encoder-id siamese-face/3 --face-margin 0.087 --mirror-average \
    --out "$WORK/face.simdbmodel" ${RESUME:+--resume}
