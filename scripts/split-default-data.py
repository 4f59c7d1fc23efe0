#!/usr/bin/env python3
"""Builds the identity-disjoint training and validation folders for the default model.

Usage: split-default-data.py DATA WORK

DATA is ../shared/data. WORK receives symbolic links only (no image is copied):
  WORK/train/orl        ORL s1..s30 (s31..s40 are the held-out test identities)
  WORK/train/yale       Extended Yale B minus the validation identities
  WORK/train/lfw        LFW-train minus the validation identities
  WORK/lfw-val          the validation identities: 10 % of LFW-train (per-epoch EER, thresholds)
  WORK/yale-val         6 Extended Yale B identities held out from training, evaluated apart
  WORK/lfw-val-pairs.txt  balanced LFW-style pairs among them (genuine `name i j`, impostor
                          `name1 i name2 j`), at most 5 genuine pairs per person
The split is a seeded shuffle (random.Random(20261129)) of the sorted identity names, so it is
the same on every machine.
"""
import os
import random
import sys

SEED = 20261129


def identities(folder):
    return sorted(n for n in os.listdir(folder) if os.path.isdir(os.path.join(folder, n)))


def link(source, target):
    os.makedirs(os.path.dirname(target), exist_ok=True)
    if os.path.lexists(target):
        os.remove(target)
    os.symlink(os.path.abspath(source), target)


def main(data, work):
    rng = random.Random(SEED)
    orl = [f"s{i}" for i in range(1, 31)]
    for name in orl:
        link(os.path.join(data, "orl", name), os.path.join(work, "train", "orl", name))

    yale = identities(os.path.join(data, "extended-yaleb"))
    held_yale = set(rng.sample(yale, 6))
    lfw = identities(os.path.join(data, "lfw-train"))
    held_lfw = set(rng.sample(lfw, round(len(lfw) * 0.1)))
    for name in yale:
        source = os.path.join(data, "extended-yaleb", name)
        link(source, os.path.join(work, "yale-val" if name in held_yale else "train/yale", name))
    for name in lfw:
        source = os.path.join(data, "lfw-train", name)
        if name in held_lfw:
            link(source, os.path.join(work, "lfw-val", name))
        else:
            link(source, os.path.join(work, "train", "lfw", name))

    counts = {n: len(os.listdir(os.path.join(data, "lfw-train", n))) for n in sorted(held_lfw)}
    genuine = []
    for name, count in counts.items():
        pairs = [(i, j) for i in range(1, count + 1) for j in range(i + 1, count + 1)]
        for i, j in rng.sample(pairs, min(5, len(pairs))):
            genuine.append(f"{name}\t{i}\t{j}")
    names = sorted(held_lfw)
    impostor = set()
    while len(impostor) < len(genuine):
        a, b = rng.sample(names, 2)
        a, b = min(a, b), max(a, b)
        impostor.add(f"{a}\t{rng.randint(1, counts[a])}\t{b}\t{rng.randint(1, counts[b])}")
    with open(os.path.join(work, "lfw-val-pairs.txt"), "w") as out:
        out.write(f"{len(genuine)}\n")
        out.write("\n".join(genuine + sorted(impostor)) + "\n")
    print(f"train: 30 ORL, {len(yale) - 6} Yale, {len(lfw) - len(held_lfw)} LFW identities; "
          f"held out: 6 Yale, {len(held_lfw)} LFW; LFW pairs: {len(genuine)} genuine + {len(impostor)} impostor")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
