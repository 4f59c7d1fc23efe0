#!/usr/bin/env python3
"""Is the face found in each generated scene the one that was pasted there?

Usage: benchmarks/scenes_faces.py PLACES SCENES [--bin .build/release/simdb] [--set-up N]

PLACES is what `simdb-samples scenes SOURCE SCENES SEED > PLACES` printed: each scene's file and
where its picture went. Runs `simdb detect --detector haar-frontalface/N` (`--set-up N`, 5 by
default, the detector of new stores) on every scene and counts the scenes with some face, with
the pasted face among those found, with the pasted face chosen (the largest, as the pipeline
takes a probe's face), and with several faces (which `simdb add` refuses without
--largest-face). A face counts as the pasted one when its centre lies in the pasted picture and
its width is 0.35-1.3 times the picture's (pasted_faces.py). Lists the scenes where the pasted
face was not chosen.
"""
import argparse
import json
import os
import subprocess
import sys

from pasted_faces import is_pasted, report


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("places")
    parser.add_argument("scenes")
    parser.add_argument("--bin", default=".build/release/simdb")
    parser.add_argument("--set-up", type=int, choices=[1, 2, 3, 4, 5], default=5, help="search as haar-frontalface/N does")
    args = parser.parse_args()
    places = {}
    with open(args.places) as lines:
        for line in lines:
            name, box = line.rstrip("\n").split("\t")
            places[os.path.join(args.scenes, name)] = [int(v) for v in box.split()]
    if not places:
        sys.exit("scenes_faces.py: no scenes listed in " + args.places)
    command = [args.bin, "detect", "--detector", f"haar-frontalface/{args.set_up}", "--json"]
    found = subprocess.run(command + sorted(places), check=True, capture_output=True, text=True)
    some = among = chosen = several = 0
    missed = []
    for view in json.loads(found.stdout):
        def pasted(face):
            return is_pasted(places[view["file"]], face)

        faces = view["faces"]
        some += bool(faces)
        several += len(faces) > 1
        among += any(pasted(face) for face in faces)
        if faces and pasted(faces[0]):
            chosen += 1
        else:
            missed.append(f"{view['file']}: no face found" if not faces
                          else f"{view['file']}: {len(faces)} faces, the largest not the pasted one")
    total = len(places)
    report(f"scenes {total}: some face {some}, the pasted face found {among}, the pasted face chosen {chosen},"
           f" several faces {several}", missed)


if __name__ == "__main__":
    main()
