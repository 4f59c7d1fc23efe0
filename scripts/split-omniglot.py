#!/usr/bin/env python3
"""Splits omniglot-background by character for `simdb train` and `simdb eval`.

Usage: split-omniglot.py DATA WORK

Two whole alphabets, Greek and Korean (64 characters), are held out; every character of the other
six alphabets (178) is for training. WORK receives symbolic links only (no image is copied), one
folder per character named `Alphabet-characterNN`:
  WORK/train/   the training characters
  WORK/test/    the held-out characters (both alphabets)
  WORK/test-Greek/, WORK/test-Korean/   each held-out alphabet alone (within-alphabet N-way)
"""
import os
import sys

HELD_OUT = ("Greek", "Korean")


def main(data, work):
    root = os.path.join(data, "omniglot-background")
    counts = {"train": 0, "test": 0}
    for alphabet in sorted(os.listdir(root)):
        for character in sorted(os.listdir(os.path.join(root, alphabet))):
            source = os.path.abspath(os.path.join(root, alphabet, character))
            name = f"{alphabet}-{character}"
            targets = ["test", f"test-{alphabet}"] if alphabet in HELD_OUT else ["train"]
            for target in targets:
                os.makedirs(os.path.join(work, target), exist_ok=True)
                link = os.path.join(work, target, name)
                if not os.path.lexists(link):
                    os.symlink(source, link)
            counts[targets[0]] += 1
    print(f"train: {counts['train']} characters; test: {counts['test']} characters ({', '.join(HELD_OUT)})")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
