#!/usr/bin/env python3
"""Are both people found in a generated two-person scene?

Usage: benchmarks/group_faces.py SOURCE [--scenes 200] [--seed 11] [--set-up N]
                                 [--bin .build/release/simdb] [--samples .build/release/simdb-samples]

SOURCE holds one folder per person (an LFW split). For each scene two different people are drawn,
one picture of each, and `simdb-samples group` pastes them side by side into a 640x480 scene;
`--seed` chooses the people, pictures, backgrounds, sizes and places, so a seed gives the same
scenes on every run and another seed other scenes. `simdb detect --detector haar-frontalface/N`
(`--set-up N`, 5 by default, the detector of new stores) searches every scene; counted: scenes
where both pasted faces are found, where exactly those two faces are, and faces found elsewhere
(false faces). A face counts as a pasted one when its centre lies in the pasted picture and its
width is 0.35-1.3 times the picture's (pasted_faces.py). Lists the scenes where a pasted face
was missed.
"""
import argparse
import json
import os
import random
import subprocess
import sys
import tempfile

from pasted_faces import is_pasted, report


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source")
    parser.add_argument("--scenes", type=int, default=200)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--set-up", type=int, choices=[1, 2, 3, 4, 5], default=5, help="search as haar-frontalface/N does")
    parser.add_argument("--bin", default=".build/release/simdb")
    parser.add_argument("--samples", default=".build/release/simdb-samples")
    args = parser.parse_args()
    people = sorted(name for name in os.listdir(args.source) if os.path.isdir(os.path.join(args.source, name)))
    if len(people) < 2:
        sys.exit("group_faces.py: " + args.source + " needs at least two people's folders")
    draw = random.Random(args.seed)
    places = {}
    with tempfile.TemporaryDirectory() as scenes:
        for index in range(args.scenes):
            pictures = []
            for person in draw.sample(people, 2):
                folder = os.path.join(args.source, person)
                pictures.append(os.path.join(folder, draw.choice(sorted(os.listdir(folder)))))
            scene = os.path.join(scenes, f"group{index:04d}.png")
            made = subprocess.run([args.samples, "group", scene, str(args.seed * 100_000 + index)] + pictures,
                                  check=True, capture_output=True, text=True)
            places[scene] = [[int(v) for v in line.split()] for line in made.stdout.split("\n") if line]
        found = subprocess.run([args.bin, "detect", "--detector", f"haar-frontalface/{args.set_up}", "--json"] + sorted(places),
                               check=True, capture_output=True, text=True)
    both = exactly = elsewhere = 0
    missed = []
    for view in json.loads(found.stdout):
        scene_places = places[view["file"]]
        faces = view["faces"]
        hits = [any(is_pasted(place, face) for face in faces) for place in scene_places]
        both += all(hits)
        exactly += all(hits) and len(faces) == 2
        elsewhere += sum(1 for face in faces if not any(is_pasted(place, face) for place in scene_places))
        if not all(hits):
            missed.append(f"{os.path.basename(view['file'])}: {sum(hits)} of 2 found")
    report(f"haar-frontalface/{args.set_up}: scenes {len(places)}, both people found {both}, exactly the two faces {exactly},"
           f" faces elsewhere {elsewhere}", missed)


if __name__ == "__main__":
    main()
