#!/bin/sh
# Verification on ordinary photos, as docs/detection.md measures it: the LFW validation identities
# of the default model's split pasted into generated 640x480 scenes, then `simdb eval` with
# detection (the default) and without (--no-detect), and on the uncut crops for comparison; first,
# whether the face the pipeline chooses in each scene is the pasted one (benchmarks/scenes_faces.py).
# Usage: benchmarks/scenes_eval.sh [DATA] [WORK] [SEED]   (defaults ../shared/data, .build/scenes, 7)
set -eu
DATA=${1:-../shared/data}
WORK=${2:-.build/scenes}
SEED=${3:-7}
python3 scripts/split-default-data.py "$DATA" "$WORK/split" > /dev/null
swift build -c release --product simdb > /dev/null
swift build -c release --product simdb-samples > /dev/null
bin=$(swift build -c release --show-bin-path)
rm -rf "$WORK/scenes"
"$bin/simdb-samples" scenes "$WORK/split/lfw-val" "$WORK/scenes" "$SEED" > "$WORK/places.tsv"
python3 benchmarks/scenes_faces.py "$WORK/places.tsv" "$WORK/scenes" --bin "$bin/simdb"
for run in "crops:$WORK/split/lfw-val:" "scenes:$WORK/scenes:" "scenes, whole picture:$WORK/scenes:--no-detect"; do
    name=${run%%:*}; rest=${run#*:}; folder=${rest%%:*}; flag=${rest#*:}
    echo "== $name"
    "$bin/simdb" eval "$folder" --pairs "$WORK/split/lfw-val-pairs.txt" $flag
done
